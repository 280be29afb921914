"""GET /tiles/{z}/{x}/{y}: Mapbox Vector Tiles decoded back and checked against the plots.

Plot tiles from ``tile_plot_min_zoom`` (default 14) on; the district overview below it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import geopandas as gpd
import mapbox_vector_tile
import pytest
import shapely
from fastapi.testclient import TestClient

from api.main import create_app
from tests.backends import Templates, require
from tests.conftest import _load_demo
from zones import frames
from zones.db import create_engine, session_factory
from zones.model import HELD_STATUSES, Plot, PlotStatus
from zones.settings import Settings
from zones.tiles import TMS, district_counts

MVT = "application/vnd.mapbox-vector-tile"
PLOT_PROPERTIES = ["id", "district_code", "code", "land_use", "status", "area_m2"]
OVERVIEW_PROPERTIES = {"id", "code", "name_fa", "name_en", "plots", "held", "main_status",
                       *(f"plots_{s}" for s in PlotStatus)}
PLOT_MIN_ZOOM = Settings.model_fields["tile_plot_min_zoom"].default
OPEN_SEA = (12, *TMS.tile(51.0, 39.5, 12)[:2])  # open Caspian, ~250 km north-east of Anzali


def _plots(settings: Settings) -> gpd.GeoDataFrame:
    engine = create_engine(settings)
    with session_factory(engine)() as session:
        plots = frames.plot_frame(session)
    engine.dispose()
    return plots


def _district_tile(plots: gpd.GeoDataFrame, zoom: int) -> tuple[int, int, int]:
    """The tile holding the representative point of district D1's first plot."""
    point = plots[plots.district_code == "D1"].geometry.iloc[0].representative_point()
    tile = TMS.tile(point.x, point.y, zoom)
    return tile.z, tile.x, tile.y


def _expected(plots: gpd.GeoDataFrame, tile: tuple[int, int, int]) -> gpd.GeoDataFrame:
    """Current plots intersecting the tile's lon/lat bounds, computed with shapely alone."""
    z, x, y = tile
    return plots[plots.intersects(shapely.box(*TMS.bounds(x, y, z)))]


def _decode(client: TestClient, tile: tuple[int, int, int]) -> dict:
    response = client.get("/tiles/{}/{}/{}".format(*tile))
    assert response.status_code == 200
    return mapbox_vector_tile.decode(response.content)


def _plot_rows(decoded: dict) -> list[dict]:
    return sorted((f["properties"] for f in decoded["plots"]["features"]), key=lambda p: p["id"])


@pytest.fixture
def demo_client(demo_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(demo_settings)) as test_client:
        yield test_client


@pytest.fixture
def demo_plots(demo_settings: Settings) -> gpd.GeoDataFrame:
    return _plots(demo_settings)


@pytest.mark.parametrize("zoom", [PLOT_MIN_ZOOM, 15, 17])
def test_plots_layer_holds_exactly_the_plots_intersecting_the_tile(
        demo_client, demo_plots, zoom: int) -> None:
    tile = _district_tile(demo_plots, zoom)
    expected = _expected(demo_plots, tile)
    decoded = _decode(demo_client, tile)
    got = [(p["district_code"], p["code"]) for p in _plot_rows(decoded)]
    assert len(expected) > 0
    assert got == list(zip(expected.district_code, expected.code, strict=True))


def test_plot_properties_match_the_register(demo_client, demo_plots) -> None:
    tile = _district_tile(demo_plots, 15)
    expected = _expected(demo_plots, tile)[PLOT_PROPERTIES]
    rows = _plot_rows(_decode(demo_client, tile))
    assert [list(row) for row in rows] == [PLOT_PROPERTIES] * len(rows)
    for row, want in zip(rows, expected.to_dict("records"), strict=True):
        assert row == {**want, "area_m2": pytest.approx(want["area_m2"], rel=1e-9)}


