"""OGC API – Features Part 1 (Core, GeoJSON) under /ogc, on the demo zone, both backends."""

from __future__ import annotations

from collections.abc import Iterator

import geopandas as gpd
import pytest
import shapely
from fastapi.testclient import TestClient

from api.main import create_app
from zones import frames
from zones.settings import Settings

CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
GEOJSON_CLASS = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson"
OAS30 = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30"
COLLECTIONS = {"districts", "plots", "infrastructure", "customs_sites", "protected_areas",
               "units"}
ITEMS = "/ogc/collections/plots/items"


@pytest.fixture
def ogc(demo_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(demo_settings)) as client:
        yield client


@pytest.fixture
def plots(demo_session) -> gpd.GeoDataFrame:
    found = frames.plot_frame(demo_session)
    # End the read: on SpatiaLite the session's open write transaction would hold the
    # database lock, and a service started by the test would wait behind it.
    demo_session.rollback()
    return found


def _href(body: dict, rel: str) -> str | None:
    return next((link["href"] for link in body["links"] if link["rel"] == rel), None)


def _codes(body: dict) -> list[tuple[str, str]]:
    return [(f["properties"]["district_code"], f["properties"]["code"])
            for f in body["features"]]


def _expected(plots: gpd.GeoDataFrame) -> list[tuple[str, str]]:
    return list(zip(plots.district_code, plots.code, strict=True))


