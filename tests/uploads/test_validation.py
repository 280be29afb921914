"""Each validation rule fires on a hand-built defect and stays quiet on the clean plan.

The clean plan: three 50 m × 40 m plots side by side (touching) on the north side of a
road, inside a 1 km² district of a 4 km × 4 km zone; drawn in metres (tests.common) and
handed over in EPSG:4326 like a read upload.
"""

from __future__ import annotations

from collections import Counter

import geopandas as gpd
import pytest
import shapely

from tests.common import BOWTIE, box, lonlat
from tests.common import X0 as X
from tests.common import Y0 as Y
from zones.errors import DistrictNotFound
from zones.frames import plot_frame
from zones.model import District, Plot
from zones.uploads.context import ValidationContext, build_context
from zones.uploads.contract import LayerRole, Severity
from zones.uploads.rules import RULES, ValidationParams
from zones.uploads.validation import validate

ROAD = lonlat(shapely.LineString([(X - 600, Y - 10), (X + 600, Y - 10)]))


def plot(code: str | None, geom, land_use: str = "industrial", env_group: str | None = None):
    return {"code": code, "land_use": land_use, "env_group": env_group, "geometry": geom}


def clean_plots() -> list[dict]:
    return [plot(f"P{k + 1}", box(50 * k, 0, 50, 40)) for k in range(3)]


def frame(rows: list[dict], layer: str = "plots") -> gpd.GeoDataFrame:
    gdf = (gpd.GeoDataFrame(rows, geometry="geometry", crs=4326) if rows else
           gpd.GeoDataFrame({"code": []}, geometry=gpd.GeoSeries([], crs=4326), crs=4326))
    gdf["source_layer"] = layer
    gdf["source_index"] = range(len(gdf))
    return gdf


def context(**changes) -> ValidationContext:
    values = dict(
        district_code="T1", zone_boundary=box(-2000, -2000, 4000, 4000),
        district_boundary=box(-500, -500, 1000, 1000),
        roads=gpd.GeoDataFrame({"kind": ["local"]}, geometry=[ROAD], crs=4326),
        port_gate=lonlat(shapely.Point(X + 1000, Y + 300)))
    values.update(changes)
    return ValidationContext(**values)


def run(rows: list[dict], ctx: ValidationContext | None = None, **layers):
    frames = {LayerRole.PLOTS: frame(rows)}
    frames.update({LayerRole(role): frame(r, role) for role, r in layers.items()})
    return validate(frames, ctx or context())


def codes(report) -> Counter:
    return Counter(issue.code for issue in report.issues)


def only(report, code: str):
    assert set(codes(report)) == {code}, [i.message_en for i in report.issues]
    return [i for i in report.issues if i.code == code]


def test_clean_plan_has_no_issues():
    report = run(clean_plots())
    assert report.issues == []
    assert not report.blocking
    assert report.counts == {"plots": 3}


def test_every_rule_has_both_messages_and_a_severity():
    for rule in RULES.values():
        assert rule.message_en and rule.message_fa and rule.severity in Severity


def test_invalid_geometry_reported_with_reason_and_position_not_repaired():
    rows = clean_plots()
    rows[1]["geometry"] = BOWTIE
    (issue,) = only(run(rows), "geometry_invalid")
    assert issue.feature == 1 and issue.severity is Severity.ERROR
    assert issue.extra["reason"].startswith("Self-intersection")
    assert issue.location.geom_type == "Point"
    assert issue.location.distance(lonlat(shapely.Point(X + 25, Y + 25))) < 1e-6  # the crossing


@pytest.mark.parametrize("geom", [None, shapely.Polygon()])
def test_empty_or_null_geometry(geom):
    rows = clean_plots()
    rows[2]["geometry"] = geom
    (issue,) = only(run(rows), "geometry_empty")
    assert issue.feature == 2 and issue.location is None


