"""Serviceability and readiness on a hand-built network (metres, EPSG:32639)."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import networkx as nx
import pytest
import shapely

from zones.planning.readiness import network_readiness, plot_readiness
from zones.planning.serviceability import (
    NO_DATE,
    NOW,
    ServiceParams,
    build_graph,
    demand_vs_capacity,
    plot_service,
    summarise,
)

MARCH = dt.date(2027, 3, 20)
JUNE = dt.date(2027, 6, 21)


def _asset(i, network, kind, geom, status="complete", planned=None, capacity=None, unit=None):
    return {"id": i, "network": network, "kind": kind, "status": status, "geometry": geom,
            "planned_completion": planned, "completed_on": None, "capacity": capacity,
            "capacity_unit": unit, "district_code": "D9", "name_fa": f"عنصر {i}",
            "name_en": f"asset {i}"}


def line(*xy):
    return shapely.LineString(xy)


def _network() -> gpd.GeoDataFrame:
    """A substation at the origin; a feeder east with a 5 m gap at x=200; a branch north
    whose first half is planned (March) and second half already built."""
    rows = [
        _asset(1, "power", "substation_63_20kv", shapely.Point(0, 0), capacity=10, unit="MVA"),
        _asset(2, "power", "feeder_20kv", line((0, 0), (100, 0), (200, 0))),
        _asset(3, "power", "feeder_20kv", line((205, 0), (400, 0))),           # after the gap
        _asset(4, "power", "feeder_20kv", line((200, 0), (200, 200)), "planned", MARCH),
        _asset(5, "power", "feeder_20kv", line((200.4, 200.3), (200, 400))),  # snapped on
        _asset(6, "road", "local", line((0, -30), (400, -30))),
        _asset(7, "road", "local", line((230, 0), (230, 400)), "planned", JUNE),
    ]
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=32639)


def _plots() -> gpd.GeoDataFrame:
    # west: on the live feeder; east: beyond the gap; north: on the built half of the branch.
    return gpd.GeoDataFrame({"code": ["west", "east", "north"]}, geometry=[
        shapely.box(80, 5, 120, 25), shapely.box(280, 5, 320, 25),
        shapely.box(205, 300, 225, 340)], crs=32639)


PARAMS = ServiceParams(snap_m=1.0, reach_m=40.0, networks=("road", "power"),
                       essential=("road", "power"))


def test_graph_snaps_nearby_vertices_and_keeps_the_gap() -> None:
    net = build_graph("power", _network(), snap_m=1.0)
    assert len(net.sources) == 1 and net.sources[0]["nodes"]
    assert nx.number_connected_components(net.graph) == 2  # the east part is cut off


def test_a_gap_cuts_service_downstream_and_a_planned_segment_gives_its_date() -> None:
    service = plot_service(_plots(), _network(), PARAMS)
    power = dict(zip(["west", "east", "north"], service["power"], strict=True))
    assert power == {"west": NOW, "east": NO_DATE, "north": MARCH}


def test_closing_the_gap_restores_service() -> None:
    assets = _network()
    assets.loc[assets["id"] == 3, "geometry"] = line((200, 0), (400, 0))
    service = plot_service(_plots(), assets, PARAMS)
    assert service["power"].iloc[1] == NOW


def test_a_source_still_being_built_delays_everything_it_feeds() -> None:
    assets = _network()
    assets.loc[assets["id"] == 1, ["status", "planned_completion"]] = ["under_construction", JUNE]
    service = plot_service(_plots(), assets, PARAMS)
    assert list(service["power"]) == [JUNE, NO_DATE, JUNE]


def test_ready_to_hand_over_needs_every_essential_network() -> None:
    summary = summarise(plot_service(_plots(), _network(), PARAMS), PARAMS.essential)
    west, east, north = (summary.iloc[i] for i in range(3))
    assert west["ready_now"] and west["served_now"] == ["road", "power"]
    assert not east["ready_now"] and east["ready_never"] and east["not_planned"] == ["power"]
    # north: power in March, its road in June → ready in June.
    assert north["served_later"] == {"road": JUNE.isoformat(), "power": MARCH.isoformat()}
    assert north["ready_by"] == JUNE.isoformat()


def test_readiness_numbers_match_hand_counts() -> None:
    assets = _network()
    by_network = {n["network"]: n for n in network_readiness(assets)}
    power = by_network["power"]
    # Lines: 200 + 195 + 200 + ~200 m; the 200 m branch half is planned.
    total = 200 + 195 + 200 + shapely.LineString([(200.4, 200.3), (200, 400)]).length
    assert power["length_m"] == pytest.approx(total, abs=0.1)
    assert power["complete_length_m"] == pytest.approx(total - 200, abs=0.1)
    assert power["share_length"] == pytest.approx((total - 200) / total, abs=1e-4)
    assert power["share_capacity"] == 1.0
    assert [r["id"] for r in power["remaining"]] == [4]
    assert power["expected_complete"] == MARCH.isoformat()
    road = by_network["road"]
    assert road["share_length"] == pytest.approx(400 / 800)
    assert road["expected_complete"] == JUNE.isoformat()

    ready = plot_readiness(_plots(), assets, PARAMS)
    assert ready["ready_now"] == 1 and ready["never"] == 1
    assert ready["by_date"] == [{"date": JUNE.isoformat(), "date_fa": "۱۴۰۶/۰۳/۳۱",
                                 "plots_ready": 2}]


def test_demand_is_set_against_the_sources_that_reach_the_plots() -> None:
    rows = {r["network"]: r for r in demand_vs_capacity(_plots(), _network(), PARAMS,
                                                           kva_per_net_ha=350)}
    net_ha = 3 * 800 / 10_000
    assert rows["power"]["demand"] == pytest.approx(350 * net_ha, abs=0.1)
    assert rows["power"]["capacity"] == 10_000 and rows["power"]["sources"] == [1]
    assert rows["power"]["ratio"] == pytest.approx(350 * net_ha / 10_000, abs=1e-3)
    assert rows["water"]["capacity"] == 0 and rows["water"]["ratio"] is None
