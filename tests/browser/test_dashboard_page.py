"""The dashboard in headless Chromium: every chart drawn (mirrored on Persian pages), the
tables show the numbers the JSON endpoints serve, and nothing is fetched from outside."""

from __future__ import annotations

import pytest

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٫", "0123456789.", "٬,٪% ")


def number(text: str) -> float:
    """A figure as the page shows it (Persian or Latin digits, separators) as a float."""
    return float(text.strip().translate(DIGITS))


@pytest.fixture
def seeded(demo_settings, people) -> dict[str, object]:
    """Revival plans, a dormant-again unit and requests of every status, committed and the
    connection closed before the live server starts (SQLite allows one writer)."""
    from tests.units.test_dashboards import seed_dashboard
    from zones.db import create_engine, session_factory

    engine = create_engine(demo_settings)
    with session_factory(engine, write=True)() as session:
        made = seed_dashboard(session)
    engine.dispose()
    return made


def _table(page, section: str) -> list[list[str]]:
    """Rows of a section's table: the row header, then the cells, as shown."""
    return page.eval_on_selector_all(
        f"#{section}-table tbody tr",
        "rows => rows.map(r => Array.from(r.children).map(c => c.textContent.trim()))")


def _check_charts(seen, expected: list[str]) -> None:
    page = seen.page
    page.wait_for_function("document.body.dataset.chartsDrawn !== undefined")
    assert page.get_attribute("body", "data-charts-drawn") == str(len(expected))
    ids = page.eval_on_selector_all("canvas", "cs => cs.map(c => c.id)")
    assert ids == [f"{name}-chart" for name in expected]
    for chart_id in ids:
        box = page.locator(f"#{chart_id}").bounding_box()
        assert box and box["width"] > 100 and box["height"] > 100, chart_id
        inked = page.evaluate("""id => {
            const c = document.getElementById(id);
            const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
            let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i]) { n++; } }
            return n; }""", chart_id)
        assert inked > 500, chart_id  # axes, labels and bars or a line, not a blank canvas


def _check_tables_match_json(page, base_url: str) -> None:
    get = page.request.get
    pipeline = get(f"{base_url}/stats/pipeline").json()
    rows = _table(page, "pipeline")
    assert [number(r[1]) for r in rows] == [*pipeline["by_status"].values(), pipeline["total"]]
    dormancy = get(f"{base_url}/stats/dormancy").json()
    assert [number(r[1]) for r in _table(page, "dormancy")] == [
        p["dormant"] for p in dormancy["over_time"]]
    readiness = get(f"{base_url}/stats/readiness/D3").json()
    rows = _table(page, "readiness")
    assert len(rows) == len(readiness["networks"])
    for row, network in zip(rows, readiness["networks"], strict=True):
        statuses = ["planned", "under_construction", "complete"]
        km = [number(c) for c in row[1:4]]
        assert km == pytest.approx([network["length_by_status"][s] / 1000 for s in statuses],
                                   abs=0.006)
        assert [number(c) for c in row[5:8]] == [network["assets_by_status"][s]
                                                 for s in statuses]


def _mirrored(page, chart_id: str) -> tuple[bool, str]:
    return tuple(page.evaluate("""id => { const c = Chart.getChart(id);
        return [c.options.scales.x.reverse, c.options.scales.y.position]; }""", chart_id))


def test_public_dashboard_in_persian_draws_every_public_chart(
        open_page, people, seeded, live_url, backend, tmp_path) -> None:
    seen = open_page(f"{live_url}/dashboard")
    page = seen.page
    assert page.locator("html").get_attribute("dir") == "rtl"
    _check_charts(seen, ["occupancy", "dormancy", "readiness", "pipeline"])
    _check_tables_match_json(page, live_url)
    for chart_id in ("occupancy-chart", "dormancy-chart", "readiness-chart", "pipeline-chart"):
        assert _mirrored(page, chart_id) == (True, "right"), chart_id
    # The section heading starts at the right edge of the page, as Persian text does.
    heading = page.locator("#pipeline-title").bounding_box()
    table = page.locator("#pipeline-table").bounding_box()
    assert abs((heading["x"] + heading["width"]) - (table["x"] + table["width"])) < 2
    assert seen.outside == [] and seen.problems == []
    page.screenshot(path=str(tmp_path / f"dashboard-fa-{backend}.png"), full_page=True)


def test_staff_dashboard_in_english_adds_obstacles(open_page, people, seeded, live_url,
                                                   backend, tmp_path) -> None:
    seen = open_page(f"{live_url}/login?lang=en")
    sign_in(seen, live_url, "staff", next_url="/dashboard?lang=en", lang="en")
    page = seen.page
    assert "/dashboard" in page.url
    assert page.locator("html").get_attribute("dir") == "ltr"
    _check_charts(seen, ["occupancy", "dormancy", "obstacles", "readiness", "pipeline"])
    _check_tables_match_json(page, live_url)
    obstacles = page.request.get(f"{live_url}/stats/dormancy/obstacles").json()
    rows = _table(page, "obstacles")
    assert [number(r[1]) for r in rows] == [
        *[o["units"] for o in obstacles["by_obstacle"]], obstacles["without_plan"]]
    assert rows[0][0] == "Bank and finance" and number(rows[0][1]) == 2
    assert _mirrored(page, "obstacles-chart") == (False, "left")
    assert seen.outside == [] and seen.problems == []
    page.screenshot(path=str(tmp_path / f"dashboard-en-staff-{backend}.png"), full_page=True)