def test_wrong_geometry_type_for_the_role():
    rows = clean_plots()
    rows[0]["geometry"] = lonlat(shapely.LineString([(X, Y), (X + 50, Y + 40)]))
    roads = [{"geometry": lonlat(shapely.Point(X, Y - 10))}, {"geometry": ROAD}]
    report = run(rows, roads=roads)
    found = only(report, "geometry_type")
    assert {(i.layer, i.feature, i.extra["got"]) for i in found} == {
        (LayerRole.PLOTS, 0, "LineString"), (LayerRole.ROADS, 0, "Point")}


@pytest.mark.parametrize("code", [None, "  ", "\u200f"])
def test_code_missing(code):
    rows = clean_plots()
    rows[1]["code"] = code
    (issue,) = only(run(rows), "code_missing")
    assert issue.feature == 1


@pytest.mark.parametrize(("first", "second"), [
    ("ك-١", "ک-1"),     # Arabic kaf and digit vs Persian kaf, ASCII digit
    ("A-1", "a-1"),     # case
    ("A-1", " A-1 "),   # spaces around
])
def test_duplicate_codes_after_normalisation_name_both_features(first, second):
    rows = clean_plots()
    rows[0]["code"], rows[2]["code"] = first, second
    found = only(run(rows), "code_duplicate")
    assert {(i.feature, tuple(i.extra["others"])) for i in found} == {(0, (2,)), (2, (0,))}


def test_overlap_reports_shared_area_and_location():
    rows = clean_plots()
    rows[2]["geometry"] = box(90, 0, 50, 40)   # 10 m into P2
    (issue,) = only(run(rows), "plots_overlap")
    assert (issue.feature, issue.extra["other_feature"]) == (1, 2)
    assert issue.extra["area_m2"] == pytest.approx(400, rel=1e-3)
    assert issue.location.equals_exact(box(90, 0, 10, 40), 1e-7) or \
        issue.location.symmetric_difference(box(90, 0, 10, 40)).area < 1e-12


def test_plot_inside_another_is_an_overlap():
    rows = [*clean_plots(), plot("P4", box(5, 5, 40, 30))]
    found = only(run(rows), "plots_overlap")
    assert [(i.feature, i.extra["other_feature"]) for i in found] == [(0, 3)]


def test_gap_between_neighbours_located_between_them():
    rows = clean_plots()
    rows[2]["geometry"] = box(100.5, 0, 50, 40)   # a 0.5 m slit
    (issue,) = only(run(rows), "gap")
    assert issue.severity is Severity.WARNING
    assert issue.extra["area_m2"] == pytest.approx(20, rel=0.02)
    assert issue.location.intersects(lonlat(shapely.Point(X + 100.25, Y + 20)))


def test_sliver_plot():
    rows = [*clean_plots(), plot("P4", box(150, 0, 1.5, 40))]
    (issue,) = only(run(rows), "sliver")
    assert issue.feature == 3 and issue.extra["width_m"] == pytest.approx(1.5, abs=0.01)


def test_outside_district_reports_the_part_outside():
    rows = [*clean_plots(), plot("P4", box(480, 0, 50, 40))]
    (issue,) = only(run(rows), "outside_district")
    assert issue.extra["area_m2"] == pytest.approx(1200, rel=1e-3)


def test_outside_zone():
    ctx = context(zone_boundary=box(-1000, -1000, 1125, 2000), district_boundary=None)
    (issue,) = only(run(clean_plots(), ctx), "outside_zone")
    assert issue.feature == 2 and issue.extra["area_m2"] == pytest.approx(1000, rel=1e-3)


def _held(code: str, geom, status: str = "operating") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"code": [code], "status": [status]}, geometry=[geom], crs=4326)


def test_held_plot_carried_over_is_fine_recoded_or_reshaped_is_not():
    ctx = context(held_plots=_held("P1", box(0, 0, 50, 40)))
    assert run(clean_plots(), ctx).issues == []
    recoded = clean_plots()
    recoded[0]["code"] = "P9"
    (issue,) = only(run(recoded, ctx), "held_plot_conflict")
    assert issue.extra["held_code"] == "P1" and issue.extra["held_status"] == "operating"
    reshaped = clean_plots()
    reshaped[0]["geometry"] = box(0, 0, 30, 40)
    reshaped[1]["geometry"] = box(30, 0, 70, 40)
    found = only(run(reshaped, ctx), "held_plot_conflict")
    assert [i.feature for i in found] == [0, 1]
    assert [i.extra["area_m2"] for i in found] == [pytest.approx(1200, rel=1e-3),
                                                   pytest.approx(800, rel=1e-3)]


