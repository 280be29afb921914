"""The validation report as JSON, as a GeoPackage read back with pyogrio, and as HTML."""

from __future__ import annotations

import json

import pyogrio
import pytest

from maps.testing import embedded_features, external_urls, linked_assets
from maps.upload_report import report_html
from tests.common import BOWTIE
from tests.uploads.test_validation import box, clean_plots, plot, run
from zones.uploads.contract import Notice, Severity
from zones.uploads.report import report_json, write_report_gpkg

EVIL = "<script>alert(1)</script>"


def defective_report():
    """An invalid bowtie (point location), an overlap (polygon), a duplicate code with
    markup in it, an empty geometry (no location) and a narrow plot (warning)."""
    rows = clean_plots()
    rows[0]["geometry"] = BOWTIE
    rows[2]["geometry"] = box(90, 0, 50, 40)
    rows[1]["code"] = EVIL
    rows.append(plot(EVIL, box(150, 0, 15, 60)))
    rows.append(plot("E1", None))
    report = run(rows)
    report.notices.append(Notice(code="z_dropped", message_en="Z dropped <b>",
                                 message_fa="مختصات Z حذف شد", layer="plots", count=3))
    return report


def test_json_is_serialisable_stable_and_counted():
    report = defective_report()
    body = report_json(report)
    assert json.loads(json.dumps(body)) == body
    assert body == report_json(defective_report())
    assert body["blocking"] is True
    assert body["counts"]["by_code"] == {"code_duplicate": 2, "geometry_empty": 1,
                                         "geometry_invalid": 1, "plots_overlap": 1,
                                         "width_below_min": 1}
    assert body["counts"]["by_severity"] == {"error": 5, "warning": 1}
    first = body["issues"][0]
    assert first["code"] == "geometry_invalid" and first["location"]["type"] == "Point"
    assert set(first["message"]) == {"fa", "en"} and first["message"]["fa"]
    overlap = next(i for i in body["issues"] if i["code"] == "plots_overlap")
    assert overlap["location"]["type"] == "Polygon"
    assert overlap["extra"]["area_m2"] == pytest.approx(400, rel=1e-3)
    assert body["notices"][0]["code"] == "z_dropped"


def test_gpkg_has_one_layer_per_geometry_kind_and_reads_back(tmp_path):
    report = defective_report()
    path = tmp_path / "problems.gpkg"
    written = write_report_gpkg(report, path)
    layers = {name: kind for name, kind in pyogrio.list_layers(path)}
    assert set(written) == set(layers) == {"problems_points", "problems_polygons",
                                           "problems_unlocated"}
    assert layers["problems_points"] == "MultiPoint"
    assert layers["problems_polygons"] == "MultiPolygon"
    polygons = pyogrio.read_dataframe(path, layer="problems_polygons")
    assert polygons.crs.to_epsg() == 4326
    assert sorted(polygons["code"]) == ["code_duplicate", "code_duplicate", "plots_overlap",
                                        "width_below_min"]
    assert {"code", "severity", "message_fa", "message_en", "feature"} <= set(polygons.columns)
    dup = polygons[polygons["code"] == "code_duplicate"].iloc[0]
    assert EVIL in dup["message_en"] and "کد قطعه" in dup["message_fa"]
    points = pyogrio.read_dataframe(path, layer="problems_points")
    assert list(points["code"]) == ["geometry_invalid"] and list(points["severity"]) == ["error"]
    unlocated = pyogrio.read_dataframe(path, layer="problems_unlocated", read_geometry=False)
    assert list(unlocated["code"]) == ["geometry_empty"]
    assert sum(len(pyogrio.read_dataframe(path, layer=name, read_geometry=False))
               for name in layers) == len(report.issues)


def test_gpkg_of_a_clean_report_is_written_empty(tmp_path):
    assert write_report_gpkg(run(clean_plots()), tmp_path / "none.gpkg") == []


@pytest.mark.parametrize(("lang", "direction"), [("fa", "rtl"), ("en", "ltr")])
def test_html_page_direction_map_and_table(lang, direction):
    report = defective_report()
    html = report_html(report, lang=lang)
    assert f'<html lang="{lang}" dir="{direction}">' in html
    located = [i for i in report.issues if i.location is not None]
    assert len(embedded_features(html)) == len(located)
    assert html.count('<tr class="sev-') == len(report.issues)
    assert html.count('class="sev-warning"') == sum(i.severity is Severity.WARNING
                                                    for i in report.issues)
    message = report.issues[0].message_fa if lang == "fa" else report.issues[0].message_en
    assert message.split("[")[0] in html


def test_html_escapes_file_text_and_loads_nothing_from_outside():
    html = report_html(defective_report(), lang="en")
    assert EVIL not in html and "Z dropped <b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert external_urls(html) == []
    assets = linked_assets(html)
    assert assets and all(url.startswith("/static/") for url in assets)


def test_html_of_a_clean_report():
    html = report_html(run(clean_plots()), lang="fa")
    assert "مشکلی پیدا نشد" in html and embedded_features(html) == []
