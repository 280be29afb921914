"""Occupancy figures equal a direct count of current plots; the dashboard shows them."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from zones.model import District, Plot, PlotStatus
from zones.services.statistics import OCCUPANCY_CLASS


def test_occupancy_equals_a_direct_query(world, demo_session) -> None:
    client = world["client"]
    served = {d["district_code"]: d for d in client.get("/stats/occupancy").json()}
    rows = demo_session.execute(
        sa.select(District.code, Plot.status, Plot.area_m2)
        .join(Plot, Plot.district_id == District.id).where(Plot.valid_to.is_(None))).all()
    expected: dict[str, dict[str, float]] = {}
    for code, status, area in rows:
        kind = OCCUPANCY_CLASS[PlotStatus(status)]
        expected.setdefault(code, {}).setdefault(kind, 0.0)
        expected[code][kind] += area
    assert set(served) >= set(expected)
    for code, areas in expected.items():
        for kind, area in areas.items():
            assert abs(served[code]["area_m2"][kind] - area) < 1e-6, (code, kind)
        assert served[code]["occupied_share"] == pytest.approx(
            (areas.get("allocated", 0) + areas.get("idle", 0)) / sum(areas.values()))


def test_occupancy_follows_a_status_change(world) -> None:
    from tests.api.conftest import headers_for

    client = world["client"]
    before = {d["district_code"]: d for d in client.get("/stats/occupancy").json()}["D3"]
    plot = client.get("/plots", params={"district": "D3", "status": "planned", "limit": 1}
                      ).json()["features"][0]["properties"]
    response = client.patch(f"/plots/D3/{plot['code']}", headers=headers_for(client, "staff"),
                            json={"status": "reserved", "reason": "test reservation"})
    assert response.status_code == 200
    after = {d["district_code"]: d for d in client.get("/stats/occupancy").json()}["D3"]
    assert after["plots"]["reserved"] == before["plots"]["reserved"] + 1
    assert abs(after["area_m2"]["vacant"] - (before["area_m2"]["vacant"] - plot["area_m2"])) \
        < 1e-6


def test_dashboard_page_is_persian_rtl_with_local_chart_assets(world) -> None:
    client = world["client"]
    page = client.get("/dashboard")
    assert page.status_code == 200
    assert '<html lang="fa" dir="rtl">' in page.text and "داشبورد" in page.text
    scripts = re.findall(r'<script src="([^"]+)"', page.text)
    assert scripts and all(s.startswith("/static/") for s in scripts)
    for src in scripts:
        assert client.get(src).status_code == 200, src
    assert re.search(r"[۰-۹]", page.text)  # Persian digits in the figures
    english = client.get("/dashboard?lang=en")
    assert '<html lang="en" dir="ltr">' in english.text and "Land occupancy" in english.text


# --- dashboard charts: dormancy, obstacles, readiness, pipeline --------------------------

def _seeded(world, demo_session):
    from tests.units.test_dashboards import seed_dashboard

    made = seed_dashboard(demo_session)
    demo_session.close()  # end the read before the app answers (SQLite: one writer)
    return world["client"], made


def test_dormancy_json_equals_direct_sql(world, demo_session) -> None:
    from tests.units.test_dashboards import direct_dormant_on

    client, _ = _seeded(world, demo_session)
    served = client.get("/stats/dormancy").json()
    days = [dt.date.fromisoformat(p["date"]) for p in served["over_time"]]
    assert len(days) == 24 and days == sorted(days)
    assert [p["dormant"] for p in served["over_time"]] == list(
        direct_dormant_on(demo_session, days).values())
    assert served["dormant_now"] == demo_session.execute(sa.text(
        "SELECT count(*) FROM production_unit WHERE status = 'dormant'")).scalar()
    assert len(client.get("/stats/dormancy", params={"months": 6}).json()["over_time"]) == 6
    assert client.get("/stats/dormancy", params={"months": 0}).status_code == 422


@pytest.mark.parametrize(("username", "status"), [(None, 401), ("inv", 403), ("cons", 403),
                                                  ("staff", 200), ("wg", 200), ("admin", 200)])
def test_obstacles_are_for_staff_only(world, demo_session, username, status) -> None:
    from tests.api.conftest import headers_for
    from tests.units.test_dashboards import direct_obstacles

    client, _ = _seeded(world, demo_session)
    response = client.get("/stats/dormancy/obstacles", headers=headers_for(client, username))
    assert response.status_code == status, response.text
    if status != 200:
        assert response.json()["code"] and "bank" not in response.text
        return
    served = response.json()
    counts, without = direct_obstacles(demo_session)
    assert {o["kind"]: o["units"] for o in served["by_obstacle"] if o["units"]} == counts
    assert served["without_plan"] == without


def test_readiness_json_equals_direct_sql(world, demo_session) -> None:
    from tests.units.test_dashboards import direct_readiness

    client = world["client"]
    served = client.get("/stats/readiness/D3").json()
    direct = direct_readiness(demo_session, "D3")
    assert served["district_code"] == "D3"
    assert {n["network"] for n in served["networks"]} == {n for n, _ in direct}
    for n in served["networks"]:
        for status, count in n["assets_by_status"].items():
            assert count == direct.get((n["network"], status), (0, 0.0))[0]
    missing = client.get("/stats/readiness/D9")
    assert missing.status_code == 404 and missing.json()["code"] == "district_not_found"


def test_pipeline_json_equals_direct_sql(world, demo_session) -> None:
    from tests.units.test_dashboards import direct_pipeline

    client, _ = _seeded(world, demo_session)
    served = client.get("/stats/pipeline").json()
    counts, median_days = direct_pipeline(demo_session, dt.datetime.fromisoformat(
        served["as_of"]))
    assert served["by_status"] == {s: counts.get(s, 0) for s in served["by_status"]}
    assert list(served["by_status"]) == ["submitted", "under_review", "reserved", "approved",
                                         "rejected", "withdrawn", "expired"]
    assert served["total"] == sum(counts.values()) == 9
    assert served["median_days_to_decision"] == pytest.approx(median_days, abs=0.01)


@pytest.mark.parametrize(("username", "obstacles"), [(None, False), ("inv", False),
                                                     ("cons", False), ("wg", True)])
def test_dashboard_shows_obstacles_only_to_staff(world, demo_session, username,
                                                 obstacles) -> None:
    from tests.api.conftest import headers_for

    client, _ = _seeded(world, demo_session)
    page = client.get("/dashboard?lang=en", headers=headers_for(client, username))
    assert page.status_code == 200
    canvases = re.findall(r'<canvas id="([a-z]+)-chart"', page.text)
    expected = ["occupancy", "dormancy", *(["obstacles"] if obstacles else []),
                "readiness", "pipeline"]
    assert canvases == expected
    assert ("Bank and finance" in page.text) is obstacles
    assert "Under review" in page.text and "Dormant units" in page.text


def test_empty_zone_dashboard_and_figures(settings) -> None:
    from fastapi.testclient import TestClient

    from api.main import create_app

    with TestClient(create_app(settings)) as client:
        page = client.get("/dashboard?lang=en")
        assert page.status_code == 200
        assert re.findall(r'<canvas id="([a-z]+)-chart"', page.text) == [
            "occupancy", "dormancy", "pipeline"]  # no district 3: no readiness section
        pipeline = client.get("/stats/pipeline").json()
        assert pipeline["total"] == 0 and pipeline["median_days_to_decision"] is None
        assert {p["dormant"] for p in client.get("/stats/dormancy").json()["over_time"]} == {0}
