"""The review queue page (GET /review) by role, on both backends.

:func:`fill_queue` puts a known queue in the demo database through the services (the
browser tests use it too): district 3's plan without one vacant plot, uploaded and
submitted by the consultant; district 2's plan unchanged, uploaded and submitted by a
working-group member (who therefore may not approve it); two submitted allocation
requests from different investors naming the same vacant district-3 plot.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import geopandas as gpd
import pytest
import sqlalchemy as sa

from maps.review_page import competing_plots
from tests.api.conftest import headers_for
from zones.db import create_engine, session_factory
from zones.frames import plot_frame
from zones.model import (
    District,
    EnvGroup,
    Investor,
    LandUse,
    PlanRevision,
    PlotStatus,
    RequestPurpose,
    User,
)
from zones.services import requests as request_service
from zones.services.revisions import create_draft_revision, submit
from zones.settings import Settings
from zones.uploads.contract import LayerRole

REMOVED = "removed"


def _district_plots(session: Any, code: str) -> gpd.GeoDataFrame:
    frame = plot_frame(session, where=District.code == code)
    return frame[frame["district_code"] == code].sort_values("code")


def _plan(frame: gpd.GeoDataFrame) -> dict[LayerRole, gpd.GeoDataFrame]:
    return {LayerRole.PLOTS: gpd.GeoDataFrame(
        {"code": list(frame["code"]), "land_use": [getattr(u, "value", u)
                                                  for u in frame["land_use"]]},
        geometry=list(frame.geometry), crs=4326)}


def _submitted(session: Any, district: str, frame: gpd.GeoDataFrame, user: User) -> int:
    revision = create_draft_revision(session=session, district_code=district,
                                     layers=_plan(frame), title=f"plan of {district}",
                                     user=user)
    assert revision.error_count == 0, revision.report
    return submit(session, revision, user=user).id


def _ask(plot_area: float, plot: tuple[str, str]) -> request_service.RequestInput:
    return request_service.RequestInput(
        purpose=RequestPurpose.NEW_UNIT, isic4="2220", env_group=EnvGroup.B,
        area_min_m2=round(plot_area * 0.8), area_max_m2=round(plot_area * 1.2),
        power_kva=100.0, licence_no="ج-۷۷", licence_expiry=dt.date.today() +
        dt.timedelta(days=365), investment_rial=50_000_000_000, jobs=25, export_share=0.4,
        preferred_plots=[plot])


def fill_queue(settings: Settings, *, investor_ref: str) -> dict[str, Any]:
    """Two submitted revisions and two competing submitted requests (oldest: ``investor_ref``'s).

    Users ``cons`` and ``wg`` must exist. Closes its session before returning, so a live
    server can start on the database.
    """
    engine = create_engine(settings)
    with session_factory(engine, write=True)() as session:
        users = {u.username: u for u in session.scalars(
            sa.select(User).where(User.username.in_(["cons", "wg"])))}
        d3 = _district_plots(session, "D3")
        vacant = d3[(d3["status"].map(lambda s: getattr(s, "value", s)) == PlotStatus.SERVICED)
                    & (d3["land_use"].map(lambda u: getattr(u, "value", u))
                       == LandUse.INDUSTRIAL)]
        planned = d3[d3["status"].map(lambda s: getattr(s, "value", s)) == PlotStatus.PLANNED]
        removed = str(planned["code"].iloc[-1])
        kept = d3[d3["code"] != removed]
        plan_d3 = _submitted(session, "D3", kept, users["cons"])
        own_d2 = _submitted(session, "D2", _district_plots(session, "D2"), users["wg"])
        wanted = vacant.iloc[0]
        other = session.scalar(sa.select(Investor).where(Investor.ref != investor_ref)
                               .order_by(Investor.ref))
        mine = session.scalar(sa.select(Investor).where(Investor.ref == investor_ref))
        ids = []
        for n, investor in enumerate([mine, other]):
            request, _ = request_service.submit(
                session=session, investor=investor,
                data=_ask(float(wanted["area_m2"]), ("D3", str(wanted["code"]))),
                idempotency_key=f"review-{n}", actor="test", open_max=10)
            session.commit()
            ids.append(request.id)
        out = {"plan_d3": plan_d3, "own_d2": own_d2, "removed": removed,
               "kept": sorted(kept["code"]), "wanted": f"D3/{wanted['code']}",
               "requests": ids, "investors": [mine.ref, other.ref]}
    engine.dispose()
    return out


@pytest.fixture
def queue(world: dict, demo_settings: Settings) -> dict[str, Any]:
    return fill_queue(demo_settings, investor_ref=world["own"])


def _items(html: str, kind: str) -> list[int]:
    return [int(n) for n in re.findall(rf'<tbody class="review-item" id="{kind}-(\d+)"', html)]


@pytest.mark.parametrize("who", ["inv", "cons"])
def test_investor_and_consultant_are_refused(world, who) -> None:
    client = world["client"]
    response = client.get("/review", headers=headers_for(client, who))
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_anonymous_browser_is_sent_to_sign_in(world) -> None:
    response = world["client"].get("/review?lang=en", headers={"Accept": "text/html"},
                                   follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?")
    assert "next=%2Freview" in response.headers["location"]
    assert world["client"].get("/review").status_code == 401


def test_empty_queue_says_so(world) -> None:
    client = world["client"]
    html = client.get("/review?lang=en", headers=headers_for(client, "wg")).text
    assert 'id="revisions-count" class="review-count">0<' in html
    assert "No plan revision is waiting for a decision." in html
    assert "No allocation request is waiting for review or a decision." in html
    assert 'id="revisions-table"' not in html and 'id="requests-table"' not in html


def test_working_group_sees_the_queue_oldest_first_with_decision_forms(world, queue) -> None:
    client = world["client"]
    html = client.get("/review?lang=en", headers=headers_for(client, "wg")).text
    assert '<html lang="en" dir="ltr">' in html
    assert _items(html, "revision") == [queue["plan_d3"], queue["own_d2"]]
    assert _items(html, "request") == queue["requests"]
    assert 'id="revisions-count" class="review-count">2<' in html
    assert 'id="requests-count" class="review-count">2<' in html
    assert html.count('class="review-forms review-decision"') == 2
    assert f'href="/plans/{queue["plan_d3"]}?lang=en"' in html
    assert 'data-diff="removed" data-count="1"' in html  # district 3 lost one plot
    assert html.count(f'data-competing="{queue["wanted"]}"') == 2  # both flagged
    assert 'data-action="approve" data-when="approve" hidden' in html  # not yet reviewed
    assert 'data-criterion="track_record"' in html
    assert html.count('class="review-secondary review-lottery"') == 2


def test_staff_see_the_queue_but_may_not_decide(world, queue) -> None:
    client = world["client"]
    html = client.get("/review", headers=headers_for(client, "staff")).text
    assert '<html lang="fa" dir="rtl">' in html
    assert _items(html, "revision") == [queue["plan_d3"], queue["own_d2"]]
    assert "review-decision" not in html  # only the working group decides on revisions
    assert 'data-action="approve"' not in html and 'data-action="reject"' not in html
    assert 'data-action="review"' in html and 'data-action="reserve"' in html
    assert "review-lottery" not in html  # draws are the working group's
    assert "کارتابل بررسی کارگروه" in html and "۲" in html


def test_decided_and_expired_items_leave_the_queue(world, queue) -> None:
    client = world["client"]
    wg = headers_for(client, "wg")
    decided = client.post(f"/revisions/{queue['plan_d3']}/reject", headers=wg,
                          json={"decision_ref": "WG-9"})
    assert decided.status_code == 200, decided.text
    first = queue["requests"][0]
    assert client.post(f"/requests/{first}/reject", headers=wg,
                       json={"decision_ref": "WG-10"}).status_code == 200
    html = client.get("/review", headers=wg).text
    assert _items(html, "revision") == [queue["own_d2"]]
    assert _items(html, "request") == queue["requests"][1:]
    assert 'data-competing=' not in html  # its rival has left: no competition any more


def test_user_text_is_escaped(world, queue, demo_settings) -> None:
    engine = create_engine(demo_settings)
    with session_factory(engine, write=True)() as session:
        session.get(PlanRevision, queue["plan_d3"]).title = '<img src=x onerror="alert(1)">'
        session.commit()
    engine.dispose()
    client = world["client"]
    html = client.get("/review", headers=headers_for(client, "wg")).text
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html


def test_competition_counts_preferred_and_reserved_plots() -> None:
    rows = [{"id": 1, "preferred_plots": [["D3", "1"], ["D3", "2"]], "reserved": None},
            {"id": 2, "preferred_plots": [], "reserved": {"district": "D3", "code": "2"}},
            {"id": 3, "preferred_plots": [["D3", "2"], ["D1", "9"]], "reserved": None},
            {"id": 4, "preferred_plots": [["D1", "8"]], "reserved": None}]
    assert competing_plots(rows) == {1: [{"plot": "D3/2", "with": [2, 3]}],
                                     2: [{"plot": "D3/2", "with": [1, 3]}],
                                     3: [{"plot": "D3/2", "with": [1, 2]}]}
