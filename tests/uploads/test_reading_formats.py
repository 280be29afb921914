"""Each format reads into role layers in EPSG:4326 with codes, names and source indexes."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from tests.common import X0, Y0, lonlat
from tests.uploads.files import (
    csv_file,
    dxf_file,
    feature,
    geojson_file,
    gpkg_file,
    metric_box,
    plots,
    read,
    shapefile_zip,
)
from zones.errors import (
    ColumnMappingInvalid,
    CrsMissing,
    DxfLayersUnmapped,
    EncodingInvalid,
    GpkgLayersUnmapped,
    ShapefileMissingPart,
    WktColumnMissing,
    WktInvalid,
)
from zones.uploads.contract import FileFormat, LayerRole

PERSIAN = ["زمين صنعتي", "انبار كالا", "پارك"]          # Arabic yeh/kaf, as cp1256 files hold


def _same_place(frame: gpd.GeoDataFrame, expected: gpd.GeoSeries) -> None:
    assert frame.crs.to_epsg() == 4326
    for got, want in zip(frame.geometry, expected, strict=True):
        assert got.normalize().equals_exact(want.normalize(), tolerance=1e-7)


def test_geojson_reads_codes_in_file_order(tmp_path: Path) -> None:
    result = read(geojson_file(tmp_path))
    frame = result.layers[LayerRole.PLOTS]
    assert result.file_format is FileFormat.GEOJSON
    assert result.source_crs == "EPSG:4326"
    assert frame["code"].tolist() == ["P-1", "P-2", "P-3"]
    assert frame["source_index"].tolist() == [0, 1, 2]
    _same_place(frame, plots().geometry)


def test_geojson_bom_clockwise_ring_and_legacy_crs(tmp_path: Path) -> None:
    square = metric_box(0, 0)
    clockwise = shapely.Polygon(list(square.exterior.coords)[::-1])
    path = geojson_file(tmp_path, [feature(clockwise, code="C-1")], bom=True,
                        crs="urn:ogc:def:crs:EPSG::32639")
    result = read(path)
    frame = result.layers[LayerRole.PLOTS]
    assert result.source_crs == "EPSG:32639"
    assert [n.code for n in result.notices] == ["bom_removed", "crs_transformed",
                                                "rings_reoriented"]
    assert result.notices[2].extra == {"features": [0]}
    assert frame["code"].tolist() == ["C-1"]
    got = frame.geometry.iloc[0]
    assert got.exterior.is_ccw  # stored counter-clockwise (RFC 7946), and reported
    assert got.equals_exact(lonlat(square), tolerance=1e-7)  # same positions, same start


def test_geojson_bare_geometry_and_null_geometry(tmp_path: Path) -> None:
    path = geojson_file(tmp_path, [feature(None, code="N-1"),
                                   feature(lonlat(metric_box(0, 0)), code="N-2")])
    frame = read(path).layers[LayerRole.PLOTS]
    assert frame.geometry.iloc[0] is None  # left for validation to report
    assert frame["code"].tolist() == ["N-1", "N-2"]


def test_gpkg_layers_mapped_to_roles(tmp_path: Path) -> None:
    road = gpd.GeoDataFrame({"name": ["R1"]}, geometry=[shapely.LineString(
        [(X0, Y0 - 10), (X0 + 200, Y0 - 10)])], crs="EPSG:32639")
    path = gpkg_file(tmp_path, {"parcels": plots(metric=True), "streets": road})
    result = read(path, layers={"Parcels": LayerRole.PLOTS, "streets": LayerRole.ROADS})
    assert set(result.layers) == {LayerRole.PLOTS, LayerRole.ROADS}
    assert result.layers[LayerRole.PLOTS]["code"].tolist() == ["P-1", "P-2", "P-3"]
    assert result.layers[LayerRole.ROADS]["source_layer"].tolist() == ["streets"]
    _same_place(result.layers[LayerRole.PLOTS], plots().geometry)


def test_gpkg_with_several_layers_and_no_mapping_lists_them(tmp_path: Path) -> None:
    path = gpkg_file(tmp_path, {"a": plots(metric=True), "b": plots(metric=True)})
    with pytest.raises(GpkgLayersUnmapped) as refused:
        read(path)
    assert refused.value.code == "gpkg_layers_unmapped"
    assert sorted(refused.value.extra["layers"]) == ["a", "b"]
    with pytest.raises(GpkgLayersUnmapped) as missing:
        read(path, layers={"c": LayerRole.PLOTS})
    assert missing.value.extra["missing"] == ["c"]


def test_gpkg_single_layer_takes_default_role(tmp_path: Path) -> None:
    path = gpkg_file(tmp_path, {"only": plots(metric=True)})
    result = read(path, default_role=LayerRole.CUSTOMS_SITE)
    assert list(result.layers) == [LayerRole.CUSTOMS_SITE]


def test_shapefile_cp1256_persian_attributes_from_cpg(tmp_path: Path) -> None:
    gdf = plots(metric=True, name=PERSIAN)
    result = read(shapefile_zip(tmp_path, gdf, encoding="cp1256"), columns={
        "code": "code", "name": "name_fa"})
    frame = result.layers[LayerRole.PLOTS]
    # Arabic yeh/kaf from the cp1256 file come out as Persian letters.
    assert frame["name_fa"].tolist() == ["زمین صنعتی", "انبار کالا", "پارک"]
    assert result.mapping["encoding"] == {"plots": "cp1256"}
    _same_place(frame, plots().geometry)


def test_shapefile_language_byte_decides_without_cpg(tmp_path: Path) -> None:
    gdf = plots(metric=True, name=PERSIAN)
    path = shapefile_zip(tmp_path, gdf, encoding="cp1256", cpg=False, ldid=0x7E)
    frame = read(path, columns={"name": "name_fa"}).layers[LayerRole.PLOTS]
    assert frame["name_fa"].tolist()[0] == "زمین صنعتی"


def test_shapefile_encoding_override_beats_cpg(tmp_path: Path) -> None:
    gdf = plots(metric=True, name=PERSIAN)
    folder = tmp_path / "w"
    folder.mkdir()
    # The .cpg wrongly says UTF-8 (a common export bug); the caller knows better.
    path = shapefile_zip(folder, gdf, encoding="cp1256", cpg=False)
    import zipfile

    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("plots.cpg", "UTF-8")
    with pytest.raises(EncodingInvalid) as refused:
        read(path, columns={"name": "name_fa"})
    assert refused.value.code == "encoding_invalid"
    assert refused.value.extra["encoding"] == "utf-8"
    frame = read(path, encoding="cp1256", columns={"name": "name_fa"}).layers[LayerRole.PLOTS]
    assert frame["name_fa"].tolist()[2] == "پارک"


@pytest.mark.parametrize("part", [".shx", ".prj", ".dbf"])
def test_shapefile_missing_part_is_named(tmp_path: Path, part: str) -> None:
    path = shapefile_zip(tmp_path, plots(metric=True), drop=[part])
    with pytest.raises(ShapefileMissingPart) as refused:
        read(path)
    assert refused.value.code == "shapefile_missing_part"
    assert refused.value.extra["part"] == part
    assert part in refused.value.detail


def test_shapefile_without_prj_reads_with_declared_crs(tmp_path: Path) -> None:
    path = shapefile_zip(tmp_path, plots(metric=True), drop=[".prj"])
    result = read(path, crs="EPSG:32639")
    _same_place(result.layers[LayerRole.PLOTS], plots().geometry)


def test_dxf_codes_from_text_labels_inside_polygons(tmp_path: Path) -> None:
    boxes = [metric_box(0, 0), metric_box(60, 0)]
    labels = [("ك-١٢", X0 + 20, Y0 + 20), ("B-2", X0 + 80, Y0 + 15),
              ("stray", X0 + 500, Y0 + 500)]
    path = dxf_file(tmp_path, {"PARCELS": boxes, "ROAD": [metric_box(0, -30, 200, 10)]},
                    labels=labels)
    result = read(path, crs="EPSG:32639",
                  layers={"parcels": LayerRole.PLOTS, "road": LayerRole.ROADS})
    frame = result.layers[LayerRole.PLOTS]
    assert frame["code"].tolist() == ["ک-12", "B-2"]   # normalised Persian
    assert frame.geometry.iloc[0].geom_type == "Polygon"
    _same_place(frame, gpd.GeoSeries([lonlat(b) for b in boxes]))
    assert result.layers[LayerRole.ROADS]["code"].tolist() == [None]


def test_dxf_codes_from_xdata_and_mtext(tmp_path: Path) -> None:
    boxes = [metric_box(0, 0), metric_box(60, 0)]
    path = dxf_file(tmp_path, {"P": boxes}, xdata={0: "X-1"},
                    labels=[("M-2", X0 + 70, Y0 + 10)], mtext=True)
    frame = read(path, crs="EPSG:32639").layers[LayerRole.PLOTS]
    assert frame["code"].tolist() == ["X-1", "M-2"]


def test_dxf_without_crs_is_refused(tmp_path: Path) -> None:
    path = dxf_file(tmp_path, {"P": [metric_box(0, 0)]})
    with pytest.raises(CrsMissing) as refused:
        read(path)
    assert refused.value.code == "crs_missing"


def test_dxf_with_several_layers_needs_a_mapping(tmp_path: Path) -> None:
    path = dxf_file(tmp_path, {"A": [metric_box(0, 0)], "B": [metric_box(60, 0)]})
    with pytest.raises(DxfLayersUnmapped) as refused:
        read(path, crs="EPSG:32639")
    assert refused.value.extra["layers"] == ["A", "B"]


def test_csv_with_excel_bom_and_quoted_commas(tmp_path: Path) -> None:
    geoms = plots().geometry
    rows = [{"Code": f"C-{i}", "Name": "north, by the canal", "WKT": g.wkt}
            for i, g in enumerate(geoms)]
    result = read(csv_file(tmp_path, rows), columns={"Code": "code", "Name": "name_en"})
    frame = result.layers[LayerRole.PLOTS]
    assert frame["name_en"].tolist()[0] == "north, by the canal"
    assert frame["code"].tolist() == ["C-0", "C-1", "C-2"]
    assert result.mapping["wkt_column"] == "WKT"
    assert [n.code for n in result.notices] == ["bom_removed"]
    _same_place(frame, geoms)


def test_csv_semicolon_and_named_wkt_column(tmp_path: Path) -> None:
    rows = [{"code": "S-1", "shape": plots().geometry.iloc[0].wkt}]
    path = csv_file(tmp_path, rows, delimiter=";")
    assert read(path, wkt_column="shape").layers[LayerRole.PLOTS]["code"].tolist() == ["S-1"]
    with pytest.raises(WktColumnMissing) as refused:
        read(path)
    assert refused.value.extra["columns"] == ["code", "shape"]


def test_csv_invalid_wkt_names_the_row(tmp_path: Path) -> None:
    rows = [{"code": "A", "wkt": plots().geometry.iloc[0].wkt},
            {"code": "B", "wkt": "POLYGON ((49.5 37.4, 49.6"}]
    with pytest.raises(WktInvalid) as refused:
        read(csv_file(tmp_path, rows))
    assert refused.value.code == "wkt_invalid"
    assert refused.value.extra["row"] == 1
    assert refused.value.extra["line"] == 3


def test_json_extension_without_features_key_is_unreadable(tmp_path: Path) -> None:
    from zones.errors import FileUnreadable

    path = geojson_file(tmp_path, text=json.dumps({"type": "Topology"}), name="x.json")
    with pytest.raises(FileUnreadable):
        read(path)


def test_dxf_old_style_polyline_and_open_lines(tmp_path: Path) -> None:
    import ezdxf

    doc = ezdxf.new("R2000")
    space = doc.modelspace()
    square = list(metric_box(0, 0).exterior.coords)[:-1]
    space.add_polyline2d(square, close=True, dxfattribs={"layer": "PLOTS"})
    space.add_lwpolyline([(X0, Y0 - 10), (X0 + 100, Y0 - 10)], dxfattribs={"layer": "ROADS"})
    space.add_line((X0, Y0 - 20, 5), (X0 + 100, Y0 - 20, 5), dxfattribs={"layer": "ROADS"})
    path = tmp_path / "old.dxf"
    doc.saveas(path)
    result = read(path, crs="EPSG:32639",
                  layers={"plots": LayerRole.PLOTS, "roads": LayerRole.ROADS})
    assert result.layers[LayerRole.PLOTS].geometry.iloc[0].normalize().equals_exact(
        lonlat(metric_box(0, 0)).normalize(), tolerance=1e-7)
    assert result.layers[LayerRole.ROADS].geom_type.tolist() == ["LineString", "LineString"]
    assert [(n.code, n.layer, n.count) for n in result.notices] == [
        ("polylines_to_polygons", "PLOTS", 1), ("crs_transformed", "PLOTS", 1),
        ("z_dropped", "ROADS", 1), ("crs_transformed", "ROADS", 2)]


def test_empty_feature_collection_gives_an_empty_layer(tmp_path: Path) -> None:
    frame = read(geojson_file(tmp_path, [])).layers[LayerRole.PLOTS]
    assert frame.empty
    assert frame.crs.to_epsg() == 4326


def test_gpkg_attribute_tables_are_not_layers(tmp_path: Path) -> None:
    import pandas as pd
    import pyogrio

    path = gpkg_file(tmp_path, {"plots": plots()})
    pyogrio.write_dataframe(pd.DataFrame({"a": [1]}), path, layer="attributes")
    assert read(path).layers[LayerRole.PLOTS]["code"].tolist() == ["P-1", "P-2", "P-3"]


def test_dxf_code_from_block_attribute(tmp_path: Path) -> None:
    import ezdxf

    doc = ezdxf.new("R2010")
    block = doc.blocks.new("PLOTLABEL")
    block.add_attdef("CODE", (0, 0))
    space = doc.modelspace()
    space.add_lwpolyline(list(metric_box(0, 0).exterior.coords)[:-1], close=True,
                         dxfattribs={"layer": "PLOTS"})
    space.add_blockref("PLOTLABEL", (X0 + 25, Y0 + 20),
                       dxfattribs={"layer": "LABELS"}).add_auto_attribs({"CODE": "ك-٧"})
    path = tmp_path / "blocks.dxf"
    doc.saveas(path)
    frame = read(path, crs="EPSG:32639").layers[LayerRole.PLOTS]
    assert frame["code"].tolist() == ["ک-7"]


def test_notes_is_not_a_field_and_unread_columns_are_named(tmp_path: Path) -> None:
    """A plan feature keeps no notes: mapping one is refused, an unmapped one is named."""
    rows = [{"code": "C-1", "notes": "by the canal", "status": "allocated",
             "WKT": plots().geometry.iloc[0].wkt}]
    with pytest.raises(ColumnMappingInvalid):
        read(csv_file(tmp_path, rows), columns={"code": "code", "notes": "notes"})
    result = read(csv_file(tmp_path, rows))
    assert "notes" not in result.layers[LayerRole.PLOTS].columns
    (ignored,) = [n for n in result.notices if n.code == "columns_ignored"]
    assert ignored.extra == {"columns": ["notes", "status"], "server_controlled": ["status"]}


def test_geojson_unclosed_ring_is_closed_and_reported(tmp_path: Path) -> None:
    ring = [list(xy) for xy in plots().geometry.iloc[0].exterior.coords][:-1]
    path = geojson_file(tmp_path, [
        feature(plots().geometry.iloc[1], code="P-0"),
        {"type": "Feature", "properties": {"code": "P-1"},
         "geometry": {"type": "Polygon", "coordinates": [ring]}}])
    result = read(path)
    (closed,) = [n for n in result.notices if n.code == "ring_closed"]
    assert (closed.count, closed.extra) == (1, {"features": [1], "codes": ["P-1"]})
    assert "P-1" in closed.message_en and "P-1" in closed.message_fa
    got = result.layers[LayerRole.PLOTS].geometry.iloc[1]
    assert got.is_valid and got.exterior.is_closed
