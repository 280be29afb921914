"""The working group's review queue in headless Chromium, on both backends.

The queue holds what :func:`tests.api.test_review_page.fill_queue` puts there: district
3's plan (one plot dropped) from the consultant, district 2's plan uploaded by the
working-group member themself, and two requests competing for one district-3 plot.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa

from tests.api.test_review_page import fill_queue
from tests.browser.conftest import PASSWORD, sign_in
from zones.db import create_engine, session_factory
from zones.model import (
    Allocation,
    AllocationRequest,
    District,
    PlanFeature,
    PlanRevision,
    Plot,
    PlotStatus,
    RequestStatus,
    RevisionStatus,
    utcnow,
)
from zones.services.decisions import live_reservation
from zones.settings import Settings

pytestmark = pytest.mark.browser


@pytest.fixture
def queue(people: dict, demo_settings: Settings) -> dict[str, Any]:
    """The known queue, written before the live server starts (ask for it before it)."""
    return fill_queue(demo_settings, investor_ref=people["investor_ref"])


def _read(settings: Settings, work: Any) -> Any:
    engine = create_engine(settings)
    try:
        with session_factory(engine)() as session:
            return work(session)
    finally:
        engine.dispose()


def _denied(problems: list[str]) -> list[str]:
    """Console lines other than the refused request the test provokes on purpose."""
    return [p for p in problems if "status of 403" not in p]


def test_working_group_approves_a_revision_from_the_queue(open_page, people, queue, live_url,
                                                          demo_settings, backend,
                                                          tmp_path) -> None:
    seen = open_page(f"{live_url}/login")
    page = seen.page
    sign_in(seen, live_url, "wg", next_url="/review")
    assert page.url.endswith("/review")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.text_content("#revisions-count") == "۲"
    assert page.text_content("#requests-count") == "۲"
    page.screenshot(path=str(tmp_path / f"review-fa-{backend}.png"), full_page=True)

    item = page.locator(f"#revision-{queue['plan_d3']}")
    assert item.locator('[data-diff="removed"]').text_content() == "۱"
    item.locator("input[name=decision_ref]").fill("WG-1405/21")
    item.locator("textarea[name=comments]").fill("با اصلاح معابر")
    # The plan retires the dropped plot: the page names it and wants it acknowledged.
    assert queue["removed"] in item.locator(".review-retire").text_content()
    item.locator("button[data-action=approve]").click()
    assert item.is_visible() and page.locator("#review-done").is_hidden()
    item.locator("input[name=acknowledge_retired]").check()
    item.locator("button[data-action=approve]").click()
    item.wait_for(state="detached")
    assert page.locator("#review-done").is_visible()
    assert "WG-1405/21" in page.text_content("#review-done")
    assert page.text_content("#revisions-count") == "۱"
    assert page.locator("#review-alert").is_hidden()

    # Approving one's own upload is refused by the API: the problem shows, the row stays.
    own = page.locator(f"#revision-{queue['own_d2']}")
    own.locator("input[name=decision_ref]").fill("WG-1405/22")
    own.locator("button[data-action=approve]").click()
    alert = page.locator("#review-alert[role=alert]")
    alert.wait_for(state="visible")
    assert alert.locator(".review-problem-code").text_content() == "own_revision_approval"
    assert own.is_visible() and page.text_content("#revisions-count") == "۱"
    assert seen.outside == [] and _denied(seen.problems) == []
    page.screenshot(path=str(tmp_path / f"review-refused-fa-{backend}.png"), full_page=True)

    def published(session) -> tuple:
        revision = session.get(PlanRevision, queue["plan_d3"])
        features = sorted(session.scalars(sa.select(PlanFeature.code).where(
            PlanFeature.revision_id == revision.id)))
        current = sorted(session.scalars(sa.select(Plot.code).join(District).where(
            District.code == "D3", Plot.valid_to.is_(None))))
        gone = session.scalar(sa.select(Plot.valid_to).join(District).where(
            District.code == "D3", Plot.code == queue["removed"]))
        own_status = session.get(PlanRevision, queue["own_d2"]).status
        return revision.status, revision.decision_ref, features, current, gone, own_status

    status, ref, features, current, gone, own_status = _read(demo_settings, published)
    assert status is RevisionStatus.APPROVED and ref == "WG-1405/21"
    assert current == features == queue["kept"]  # the district's plots are the revision's
    assert gone is not None  # the dropped plot was retired
    assert own_status is RevisionStatus.SUBMITTED


def test_working_group_approves_a_request_onto_a_matching_plot(
        open_page, people, queue, live_url, demo_settings, backend, tmp_path) -> None:
    seen = open_page(f"{live_url}/login?lang=en")
    page = seen.page
    sign_in(seen, live_url, "wg", next_url="/review?lang=en", lang="en")
    assert page.locator("html").get_attribute("dir") == "ltr"
    first, second = queue["requests"]
    assert page.locator("#requests-table tbody.review-item").evaluate_all(
        "els => els.map(e => Number(e.dataset.request))") == [first, second]
    item = page.locator(f"#request-{first}")
    assert item.locator(".review-competing").get_attribute("data-competing") == queue["wanted"]
    assert item.locator("button[data-action=approve]").is_hidden()  # not reviewed yet
    item.locator("button.review-lottery").click()
    page.wait_for_selector("#review-done:not([hidden])")
    assert page.text_content("#review-done").startswith(f"Lottery order {queue['wanted']}: #")

    item.locator("input[data-criterion=track_record]").fill("8")
    item.locator("button[data-action=review]").click()
    page.wait_for_selector(f'#request-{first}[data-status="under_review"]')
    assert item.locator('[data-field="score"]').text_content() != "not scored"
    assert item.locator('[data-field="status"]').text_content() == "Under review"

    item.locator("button[data-action=matches]").click()
    page.wait_for_selector(f"#request-{first} select[name=plot][data-loaded]")
    chosen = item.locator("select[name=plot]").input_value()
    item.locator("input[name=decision_ref]").fill("WG-1405/30")
    page.screenshot(path=str(tmp_path / f"review-request-en-{backend}.png"), full_page=True)
    item.locator("button.review-approve[data-action=approve]").click()
    item.wait_for(state="detached")
    assert "WG-1405/30" in page.text_content("#review-done")
    assert page.text_content("#requests-count") == "1"
    assert page.locator("#review-alert").is_hidden()
    assert seen.outside == [] and seen.problems == []

    def allocated(session) -> tuple:
        request = session.get(AllocationRequest, first)
        allocation = session.get(Allocation, request.allocation_id)
        plot = session.get(Plot, allocation.plot_id)
        district = session.get(District, plot.district_id)
        return (request.status, request.decision_ref, f"{district.code}/{plot.code}",
                plot.status, allocation.investor_id == request.investor_id)

    status, ref, plot, plot_status, same_investor = _read(demo_settings, allocated)
    assert status is RequestStatus.APPROVED and ref == "WG-1405/30"
    assert plot == "{district}/{code}".format(**json.loads(chosen))
    assert plot_status is PlotStatus.ALLOCATED and same_investor


@pytest.mark.parametrize("who", ["inv", "cons"])
def test_investor_and_consultant_get_403(open_page, people, live_url, who) -> None:
    seen = open_page(f"{live_url}/login")
    sign_in(seen, live_url, who, next_url="/")
    response = seen.page.goto(f"{live_url}/review", wait_until="networkidle")
    assert response.status == 403


def test_anonymous_is_sent_to_sign_in_and_back(open_page, people, live_url) -> None:
    seen = open_page(f"{live_url}/review?lang=en")
    page = seen.page
    assert "/login" in page.url
    page.fill("#username", "staff")
    page.fill("#password", PASSWORD)
    with page.expect_navigation(wait_until="networkidle"):
        page.click("button[type=submit]")
    assert page.url.endswith("/review?lang=en")
    assert page.locator("#requests-empty").is_visible()
    assert page.locator("#revisions-empty").is_visible()
    assert seen.outside == [] and seen.problems == []


def test_staff_score_and_reserve_but_do_not_decide(open_page, people, queue, live_url,
                                                    demo_settings, backend, tmp_path) -> None:
    seen = open_page(f"{live_url}/login")
    page = seen.page
    sign_in(seen, live_url, "staff", next_url="/review")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("form.review-decision").count() == 0
    second = queue["requests"][1]
    item = page.locator(f"#request-{second}")
    item.locator("button[data-action=review]").click()
    page.wait_for_selector(f'#request-{second}[data-status="under_review"]')
    item.locator("button[data-action=matches]").click()
    page.wait_for_selector(f"#request-{second} select[name=plot][data-loaded]")
    chosen = json.loads(item.locator("select[name=plot]").input_value())
    item.locator("button[data-action=reserve]").click()
    page.wait_for_selector(f'#request-{second}[data-status="reserved"]')
    assert item.locator('[data-field="reserved"]').text_content() == \
        f"{chosen['district']}/{chosen['code']}"
    assert item.locator("button[data-action=review]").is_hidden()
    assert item.locator("[data-action=approve]").count() == 0
    assert page.text_content("#requests-count") == "۲"
    assert seen.outside == [] and seen.problems == []
    page.screenshot(path=str(tmp_path / f"review-staff-fa-{backend}.png"), full_page=True)

    def held(session) -> tuple:
        request = session.get(AllocationRequest, second)
        reservation = live_reservation(session, now=utcnow(), request_id=second)
        plot = session.get(Plot, reservation.plot_id)
        return request.status, f"{session.get(District, plot.district_id).code}/{plot.code}"

    assert _read(demo_settings, held) == (RequestStatus.RESERVED,
                                          f"{chosen['district']}/{chosen['code']}")

    item.locator("input[name=release_reason]").fill("سرمایه‌گذار انصراف موقت داد")
    item.locator("button[data-action=release]").click()
    page.wait_for_selector(f'#request-{second}[data-status="under_review"]')
    assert item.locator('[data-field="reserved"]').text_content() == ""
    assert item.locator("button[data-action=reserve]").is_visible()
    assert seen.outside == [] and seen.problems == []
    assert _read(demo_settings, lambda s: s.get(AllocationRequest, second).status) \
        is RequestStatus.UNDER_REVIEW
