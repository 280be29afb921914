"""Expansion layouts: valid, non-overlapping plots inside the area, each on a road."""

from __future__ import annotations

import itertools

import pytest
import shapely

from zones import errors
from zones.planning.layout import ACCESS_TOLERANCE_M, LayoutParams, capacity, compare, lay_out

SQUARE = shapely.box(0, 0, 600, 600)
# An L shape (concave) and a rectangle with a pond in it (a hole), in metres.
CONCAVE = shapely.Polygon([(0, 0), (700, 0), (700, 220), (260, 220), (260, 520), (0, 520)])
WITH_HOLE = shapely.Polygon(shapely.box(0, 0, 520, 420).exterior,
                            [shapely.box(170, 140, 280, 270).exterior])
AREAS = {"square": SQUARE, "concave": CONCAVE, "hole": WITH_HOLE}


def _check_plots(area: shapely.Geometry, params: LayoutParams) -> None:
    layout = lay_out(area, params)
    plots = layout.plots
    roads = shapely.union_all(layout.roads.geometry.to_numpy())
    assert len(plots) > 10
    assert plots.is_valid.all()
    assert plots.within(area.buffer(1e-6)).all()
    assert (plots.distance(roads) <= ACCESS_TOLERANCE_M).all()
    assert (plots.area >= params.min_plot_area_m2 - 1e-6).all()
    for a, b in itertools.combinations(layout.parcels.geometry, 2):
        assert a.intersection(b).area < 1e-3
    for plot in plots.geometry:
        assert plot.intersection(roads).area < 1e-3


@pytest.mark.parametrize("name", list(AREAS))
@pytest.mark.parametrize("angle", [0.0, 23.0])
def test_plots_are_valid_inside_disjoint_and_on_a_road(name: str, angle: float) -> None:
    _check_plots(AREAS[name], LayoutParams(angle_deg=angle))


def test_plots_avoid_the_hole() -> None:
    hole = shapely.box(170, 140, 280, 270)
    plots = lay_out(WITH_HOLE).plots
    assert not plots.intersects(hole.buffer(-0.01)).any()


@pytest.mark.parametrize("name", list(AREAS))
def test_same_inputs_give_the_same_layout(name: str) -> None:
    params = LayoutParams(angle_deg=12.5, target_plot_area_m2=4000)
    first, second = lay_out(AREAS[name], params), lay_out(AREAS[name], params)
    assert first.parcels.drop(columns="geometry").equals(second.parcels.drop(columns="geometry"))
    assert all(a.equals_exact(b, 0) for a, b in zip(first.parcels.geometry,
                                                  second.parcels.geometry, strict=True))


def test_capacity_adds_up_and_follows_the_brief_rates() -> None:
    params = LayoutParams(green_share=0.1, utility_share=0.05)
    layout = lay_out(SQUARE, params)
    cap = capacity(layout)
    shares = cap["shares"]
    assert sum(shares.values()) == pytest.approx(1, abs=1e-3)
    assert shares["green"] >= 0.1 - 1e-3 and shares["utilities"] >= 0.05 - 1e-3
    assert cap["plots"] == sum(cap["plots_by_size_class"].values()) == len(layout.plots)
    net_ha = cap["net_saleable_m2"] / 10_000
    assert net_ha == pytest.approx(layout.plots.area.sum() / 10_000, rel=1e-6)
    assert cap["power_kva"] == pytest.approx([200 * net_ha, 500 * net_ha], abs=0.1)
    assert cap["water_m3_day"] == pytest.approx([0.5 * 86.4 * net_ha, 86.4 * net_ha], abs=0.1)
    assert cap["floor_area_m2"] == pytest.approx(cap["net_saleable_m2"] * 1.2, abs=0.1)


def test_bigger_target_plots_give_fewer_larger_plots() -> None:
    small = capacity(lay_out(SQUARE, LayoutParams(target_plot_area_m2=2500)))
    large = capacity(lay_out(SQUARE, LayoutParams(target_plot_area_m2=10000)))
    table = compare({"small": small, "large": large})
    assert table.loc["plots", "small"] > table.loc["plots", "large"]
    assert table.loc["mean_plot_m2", "small"] < table.loc["mean_plot_m2", "large"]


@pytest.mark.parametrize("params", [LayoutParams(plot_depth_m=0),
                                    LayoutParams(green_share=0.5, utility_share=0.5),
                                    LayoutParams(coverage=1.5)])
def test_unusable_parameters_are_refused(params: LayoutParams) -> None:
    with pytest.raises(errors.LayoutParametersInvalid):
        lay_out(SQUARE, params)


@pytest.mark.parametrize("area", [shapely.Polygon(), shapely.LineString([(0, 0), (1, 1)]),
                                  shapely.Polygon([(0, 0), (10, 10), (10, 0), (0, 10)])])
def test_unusable_areas_are_refused(area: shapely.Geometry) -> None:
    with pytest.raises(errors.InvalidGeometry):
        lay_out(area)
