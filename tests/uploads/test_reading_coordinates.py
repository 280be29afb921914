"""CRS, axis order, Z/M and the zone extent; column mapping and server-controlled fields."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from tests.uploads.files import (
    csv_file,
    feature,
    geojson_file,
    gpkg_file,
    lonlat,
    metric_box,
    plots,
    read,
)
from zones.errors import (
    AxisOrderSwapped,
    ColumnMappingInvalid,
    CrsMissing,
    CrsUnknown,
    OutsideZoneExtent,
)
from zones.uploads.contract import PLOT_FIELDS, LayerRole


def _swapped(geom: shapely.Geometry) -> shapely.Geometry:
    return shapely.transform(geom, lambda xy: xy[:, ::-1])


def test_metric_coordinates_without_crs_refused(tmp_path: Path) -> None:
    path = geojson_file(tmp_path, [feature(metric_box(0, 0), code="M")])
    with pytest.raises(CrsMissing) as refused:
        read(path)
    assert refused.value.code == "crs_missing"
    assert refused.value.extra["layer"] == "plots"


def test_declared_crs_transforms_to_storage(tmp_path: Path) -> None:
    path = geojson_file(tmp_path, [feature(metric_box(0, 0), code="M")])
    result = read(path, crs="EPSG:32639")
    assert result.source_crs == "EPSG:32639"
    got = result.layers[LayerRole.PLOTS].geometry.iloc[0]
    assert got.equals_exact(lonlat(metric_box(0, 0)), tolerance=1e-7)


def test_unknown_crs_refused(tmp_path: Path) -> None:
    path = geojson_file(tmp_path, crs="EPSG:999999")
    with pytest.raises(CrsUnknown) as refused:
        read(path)
    assert refused.value.extra["crs"] == "EPSG:999999"


def test_lat_lon_order_refused_with_axis_code(tmp_path: Path) -> None:
    feats = [feature(_swapped(g), code=c) for g, c in zip(plots().geometry, "ABC",
                                                           strict=True)]
    with pytest.raises(AxisOrderSwapped) as refused:
        read(geojson_file(tmp_path, feats))
    assert refused.value.code == "axis_order_swapped"


def test_lat_lon_order_swapped_when_asked_and_reported(tmp_path: Path) -> None:
    feats = [feature(_swapped(g), code=c) for g, c in zip(plots().geometry, "ABC",
                                                           strict=True)]
    result = read(geojson_file(tmp_path, feats), swap_axes=True)
    frame = result.layers[LayerRole.PLOTS]
    for got, want in zip(frame.geometry, plots().geometry, strict=True):
        assert got.equals_exact(want, tolerance=1e-9)
    notice = next(n for n in result.notices if n.code == "axes_swapped")
    assert notice.count == 3
    assert notice.message_fa


def test_swap_not_applied_to_a_file_already_in_lon_lat(tmp_path: Path) -> None:
    result = read(geojson_file(tmp_path), swap_axes=True)
    assert not any(n.code == "axes_swapped" for n in result.notices)
    assert result.layers[LayerRole.PLOTS].geometry.iloc[0].equals_exact(
        plots().geometry.iloc[0], tolerance=1e-9)


def test_one_swapped_feature_among_good_ones_is_named(tmp_path: Path) -> None:
    geoms = list(plots().geometry)
    feats = [feature(geoms[0], code="A"), feature(_swapped(geoms[1]), code="B")]
    with pytest.raises(AxisOrderSwapped) as refused:
        read(geojson_file(tmp_path, feats))
    assert refused.value.extra["feature"] == 1


def test_far_outside_zone_refused_with_feature(tmp_path: Path) -> None:
    tehran = shapely.box(51.38, 35.68, 51.39, 35.69)
    feats = [feature(plots().geometry.iloc[0], code="A"), feature(tehran, code="T")]
    with pytest.raises(OutsideZoneExtent) as refused:
        read(geojson_file(tmp_path, feats))
    assert refused.value.code == "outside_zone_extent"
    assert refused.value.extra["feature"] == 1
    assert refused.value.extra["layer"] == "plots"


def test_z_dropped_and_reported(tmp_path: Path) -> None:
    flat = plots().geometry.iloc[0]
    with_z = shapely.force_3d(flat, 12.5)
    path = geojson_file(tmp_path, [feature(with_z, code="Z"), feature(flat, code="F")])
    result = read(path)
    frame = result.layers[LayerRole.PLOTS]
    assert not shapely.has_z(frame.geometry.values).any()
    notice = next(n for n in result.notices if n.code == "z_dropped")
    assert notice.count == 1
    assert notice.layer == "plots"


def test_z_from_gpkg_dropped(tmp_path: Path) -> None:
    gdf = plots(metric=True)
    gdf = gdf.set_geometry(shapely.force_3d(gdf.geometry.values, 3.0), crs="EPSG:32639")
    result = read(gpkg_file(tmp_path, {"plots": gdf}))
    assert [n.count for n in result.notices if n.code == "z_dropped"] == [3]


def test_columns_mapped_normalised_and_server_fields_ignored(tmp_path: Path) -> None:
    rows = [{"kod": kod, "name": name, "status": "allocated", "investor": "x", "id": i,
             "approved": "true", "landuse": use, "wkt": geom.wkt}
            for i, (kod, name, use, geom) in enumerate(zip(
                ["ك-١", "ك-٢", "ك-٣"], [" زمين  ", "b", ""], ["industrial", "warehouse", "12"],
                plots().geometry, strict=True))]
    result = read(csv_file(tmp_path, rows), columns={
        "kod": "code", "name": "name_fa", "landuse": "land_use"})
    frame = result.layers[LayerRole.PLOTS]
    assert list(frame.columns) == [*PLOT_FIELDS, "source_layer", "source_index", "geometry"]
    assert frame["code"].tolist() == ["ک-1", "ک-2", "ک-3"]
    assert frame["name_fa"].tolist() == ["زمین", "b", None]
    assert frame["land_use"].tolist() == ["industrial", "warehouse", "12"]
    for server in ("status", "investor", "id", "approved"):
        assert server not in frame.columns


def test_mapping_to_server_field_refused(tmp_path: Path) -> None:
    gdf = plots(status=["allocated"] * 3)
    path = gpkg_file(tmp_path, {"plots": gdf})
    with pytest.raises(ColumnMappingInvalid) as refused:
        read(path, columns={"status": "status"})
    assert refused.value.code == "column_mapping_invalid"
    with pytest.raises(ColumnMappingInvalid):
        read(path, columns={"nope": "code"})


def test_without_mapping_only_plot_field_columns_taken(tmp_path: Path) -> None:
    gdf = plots(status=["allocated"] * 3, Name_FA=["الف", "ب", "پ"])
    frame = read(gpkg_file(tmp_path, {"plots": gdf})).layers[LayerRole.PLOTS]
    assert frame["name_fa"].tolist() == ["الف", "ب", "پ"]
    assert "status" not in frame.columns


def test_several_layers_of_one_role_concatenated_with_sources(tmp_path: Path) -> None:
    west = plots(2)
    east = gpd.GeoDataFrame({"code": ["E-1"]}, geometry=[lonlat(metric_box(500, 0))],
                            crs="EPSG:4326")
    result = read(gpkg_file(tmp_path, {"west": west, "east": east}),
                  layers={"west": LayerRole.PLOTS, "east": LayerRole.PLOTS})
    frame = result.layers[LayerRole.PLOTS]
    assert sorted(zip(frame["source_layer"], frame["source_index"], frame["code"],
                      strict=True)) == [("east", 0, "E-1"), ("west", 0, "P-1"),
                                        ("west", 1, "P-2")]