def test_infrastructure_layer_carries_the_roads(demo_client, demo_plots) -> None:
    decoded = _decode(demo_client, _district_tile(demo_plots, 15))
    features = decoded["infrastructure"]["features"]
    assert {"road"} <= {f["properties"]["network"] for f in features}
    assert all(set(f["properties"]) == {"id", "network", "kind", "status"} for f in features)
    assert decoded["infrastructure"]["extent"] == 4096


def test_geometry_is_clipped_to_the_tile_buffer(demo_client, demo_plots) -> None:
    decoded = _decode(demo_client, _district_tile(demo_plots, 17))
    for layer in decoded.values():
        for feature in layer["features"]:
            bounds = shapely.geometry.shape(feature["geometry"]).bounds
            assert all(-64 <= v <= 4096 + 64 for v in bounds)


def test_tile_is_served_as_mvt_with_cache_headers(demo_client, demo_plots) -> None:
    response = demo_client.get("/tiles/{}/{}/{}".format(*_district_tile(demo_plots, 15)))
    assert response.headers["content-type"] == MVT
    assert response.headers["cache-control"] == "public, max-age=60"
    assert response.headers["etag"].startswith('"')


def test_if_none_match_with_the_etag_is_a_304(demo_client, demo_plots) -> None:
    url = "/tiles/{}/{}/{}".format(*_district_tile(demo_plots, 15))
    tag = demo_client.get(url).headers["etag"]
    again = demo_client.get(url, headers={"If-None-Match": tag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == tag
    stale = demo_client.get(url, headers={"If-None-Match": '"stale"'})
    assert stale.status_code == 200


def test_tile_over_open_sea_is_204(demo_client) -> None:
    response = demo_client.get("/tiles/{}/{}/{}".format(*OPEN_SEA))
    assert response.status_code == 204
    assert response.content == b""


@pytest.mark.parametrize("path", ["23/0/0", "-1/0/0", "0/1/0", "0/0/1", "3/8/0", "3/0/-1",
                                  "1/2/0"])
def test_tile_off_the_grid_is_a_coded_400(demo_client, path: str) -> None:
    response = demo_client.get(f"/tiles/{path}")
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "invalid_tile"


@pytest.mark.parametrize(("zoom", "layers"), [(15, ["plots", "infrastructure"]),
                                            (10, ["districts"])])
def test_both_backends_encode_the_same_features(templates: Templates, zoom: int,
                                                layers: list[str]) -> None:
    require("postgis")
    decoded = {}
    for backend in ("spatialite", "postgis"):
        settings = templates.clone(backend, "demo", _load_demo)
        tile = _district_tile(_plots(settings), zoom)
        with TestClient(create_app(settings)) as client:
            decoded[backend] = _decode(client, tile)
    spatialite, postgis = decoded["spatialite"], decoded["postgis"]
    assert list(spatialite) == list(postgis) == layers
    for layer in spatialite:
        def props(d: dict, layer: str = layer) -> list[dict]:
            return sorted((f["properties"] for f in d[layer]["features"]),
                          key=lambda p: p["id"])
        assert props(spatialite) == props(postgis)


def _client(settings: Settings, **update: int) -> TestClient:
    return TestClient(create_app(settings.model_copy(update=update)))


def _overview_rows(decoded: dict) -> dict[str, dict]:
    return {f["properties"]["code"]: f["properties"] for f in decoded["districts"]["features"]}


@pytest.mark.parametrize("zoom", [5, 10, PLOT_MIN_ZOOM - 1])
def test_low_zoom_tile_is_the_district_overview_without_plots(demo_client, demo_plots,
                                                               zoom: int) -> None:
    decoded = _decode(demo_client, _district_tile(demo_plots, zoom))
    assert list(decoded) == ["districts"]
    d1 = _overview_rows(decoded)["D1"]
    assert set(d1) == OVERVIEW_PROPERTIES  # counts only: no plot, investor or unit field
    plots = demo_plots[demo_plots.district_code == "D1"]
    by_status = plots.status.astype(str).value_counts()
    assert d1["plots"] == len(plots)
    assert {s: d1[f"plots_{s}"] for s in PlotStatus} == {s: int(by_status.get(s, 0))
                                                         for s in PlotStatus}
    assert d1["held"] == int(plots.status.astype(str).isin(HELD_STATUSES).sum())
    assert d1["main_status"] == by_status.idxmax()


def test_plots_start_at_the_configured_zoom(demo_settings, demo_plots) -> None:
    with _client(demo_settings, tile_plot_min_zoom=12) as client:
        below = _decode(client, _district_tile(demo_plots, 11))
        at = _decode(client, _district_tile(demo_plots, 12))
    assert list(below) == ["districts"]
    assert "districts" not in at
    got = [p["id"] for p in _plot_rows(at)]
    assert got == sorted(_expected(demo_plots, _district_tile(demo_plots, 12))["id"])


def test_feature_cap_keeps_the_lowest_ids(demo_settings, demo_plots) -> None:
    tile = _district_tile(demo_plots, PLOT_MIN_ZOOM)
    expected = sorted(_expected(demo_plots, tile)["id"])
    assert len(expected) > 5
    with _client(demo_settings, tile_max_features=5) as client:
        decoded = _decode(client, tile)
    assert [p["id"] for p in _plot_rows(decoded)] == expected[:5]
    assert len(decoded["infrastructure"]["features"]) <= 5


def test_overview_counts_follow_a_status_change(demo_settings, demo_plots,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("zones.tiles.COUNTS_MIN_AGE_S", 0.0)  # look for changes every time
    tile = _district_tile(demo_plots, 10)
    with _client(demo_settings) as client:
        before = _overview_rows(_decode(client, tile))["D1"]
        engine = create_engine(demo_settings)
        with session_factory(engine, write=True)() as session:
            session.info["actor"] = "system:test"
            plot = session.get(Plot, int(demo_plots[(demo_plots.district_code == "D1")
                                                    & (demo_plots.status == "idle")].id.iloc[0]))
            plot.status = PlotStatus.OPERATING
            session.commit()
        engine.dispose()
        deadline = time.monotonic() + 30  # recounted by a background thread
        while (after := _overview_rows(_decode(client, tile))["D1"]) == before:
            assert time.monotonic() < deadline, "the counts never followed the change"
            time.sleep(0.1)
    assert after["plots_idle"] == before["plots_idle"] - 1
    assert after["plots_operating"] == before["plots_operating"] + 1
    assert after["plots"] == before["plots"]


def test_district_counts_are_kept_until_the_register_changes(demo_settings) -> None:
    engine = create_engine(demo_settings)
    with session_factory(engine)() as session:
        first = district_counts(session)
        assert district_counts(session) is first  # no second aggregate query
    engine.dispose()


def test_tilejson_declares_the_zoom_range_of_each_layer(demo_settings) -> None:
    with _client(demo_settings, tile_plot_min_zoom=12) as client:
        body = client.get("/tiles/tilejson.json").json()
    assert body["tilejson"] == "3.0.0"
    assert body["tiles"] == ["/tiles/{z}/{x}/{y}"]
    ranges = {layer["id"]: (layer["minzoom"], layer["maxzoom"])
              for layer in body["vector_layers"]}
    assert ranges == {"districts": (0, 11), "plots": (12, 22), "infrastructure": (12, 22)}
    layers = {layer["id"]: layer["fields"] for layer in body["vector_layers"]}
    assert set(layers["districts"]) == OVERVIEW_PROPERTIES
    assert list(layers["plots"]) == PLOT_PROPERTIES


def test_openapi_declares_the_plot_zoom_range(demo_client) -> None:
    operation = demo_client.get("/openapi.json").json()["paths"]["/tiles/{z}/{x}/{y}"]["get"]
    assert f"Zoom {PLOT_MIN_ZOOM}..22" in operation["description"]
    assert "tilejson.json" in operation["description"]
