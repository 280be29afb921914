"""The revision diff against the district's current plots, checked against hand counts."""

from __future__ import annotations

import pytest

from tests.common import box
from tests.uploads.plan_fixtures import BASE, layers, plan_world, plot
from zones.services.plan_diff import diff_geojson, diff_json, diff_revision
from zones.services.revisions import create_draft_revision


def _revision(session, world, plots, **kw):
    return create_draft_revision(session=session, district_code="D1",
                                 layers=layers(plots, **kw), title="rev",
                                 user=world["users"]["cons"])


def test_identical_plan_is_all_unchanged(session) -> None:
    world = plan_world(session)
    diff = diff_revision(session, _revision(session, world, BASE))
    counts = diff_json(diff)["counts"]
    assert counts == {"added": 0, "removed": 0, "reshaped": 0, "recoded": 0, "rezoned": 0,
                      "unchanged": 5}
    assert diff.warnings == []


def test_diff_counts_each_kind_of_change(session) -> None:
    world = plan_world(session)
    plots = {"3-01": BASE["3-01"], "3-02": plot(2, width=30), "3-30": BASE["3-03"],
             "3-05": BASE["3-05"], "3-09": box(0, 100, 40, 50)}  # 3-04 dropped
    diff = diff_revision(session, _revision(session, world, plots))
    data = diff_json(diff)
    assert data["counts"] == {"added": 1, "removed": 1, "reshaped": 1, "recoded": 1,
                              "rezoned": 0, "unchanged": 2}
    assert [c["code"] for c in data["added"]] == ["3-09"]
    assert [c["code"] for c in data["removed"]] == ["3-04"]
    assert [(c["code"], c["old_code"]) for c in data["recoded"]] == [("3-30", "3-03")]
    reshaped = data["reshaped"][0]
    # 40×50 → 30×50 m: 500 m² less (UTM 39N, float noise of lon/lat storage only).
    assert reshaped["code"] == "3-02"
    assert reshaped["area_delta_m2"] == pytest.approx(-500, abs=0.5)
    # The dropped plot is retired: the diff says so (the recoded 3-03 lives on as 3-30).
    assert data["retire_count"] == 1 and data["retired_codes"] == ["3-04"]
    assert [(w["code"], w["count"], w["plot_codes"]) for w in data["warnings"]] == [
        ("plots_retired", 1, ["3-04"])]


def test_persian_digits_match_the_same_code(session) -> None:
    world = plan_world(session)
    plots = {("۳-۰" + str(k).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))): g
             for k, g in zip(range(1, 6), BASE.values(), strict=True)}
    diff = diff_revision(session, _revision(session, world, plots))
    assert len(diff.unchanged) == 5 and diff.changes == []


def test_held_plot_change_is_a_warning(session) -> None:
    world = plan_world(session)
    plots = {k: v for k, v in BASE.items() if k != "3-05"}
    data = diff_json(diff_revision(session, _revision(session, world, plots)))
    assert data["counts"]["removed"] == 1
    assert [(w["code"], w.get("plot_code"), w.get("status")) for w in data["warnings"]] == [
        ("held_plot_would_change", "3-05", "allocated"), ("plots_retired", None, None)]


def test_rezoning_without_reshaping(session) -> None:
    world = plan_world(session)
    diff = diff_revision(session, _revision(session, world, BASE,
                                            land_use={"3-01": "warehouse"}))
    assert [(c.code, c.land_use_before, c.land_use_after) for c in diff.rezoned] == [
        ("3-01", "industrial", "warehouse")]
    assert len(diff.unchanged) == 4


def test_geojson_has_one_feature_per_change(session) -> None:
    world = plan_world(session)
    plots = {"3-01": BASE["3-01"], "3-02": BASE["3-02"], "3-03": BASE["3-03"],
             "3-04": BASE["3-04"], "3-05": BASE["3-05"], "3-09": box(0, 100, 40, 50)}
    collection = diff_geojson(diff_revision(session, _revision(session, world, plots)))
    assert collection["type"] == "FeatureCollection"
    assert [(f["properties"]["kind"], f["geometry"]["type"]) for f in collection["features"]] \
        == [("added", "Polygon")]