def test_no_road_access_unless_the_upload_brings_a_road():
    rows = [*clean_plots(), plot("P4", box(0, 300, 50, 40))]
    (issue,) = only(run(rows), "no_road_access")
    assert issue.feature == 3
    new_road = [{"geometry": lonlat(shapely.LineString([(X - 10, Y), (X - 10, Y + 400)]))}]
    assert run(rows, roads=new_road).issues == []


def test_area_below_min_except_exempt_land_uses():
    rows = [*clean_plots(), plot("P4", box(150, 0, 21, 21))]
    (issue,) = only(run(rows), "area_below_min")
    assert issue.extra["area_m2"] == pytest.approx(441, rel=1e-3)
    rows[3]["land_use"] = "green"
    assert run(rows).issues == []


def test_width_below_min_is_a_warning():
    rows = [*clean_plots(), plot("P4", box(150, 0, 15, 60))]
    (issue,) = only(run(rows), "width_below_min")
    assert issue.severity is Severity.WARNING
    assert issue.extra["width_m"] == pytest.approx(15, abs=0.01)
    assert not run(rows).blocking


def _wetland() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"code": ["WET"], "kind": ["wetland"], "name_fa": ["تالاب"], "name_en": ["Wetland"],
         "buffer_m": [1000.0]}, geometry=[box(-300, -800, 600, 300)], crs=4326)


@pytest.mark.parametrize("group", ["D", "د", "E"])
def test_polluting_group_inside_protected_buffer(group):
    rows = clean_plots()
    rows[1]["env_group"] = group
    (issue,) = only(run(rows, context(protected_areas=_wetland())), "env_buffer")
    assert issue.feature == 1 and issue.extra["protected_code"] == "WET"


def test_clean_group_or_far_buffer_is_fine():
    rows = clean_plots()
    rows[1]["env_group"] = "B"
    assert run(rows, context(protected_areas=_wetland())).issues == []
    rows[1]["env_group"] = "E"
    far = _wetland().set_geometry([box(-300, -3000, 600, 300)], crs=4326)
    assert run(rows, context(protected_areas=far)).issues == []


def test_sea_without_buffer_gets_the_shore_buffer():
    rows = clean_plots()
    rows[0]["env_group"] = "E"
    sea = _wetland().assign(kind="sea", buffer_m=0.0).set_geometry(
        [box(-300, -1300, 600, 300)], crs=4326)   # 1,000 m south of the plots
    assert run(rows, context(protected_areas=sea)).issues == []
    near = context(protected_areas=sea, params=ValidationParams(shore_buffer_m=1200))
    assert [i.feature for i in only(run(rows, near), "env_buffer")] == [0]


def test_customs_site_criteria():
    good = [{"geometry": box(700, 0, 250, 250)}]   # 6.25 ha, 300 m from the gate
    assert run(clean_plots(), customs_site=good).issues == []
    small = [{"geometry": box(700, 0, 100, 100)}]
    (issue,) = only(run(clean_plots(), customs_site=small), "customs_site_criteria")
    assert issue.layer is LayerRole.CUSTOMS_SITE and issue.extra["criterion"] == "area"
    far = context(port_gate=lonlat(shapely.Point(X + 5000, Y)))
    (issue,) = only(run(clean_plots(), far, customs_site=good), "customs_site_criteria")
    assert issue.extra["criterion"] == "port_gate"
    held = context(held_plots=_held("H1", box(750, 50, 50, 50)))
    found = only(run(clean_plots(), held, customs_site=good), "customs_site_criteria")
    assert [i.extra["criterion"] for i in found] == ["held_plot"]
    buffered = context(protected_areas=_wetland())
    found = only(run([], buffered, customs_site=good), "customs_site_criteria")
    assert [i.extra["criterion"] for i in found] == ["buffer"]


