"""Vertex caps: one feature's (``feature_too_many_vertices``) and the file's, checked on
what the reader parsed (coordinate lists, WKB, WKT text) before geometries are built."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from tests.common import lonlat
from tests.uploads.files import (
    csv_file,
    dxf_file,
    feature,
    geojson_file,
    gpkg_file,
    metric_box,
    read,
    shapefile_zip,
)
from zones.errors import FeatureTooManyVertices, TooManyVertices
from zones.uploads.contract import LayerRole, UploadLimits
from zones.uploads.formats.csv import wkt_vertices
from zones.uploads.formats.geojson import positions
from zones.uploads.formats.ogr import wkb_vertices

CAP = 50
SMALL = metric_box(0, 0)                       # 5 vertices
BIG = metric_box(60, 0).segmentize(1)          # ~180 vertices: over CAP


def _frame(*geoms: shapely.Geometry) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"code": [f"P-{i}" for i in range(len(geoms))]},
                            geometry=list(geoms), crs="EPSG:32639")


# Each builder writes SMALL then BIG and returns (path, layer name, read options).
BUILDERS: dict[str, Callable[[Path], tuple[Path, str, dict]]] = {
    "geojson": lambda d: (geojson_file(d, [feature(lonlat(SMALL)), feature(lonlat(BIG))]),
                          "plots", {}),
    "gpkg": lambda d: (gpkg_file(d, {"parcels": _frame(SMALL, BIG)}), "parcels", {}),
    "shapefile": lambda d: (shapefile_zip(d, _frame(SMALL, BIG)), "plots", {}),
    "csv": lambda d: (csv_file(d, [{"code": "A", "wkt": lonlat(SMALL).wkt},
                                   {"code": "B", "wkt": lonlat(BIG).wkt}]), "plots", {}),
    "dxf": lambda d: (dxf_file(d, {"PLOTS": [SMALL, BIG]}), "PLOTS", {"crs": "EPSG:32639"}),
}


@pytest.mark.parametrize("fmt", list(BUILDERS))
def test_feature_over_the_cap_refused_naming_file_layer_and_feature(
        tmp_path: Path, fmt: str) -> None:
    path, layer, options = BUILDERS[fmt](tmp_path)
    with pytest.raises(FeatureTooManyVertices) as refused:
        read(path, UploadLimits(max_feature_vertices=CAP), **options)
    assert refused.value.code == "feature_too_many_vertices"
    extra = refused.value.extra
    assert (extra["file"], extra["layer"], extra["feature"], extra["limit"]) == (
        path.name, layer, 1, CAP)
    assert extra["received"] > CAP


@pytest.mark.parametrize("fmt", list(BUILDERS))
def test_refused_before_any_geometry_is_built(tmp_path: Path, fmt: str,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    path, _layer, options = BUILDERS[fmt](tmp_path)

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("a geometry was built before the vertex cap was checked")

    for module, name in [("zones.uploads.formats.geojson", "shape"),
                         ("shapely", "from_wkb"), ("shapely", "from_wkt"),
                         ("shapely", "Polygon"), ("shapely", "LineString")]:
        monkeypatch.setattr(f"{module}.{name}", never)
    with pytest.raises(FeatureTooManyVertices):
        read(path, UploadLimits(max_feature_vertices=CAP), **options)


@pytest.mark.parametrize("fmt", list(BUILDERS))
def test_features_within_the_cap_are_read(tmp_path: Path, fmt: str) -> None:
    path, _layer, options = BUILDERS[fmt](tmp_path)
    result = read(path, UploadLimits(max_feature_vertices=400), **options)
    assert len(result.layers[LayerRole.PLOTS]) == 2


@pytest.mark.parametrize("fmt", ["gpkg", "shapefile", "csv"])
def test_file_total_refused_before_geometries_are_built(tmp_path: Path, fmt: str,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    path, layer, options = BUILDERS[fmt](tmp_path)
    monkeypatch.setattr("shapely.from_wkb", None)
    monkeypatch.setattr("shapely.from_wkt", None)
    with pytest.raises(TooManyVertices) as refused:
        read(path, UploadLimits(max_vertices=100), **options)
    assert refused.value.extra["layer"] == layer
    assert refused.value.extra["received"] > 100


def test_the_cap_is_inclusive(tmp_path: Path) -> None:
    big = lonlat(BIG)
    path = geojson_file(tmp_path, [feature(big)])
    exact = int(shapely.get_num_coordinates(big))
    assert read(path, UploadLimits(max_feature_vertices=exact)).layers
    with pytest.raises(FeatureTooManyVertices):
        read(path, UploadLimits(max_feature_vertices=exact - 1))


SHAPES = [
    shapely.Point(1, 2),
    shapely.Point(1, 2, 3),
    shapely.LineString([(0, 0), (1, 1), (2, 0)]),
    shapely.Polygon([(0, 0), (4, 0), (4, 4), (0, 0)], [[(1, 1), (2, 1), (2, 2), (1, 1)]]),
    shapely.MultiPoint([(0, 0), (1, 1)]),
    shapely.MultiLineString([[(0, 0), (1, 1)], [(2, 2), (3, 3), (4, 4)]]),
    shapely.MultiPolygon([SMALL, metric_box(100, 0)]),
    shapely.GeometryCollection([shapely.Point(0, 0), SMALL]),
    shapely.Polygon(),
    shapely.LineString([(0, 0, 1), (1, 1, 2)]),
]


@pytest.mark.parametrize("geom", SHAPES, ids=lambda g: g.wkt[:40])
def test_counts_agree_with_shapely(geom: shapely.Geometry) -> None:
    expected = int(shapely.get_num_coordinates(geom))
    assert positions(json.loads(shapely.to_geojson(geom))) == expected
    assert wkt_vertices(geom.wkt) == expected
    for flavour in ({}, {"hex": False, "byte_order": 0}, {"include_srid": True}):
        blob = shapely.to_wkb(shapely.set_srid(geom, 4326), **flavour)
        assert wkb_vertices([blob]).tolist() == [expected]


@pytest.mark.parametrize("raw", [None, {}, {"type": "Polygon"}, {"type": "Nope"},
                                 {"type": "Polygon", "coordinates": 5},
                                 {"type": "GeometryCollection", "geometries": "x"}])
def test_malformed_geojson_geometry_counts_nothing(raw: object) -> None:
    assert positions(raw) == 0
