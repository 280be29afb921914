"""An investor files an allocation request in headless Chromium, on both backends.

The investor signs in, picks two vacant plots by clicking them on the form's map (real
mouse clicks on the drawn paths), describes the needs with Persian digits, submits, and
lands on "my units and requests" where the request is listed; the database holds it with
those two plots as preferences. A value the API refuses shows the problem in the page
(role=alert), keeps what was typed and stores nothing.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.browser.conftest import sign_in
from zones.db import create_engine, session_factory
from zones.model import AllocationRequest, Investor

pytestmark = pytest.mark.browser

MAP = "window.zonesRequestMap"
DRAWN = "document.getElementById('request-map').dataset.plotsDrawn !== undefined"


def _stored(settings, investor_ref: str) -> list[AllocationRequest]:
    """The investor's requests, read after the page has finished (no session held open)."""
    engine = create_engine(settings)
    try:
        with session_factory(engine)() as session:
            rows = session.scalars(sa.select(AllocationRequest).join(
                Investor, AllocationRequest.investor_id == Investor.id)
                .where(Investor.ref == investor_ref).order_by(AllocationRequest.id)).all()
            session.expunge_all()
            return list(rows)
    finally:
        engine.dispose()


def _open_form(open_page, base: str, lang: str):
    seen = open_page(f"{base}/login?lang={lang}")
    sign_in(seen, base, "inv", next_url=f"/my/requests/new?lang={lang}", lang=lang)
    page = seen.page
    assert page.url.endswith(f"/my/requests/new?lang={lang}")
    page.wait_for_function(DRAWN)
    return seen


def _click_plot(page, key: str) -> None:
    """Zoom to the plot's district with its button, bring the plot to the middle and click
    its centre with the mouse, as a person would."""
    page.click(f'#zoom-bar button[data-district="{key.split("/")[0]}"]')
    x, y = page.evaluate(f"""(key) => {{
        const map = {MAP};
        let plot = null;
        map.eachLayer((l) => {{
            const p = l.feature && l.feature.properties;
            if (p && `${{p.district_code}}/${{p.code}}` === key) {{ plot = l; }}
        }});
        map.panTo(plot.getCenter(), {{animate: false}});
        const p = map.latLngToContainerPoint(plot.getCenter());
        const r = map.getContainer().getBoundingClientRect();
        return [r.left + p.x, r.top + p.y];
    }}""", key)
    page.mouse.click(x, y)


