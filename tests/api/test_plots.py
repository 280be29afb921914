"""GET /plots: GeoJSON, bbox filter, paging, coded errors."""

from __future__ import annotations

import pytest
import shapely

from tests.common import PLOT_A, PLOT_FAR
from zones.db.migrate import head


def _codes(body: dict) -> list[str]:
    return [f["properties"]["code"] for f in body["features"]]


def test_plots_are_geojson(client) -> None:
    response = client.get("/plots")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert _codes(body) == ["1", "2", "ک-3"]
    first = body["features"][0]
    assert shapely.geometry.shape(first["geometry"]).equals_exact(PLOT_A, 1e-9)
    assert first["properties"]["area_m2"] == pytest.approx(2000, rel=1e-6)
    assert first["properties"]["status"] == "operating"


def test_bbox_selects_only_plots_inside(client) -> None:
    minx, miny, maxx, maxy = PLOT_FAR.buffer(0.0001).bounds
    body = client.get("/plots", params={"bbox": f"{minx},{miny},{maxx},{maxy}"}).json()
    assert _codes(body) == ["ک-3"]


def test_bbox_in_persian_digits_is_understood(client) -> None:
    minx, miny, maxx, maxy = PLOT_FAR.buffer(0.0001).bounds
    persian = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
    text = f"{minx:.6f},{miny:.6f},{maxx:.6f},{maxy:.6f}".translate(persian)
    assert _codes(client.get("/plots", params={"bbox": text}).json()) == ["ک-3"]


@pytest.mark.parametrize("bbox", ["1,2,3", "a,b,c,d", "50,37,49,38", "0,95,1,96"])
def test_bad_bbox_is_a_problem_not_a_500(client, bbox: str) -> None:
    response = client.get("/plots", params={"bbox": bbox})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "invalid_bbox"


def test_paging_follows_next_links_without_loss(client) -> None:
    seen: list[str] = []
    url: str | None = "/plots?limit=2"
    while url:
        body = client.get(url).json()
        seen += _codes(body)
        url = next((link["href"] for link in body["links"] if link["rel"] == "next"), None)
    assert seen == ["1", "2", "ک-3"]


def test_filter_by_status(client) -> None:
    assert _codes(client.get("/plots", params={"status": "operating"}).json()) == ["1"]


def test_unknown_status_is_a_validation_problem(client) -> None:
    response = client.get("/plots", params={"status": "sold"})
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


@pytest.mark.parametrize("typed", ["ک-3", "ك-٣", "ک-۳"])
def test_one_plot_by_code_in_any_script(client, typed: str) -> None:
    response = client.get(f"/plots/D1/{typed}")
    assert response.status_code == 200
    assert response.json()["properties"]["code"] == "ک-3"


def test_missing_plot_is_a_coded_404(client) -> None:
    response = client.get("/plots/D1/404")
    assert response.status_code == 404
    assert response.json()["code"] == "plot_not_found"


def test_districts_have_metric_gross_area(client) -> None:
    body = client.get("/districts").json()
    (district,) = body["features"]
    assert district["properties"]["code"] == "D1"
    assert district["properties"]["gross_area_m2"] == pytest.approx(1_000_000, rel=1e-6)


def test_health_reports_backend_and_schema(client, backend: str) -> None:
    body = client.get("/health").json()
    assert body == {"status": "ok", "version": body["version"], "backend": backend,
                    "schema_revision": head()}


@pytest.mark.parametrize("params", [{"offset": 10**20}, {"limit": 10**20}, {"offset": -1}])
def test_out_of_range_paging_is_a_validation_problem(client, params) -> None:
    """Found by the fuzzer: an offset beyond int64 used to reach PostgreSQL as a 500."""
    response = client.get("/plots", params=params)
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_database_written_geojson_equals_the_python_writer(demo_session) -> None:
    """On PostGIS the page is written by the database; both writers must say the same."""
    import json

    from zones import frames
    from zones.features import feature_page, feature_texts

    stmt = frames.plot_select(limit=51)
    result = demo_session.execute(stmt)
    by_python = [json.loads(t + "}") for t in feature_texts(list(result.keys()), result.all())]
    page = feature_page(demo_session, stmt, limit=50)
    served = json.loads(f"[{page.features}]")
    assert page.returned == 50 and page.more
    by_python = by_python[:50]
    assert [f["id"] for f in served] == [f["id"] for f in by_python]
    for ours, reference in zip(served, by_python, strict=True):
        assert ours["properties"] == pytest.approx(reference["properties"])
        assert shapely.geometry.shape(ours["geometry"]).equals_exact(
            shapely.geometry.shape(reference["geometry"]), 1e-8)