def test_issues_in_stable_order_and_blocking():
    rows = clean_plots()
    rows[2]["code"] = None
    rows[0]["geometry"] = BOWTIE
    report = run(rows)
    assert [(i.feature, i.code) for i in report.issues] == [(0, "geometry_invalid"),
                                                           (2, "code_missing")]
    assert report.blocking


# --- context from the database (both backends) --------------------------------------


def _upload_of(session, district: str) -> gpd.GeoDataFrame:
    district_id = session.query(District.id).filter(District.code == district).scalar()
    plots = plot_frame(session, where=Plot.district_id == district_id)
    return frame(plots[["code", "land_use", "geometry"]].to_dict("records"))


def test_context_from_demo_database(demo_session):
    ctx = build_context(demo_session, district_code="3")
    assert ctx.district_code == "D3" and ctx.metric_srid == 32639
    assert ctx.district_boundary is not None and ctx.zone_boundary is not None
    assert len(ctx.roads) > 0 and ctx.port_gate is not None
    assert set(ctx.protected_areas["kind"]) == {"wetland", "national_park", "sea"}
    d1 = build_context(demo_session, district_code="D1")
    assert len(d1.held_plots) > 0
    assert set(d1.held_plots["status"]) <= {"allocated", "under_construction", "operating",
                                            "idle"}


def test_unknown_district_refused(demo_session):
    with pytest.raises(DistrictNotFound):
        build_context(demo_session, district_code="D9")


@pytest.mark.parametrize("district", ["D1", "D2", "D3"])
def test_demo_plan_validates_without_errors(demo_session, district):
    report = validate({LayerRole.PLOTS: _upload_of(demo_session, district)},
                      build_context(demo_session, district_code=district))
    assert not report.blocking, [i.message_en for i in report.issues if
                                 i.severity is Severity.ERROR]


def test_demo_held_plot_recoded_conflicts(demo_session):
    ctx = build_context(demo_session, district_code="D1")
    upload = _upload_of(demo_session, "D1")
    held_code = ctx.held_plots["code"].iloc[0]
    upload.loc[upload["code"] == held_code, "code"] = "NEW-1"
    report = validate({LayerRole.PLOTS: upload}, ctx)
    conflicts = [i for i in report.issues if i.code == "held_plot_conflict"]
    assert [i.extra["held_code"] for i in conflicts] == [held_code]


def test_generated_plan_reports_exactly_the_injected_defects():
    """The benchmark's generator at a small size: every defect found, no false one."""
    from bench.uploads_validate import _lonlat, build_upload, context_for

    plan = build_upload(2000, 2)
    plots = frame([{"code": c, "land_use": "industrial", "geometry": g}
                   for c, g in zip(plan["codes"], _lonlat(plan["geoms"]), strict=True)])
    roads = frame([{"geometry": g} for g in _lonlat(plan["roads"])], "roads")
    report = validate({LayerRole.PLOTS: plots, LayerRole.ROADS: roads}, context_for(plan))
    assert Counter((i.code, i.feature) for i in report.issues) == plan["expected"]
    assert len({code for code, _ in plan["expected"]}) == 6


def test_large_upload_read_from_a_file_finds_exactly_the_injected_defects(tmp_path) -> None:
    """6,000 plots read from a GeoPackage: every injected defect and no other."""
    from bench.uploads_validate import build_upload, context_for, write_upload
    from zones.uploads.contract import ReadOptions, UploadLimits
    from zones.uploads.reading import read_upload

    plan = build_upload(6000, 3)
    path = tmp_path / "plan.gpkg"
    write_upload(plan, path)
    context = context_for(plan)
    extent = tuple(gpd.GeoSeries([context.zone_boundary], crs=4326).total_bounds)
    read = read_upload(path, filename=path.name, options=ReadOptions(layers={
        "plots": LayerRole.PLOTS, "roads": LayerRole.ROADS}), limits=UploadLimits(),
        zone_extent=extent)
    report = validate(read.layers, context)
    assert Counter((i.code, i.feature) for i in report.issues) == plan["expected"]