def test_investor_picks_two_plots_and_submits(open_page, people, live_url, demo_settings,
                                              backend, tmp_path) -> None:
    seen = _open_form(open_page, live_url, "fa")
    page = seen.page
    assert page.locator("html").get_attribute("dir") == "rtl"
    drawn = int(page.locator("#request-map").get_attribute("data-plots-drawn"))
    assert drawn > 10
    keys = page.eval_on_selector_all("#request-map path[data-plot]",
                                     "(paths) => paths.map((p) => p.dataset.plot)")
    assert len(keys) == drawn
    chosen = [keys[0], keys[-1]]
    for key in chosen:
        _click_plot(page, key)
        assert page.locator(f'path[data-plot="{key}"]').get_attribute("data-chosen") == "true"
    assert page.locator("#preferred-plots li").count() == 2
    assert page.locator("#no-plot-chosen").is_hidden()
    # A third click on the first plot takes it out, a fourth puts it back.
    _click_plot(page, chosen[0])
    assert page.locator("#preferred-plots li").count() == 1
    _click_plot(page, chosen[0])
    assert [page.locator("#preferred-plots li").nth(i).get_attribute("data-plot")
            for i in range(2)] == [chosen[1], chosen[0]]

    page.fill("#isic4", "۱۰۷۹")
    page.select_option("#env-group", "B")
    page.fill("#area-min", "۲۰۰۰")
    page.fill("#area-max", "۱۲٬۵۰۰")
    page.fill("#power-kva", "۶۳۰")
    page.fill("#water-m3-day", "۱۲/۵")
    page.check("#needs-gas")
    page.check('#preferred-districts input[value="D3"]')
    page.fill("#licence-no", "ج-۴۵۶")
    page.fill("#investment-rial", "٣٥٠٠٠٠٠٠٠٠٠")  # Arabic-Indic digits too
    page.fill("#jobs", "۴۵")
    page.fill("#export-share", "۳۰")
    page.screenshot(path=str(tmp_path / f"request-form-fa-{backend}.png"), full_page=True)
    with page.expect_navigation(wait_until="networkidle"):
        page.dblclick("#request-submit")  # one request, however impatient the click

    assert page.url.endswith("/my?lang=fa")
    assert page.locator("html").get_attribute("dir") == "rtl"
    rows = page.locator("#my-requests tr[data-request]")
    assert rows.count() == 1
    assert rows.first.locator(".inv-status").get_attribute("data-status") == "submitted"
    assert "ثبت‌شده" in rows.first.inner_text()
    page.screenshot(path=str(tmp_path / f"my-page-fa-{backend}.png"), full_page=True)
    assert seen.outside == [] and seen.problems == []

    (stored,) = _stored(demo_settings, people["investor_ref"])
    assert [f"{d}/{c}" for d, c in stored.preferred_plots] == [chosen[1], chosen[0]]
    assert (stored.isic4, stored.env_group.value) == ("1079", "B")
    assert (stored.area_min_m2, stored.area_max_m2) == (2000, 12500)
    assert (stored.power_kva, stored.water_m3_day, stored.needs_gas) == (630, 12.5, True)
    assert stored.preferred_districts == ["D3"]
    assert (stored.investment_rial, stored.jobs) == (35_000_000_000, 45)
    assert stored.export_share == pytest.approx(0.3)
    assert stored.licence_no == "ج-456"


def test_refused_request_shows_the_problem_and_keeps_the_form(open_page, people, live_url,
                                                              demo_settings, backend,
                                                              tmp_path) -> None:
    seen = _open_form(open_page, live_url, "en")
    page = seen.page
    assert page.locator("html").get_attribute("dir") == "ltr"
    page.fill("#isic4", "2511")
    page.fill("#area-min", "9000")
    page.fill("#area-max", "1000")  # below the minimum: the API refuses it
    page.fill("#note", "second line of the plant")
    page.click("#request-submit")
    alert = page.locator("#request-alert[role=alert]")
    alert.wait_for(state="visible")
    assert "area_max_m2 is below area_min_m2" in alert.inner_text()
    assert alert.locator("code").inner_text() == "invalid_input"
    assert page.url.endswith("/my/requests/new?lang=en")
    assert page.input_value("#area-min") == "9000" and page.input_value("#area-max") == "1000"
    assert page.input_value("#note") == "second line of the plant"
    assert page.locator("#request-submit").is_enabled()
    page.screenshot(path=str(tmp_path / f"request-form-refused-en-{backend}.png"),
                    full_page=True)
    assert seen.outside == []
    # The refusal's 400 is the only console error Chromium reports.
    assert [p for p in seen.problems if "status of 400" not in p] == []
    assert seen.problems  # ... and it did report it: the page was really refused
    assert _stored(demo_settings, people["investor_ref"]) == []
    # Corrected, the same form goes through and the request is listed.
    page.fill("#area-max", "12000")
    with page.expect_navigation(wait_until="networkidle"):
        page.click("#request-submit")
    assert page.url.endswith("/my?lang=en")
    assert page.locator("#my-requests tr[data-request] .inv-status").inner_text() == "Submitted"
    (stored,) = _stored(demo_settings, people["investor_ref"])
    assert (stored.area_min_m2, stored.area_max_m2, stored.note) == (
        9000, 12000, "second line of the plant")
    assert [p for p in seen.problems if "status of 400" not in p] == []