def _problem(response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code


def test_landing_page_links_resolve(ogc) -> None:
    response = ogc.get("/ogc")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    rels = {link["rel"] for link in body["links"]}
    assert {"self", "service-desc", "conformance", "data"} <= rels
    assert _href(body, "service-desc").endswith("/openapi.json")
    for link in body["links"]:
        assert ogc.get(link["href"]).status_code == 200, link


def test_conformance_claims_core_and_geojson_only(ogc) -> None:
    classes = ogc.get("/ogc/conformance", params={"f": "json"}).json()["conformsTo"]
    assert {CORE, GEOJSON_CLASS} <= set(classes)
    assert OAS30 not in classes  # FastAPI serves OpenAPI 3.1


def test_collections_list_every_collection_with_extent_and_items(ogc) -> None:
    body = ogc.get("/ogc/collections").json()
    assert _href(body, "self").endswith("/ogc/collections")
    assert {c["id"] for c in body["collections"]} == COLLECTIONS
    for collection in body["collections"]:
        minx, miny, maxx, maxy = collection["extent"]["spatial"]["bbox"][0]
        assert 49 < minx < maxx < 50 and 37 < miny < maxy < 38, collection["id"]
        items = ogc.get(_href(collection, "items"))
        assert items.status_code == 200
        assert items.json()["numberMatched"] > 0, collection["id"]


def test_plot_extent_is_the_bounds_of_current_plots(ogc, plots) -> None:
    body = ogc.get("/ogc/collections/plots").json()
    assert body["id"] == "plots" and body["itemType"] == "feature"
    assert body["extent"]["spatial"]["bbox"][0] == pytest.approx(list(plots.total_bounds))
    assert _href(body, "items").endswith(ITEMS)


def test_paging_by_next_links_returns_every_plot_once(ogc, plots) -> None:
    seen: list[tuple[str, str]] = []
    url: str | None = f"{ITEMS}?limit=37"
    pages = 0
    while url:
        response = ogc.get(url)
        assert response.headers["content-type"] == "application/geo+json"
        body = response.json()
        assert body["numberReturned"] == len(body["features"]) <= 37
        assert body["numberMatched"] == len(plots)
        assert body["timeStamp"].endswith("Z")
        assert (_href(body, "prev") is None) == (pages == 0)
        seen += _codes(body)
        url = _href(body, "next")
        pages += 1
    assert pages == -(-len(plots) // 37)
    assert seen == _expected(plots)


def test_limit_above_the_maximum_is_capped_not_refused(ogc, demo_settings, plots) -> None:
    body = ogc.get(ITEMS, params={"limit": 10**6}).json()
    assert body["numberReturned"] == min(len(plots), demo_settings.page_size_max)


def test_default_page_is_a_hundred(ogc, plots) -> None:
    assert ogc.get(ITEMS).json()["numberReturned"] == min(100, len(plots))


def test_bbox_selects_exactly_the_plots_intersecting_it(ogc, plots) -> None:
    centre = plots.geometry.iloc[len(plots) // 2].centroid  # ~150 m around a mid plot
    bbox = (centre.x - 0.0017, centre.y - 0.0013, centre.x + 0.0017, centre.y + 0.0013)
    expected = plots[plots.intersects(shapely.box(*bbox))]
    body = ogc.get(ITEMS, params={"bbox": ",".join(map(str, bbox)), "limit": 1000}).json()
    assert 0 < len(expected) < len(plots)
    assert _codes(body) == _expected(expected)
    assert body["numberMatched"] == len(expected)


@pytest.mark.parametrize("name", ["district_code", "status", "land_use"])
def test_plots_filter_by_property_equality(ogc, plots, name: str) -> None:
    value = plots[name].value_counts().index[0]
    body = ogc.get(ITEMS, params={name: value, "limit": 1000}).json()
    assert _codes(body) == _expected(plots[plots[name] == value])


def test_one_plot_by_id(ogc, plots) -> None:
    row = plots.iloc[5]
    response = ogc.get(f"{ITEMS}/{row.id}")
    assert response.headers["content-type"] == "application/geo+json"
    body = response.json()
    assert body["type"] == "Feature" and body["id"] == row.id
    assert body["properties"]["code"] == row.code
    assert shapely.geometry.shape(body["geometry"]).equals_exact(row.geometry, 1e-9)
    assert _href(body, "self").endswith(f"{ITEMS}/{row.id}")
    assert _href(body, "collection").endswith("/ogc/collections/plots")


@pytest.mark.parametrize("collection", sorted(COLLECTIONS - {"plots"}))
def test_every_collection_serves_all_its_features(ogc, demo_session, collection) -> None:
    frame = {"districts": frames.district_frame, "infrastructure": frames.infrastructure_frame,
             "customs_sites": frames.customs_frame,
             "protected_areas": frames.protected_frame,
             "units": lambda s: frames.frame(s, frames.unit_site_select())}[collection](
                 demo_session)
    body = ogc.get(f"/ogc/collections/{collection}/items", params={"limit": 1000}).json()
    assert [f["id"] for f in body["features"]] == list(frame.id)
    first = ogc.get(f"/ogc/collections/{collection}/items/{frame.id.iloc[0]}").json()
    assert shapely.geometry.shape(first["geometry"]).equals_exact(frame.geometry.iloc[0], 1e-9)


@pytest.mark.parametrize("path", ["/ogc/collections/parcels",
                                  "/ogc/collections/parcels/items",
                                  "/ogc/collections/parcels/items/1"])
def test_unknown_collection_is_a_coded_404(ogc, path: str) -> None:
    _problem(ogc.get(path), 404, "collection_not_found")


@pytest.mark.parametrize("feature_id", ["999999", "abc", "۱", "99999999999999999999"])
def test_unknown_feature_is_a_coded_404(ogc, feature_id: str) -> None:
    _problem(ogc.get(f"{ITEMS}/{feature_id}"), 404, "feature_not_found")


@pytest.mark.parametrize("bbox", ["1,2,3", "a,b,c,d", "50,37,49,38"])
def test_bad_bbox_is_a_coded_400(ogc, bbox: str) -> None:
    _problem(ogc.get(ITEMS, params={"bbox": bbox}), 400, "invalid_bbox")


@pytest.mark.parametrize(("path", "params"), [
    (ITEMS, {"stauts": "vacant"}),                      # unknown parameter
    (ITEMS, {"status": "sold"}),                        # not a status
    ("/ogc/collections/districts/items", {"status": "operating"}),  # plots only
    ("/ogc", {"page": "2"}),
])
def test_unusable_parameters_are_a_coded_400(ogc, path: str, params: dict) -> None:
    _problem(ogc.get(path, params=params), 400, "invalid_parameter")


def test_a_real_ogc_client_reads_every_plot(demo_settings, plots) -> None:
    """GDAL's OAPIF driver (through pyogrio) pages through the plots collection."""
    pyogrio = pytest.importorskip("pyogrio")
    from tests.live import serve

    assert "OAPIF" in pyogrio.list_drivers()
    with serve(demo_settings) as base:
        layers = {name for name, _ in pyogrio.list_layers(f"OAPIF:{base}/ogc")}
        read = pyogrio.read_dataframe(f"OAPIF:{base}/ogc", layer="plots")
    assert layers == COLLECTIONS
    read = read.sort_values("id").reset_index(drop=True)
    assert list(zip(read.district_code, read.code, strict=True)) == _expected(plots)
    assert read.geometry.geom_equals_exact(plots.geometry.reset_index(drop=True),
                                           1e-9).all()


def test_owslib_reads_the_service(demo_settings, plots) -> None:
    """OWSLib's OGC API – Features client: landing, conformance, collections, paged items."""
    from owslib.ogcapi.features import Features

    from tests.live import serve

    with serve(demo_settings) as base:
        api = Features(f"{base}/ogc")
        assert CORE in api.conformance()["conformsTo"]
        assert {c["id"] for c in api.collections()["collections"]} == COLLECTIONS
        assert api.collection("plots")["extent"]["spatial"]["bbox"][0] == pytest.approx(
            list(plots.total_bounds))
        features, offset = [], 0
        while True:
            page = api.collection_items("plots", limit=50, offset=offset)
            features += page["features"]
            if not any(link["rel"] == "next" for link in page["links"]):
                break
            offset += 50
        one = api.collection_item("plots", str(plots.id.iloc[0]))
    assert [(f["properties"]["district_code"], f["properties"]["code"]) for f in features] == (
        _expected(plots))
    assert shapely.geometry.shape(one["geometry"]).equals_exact(plots.geometry.iloc[0], 1e-9)


def test_units_collection_shows_public_fields_only_at_their_plot(ogc, demo_session) -> None:
    import sqlalchemy as sa

    from zones.model import Allocation, AllocationStatus, ProductionUnit

    body = ogc.get("/ogc/collections/units/items", params={"limit": 1000}).json()
    held = demo_session.scalar(sa.select(sa.func.count(sa.distinct(Allocation.unit_id))).where(
        Allocation.status == AllocationStatus.ACTIVE, Allocation.unit_id.is_not(None)))
    assert len(body["features"]) == held > 0
    for feature in body["features"]:
        assert set(feature["properties"]) == {"id", "ref", "name_fa", "name_en", "isic4",
                                              "status", "knowledge_based", "district_code",
                                              "plot_code"}
        plot = ogc.get(f"/plots/{feature['properties']['district_code']}/"
                       f"{feature['properties']['plot_code']}").json()
        assert shapely.geometry.shape(plot["geometry"]).contains(
            shapely.geometry.shape(feature["geometry"]))
    dormant = ogc.get("/ogc/collections/units/items",
                      params={"status": "dormant", "limit": 1000}).json()["features"]
    expected = demo_session.scalar(sa.select(sa.func.count()).select_from(
        frames.unit_site_select(where=ProductionUnit.status == "dormant").subquery()))
    assert len(dormant) == expected > 0
