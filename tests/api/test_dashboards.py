"""Occupancy figures equal a direct count of current plots; the dashboard shows them."""

from __future__ import annotations

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
