"""The demo generator: the zone the brief describes, valid geometry, deterministic."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from data.generator import generate


@pytest.fixture(scope="module")
def demo():
    return generate()


def _overlapping_pairs(geoms: np.ndarray) -> np.ndarray:
    """Areas (m²) of pairwise intersections of polygons whose interiors meet."""
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    shared = shapely.intersection(geoms[left[keep]], geoms[right[keep]])
    return gpd.GeoSeries(shared, crs=4326).to_crs(32639).area.to_numpy()


def test_plot_counts_and_states_match_the_brief(demo) -> None:
    plots = demo.plots[demo.plots.land_use == "industrial"]
    key = plots.expansion_code.fillna(plots.district_code)
    assert key.value_counts().to_dict() == {"D1": 100, "D2": 45, "D3": 40, "D2-X": 25}
    d1 = plots[key == "D1"].status.value_counts().to_dict()
    assert d1 == {"operating": 80, "idle": 18, "serviced": 2}
    assert (plots[key == "D3"].status == "reserved").sum() == 12


def test_gross_areas_within_two_percent(demo) -> None:
    areas = dict(zip(demo.districts.code, demo.districts.to_crs(32639).area / 1e4, strict=True))
    assert areas == pytest.approx({"D1": 55, "D2": 25, "D3": 50}, rel=0.02)
    assert demo.expansion_areas.to_crs(32639).area.iloc[0] / 1e4 == pytest.approx(20, rel=0.02)


def test_expansion_touches_district_2_without_overlap(demo) -> None:
    d2 = demo.districts.set_index("code").geometry["D2"]
    expansion = demo.expansion_areas.geometry.iloc[0]
    assert d2.touches(expansion)


def test_plots_are_valid_and_never_overlap_in_wgs84(demo) -> None:
    geoms = demo.plots.geometry.to_numpy()
    assert shapely.is_valid(geoms).all()
    assert (_overlapping_pairs(geoms) < 1e-6).all()


def test_every_plot_lies_in_its_district_and_faces_a_road(demo) -> None:
    districts = demo.districts.set_index("code").geometry
    expansion = demo.expansion_areas.geometry.iloc[0]
    for plot in demo.plots.itertuples():
        in_expansion = isinstance(plot.expansion_code, str)
        container = expansion if in_expansion else districts[plot.district_code]
        assert container.buffer(1e-9).covers(plot.geometry), plot.code
    roads = demo.infrastructure[demo.infrastructure.network == "road"].to_crs(32639)
    right_of_way = shapely.union_all(roads.geometry.buffer(roads.width_m / 2 + 0.5).to_numpy())
    industrial = demo.plots[demo.plots.land_use == "industrial"].to_crs(32639)
    assert shapely.intersects(right_of_way, industrial.geometry.to_numpy()).all()


def test_plots_keep_out_of_wetland_national_park_and_sea(demo) -> None:
    geoms = demo.plots.geometry.to_numpy()
    for area in demo.protected_areas.geometry:
        assert not shapely.intersects(area, geoms).any()


def test_units_dormancy_and_ownership(demo) -> None:
    units = demo.units
    assert len(units) == 143
    dormant = units[units.status == "dormant"]
    assert len(dormant) == 28
    assert dormant.dormancy_cause.value_counts().to_dict() == {
        "finance": 11, "mismanagement": 6, "technology": 6, "bureaucracy": 5}
    assert (~dormant.can_return.astype(bool)).sum() == 14
    owned = units.investor_ref.value_counts()
    assert (owned > 1).sum() == 8 and owned.max() == 3
    plots = demo.plots.set_index(["district_code", "code"]).status
    for unit in units.itertuples():
        expected = "idle" if unit.status == "dormant" else "operating"
        assert plots[(unit.district_code, unit.plot_code)] == expected


def test_networks_start_at_their_source(demo) -> None:
    infra = demo.infrastructure
    sources = infra[infra.kind.isin(["substation_63_20kv", "reservoir"])]
    lines = infra[infra.kind.isin(["feeder_20kv", "main"]) & infra.network.isin(["power",
                                                                                 "water"])]
    starts = shapely.points([g.coords[0] for g in lines.geometry])
    # Each line's first vertex is a source's point, exactly.
    assert shapely.equals(sources.geometry.to_numpy()[:, None], starts[None, :]).any(axis=0).all()


def test_same_seed_same_zone() -> None:
    a, b = generate(seed=7), generate(seed=7)
    assert a.plots.drop(columns="geometry").equals(b.plots.drop(columns="geometry"))
    assert a.plots.geometry.geom_equals_exact(b.plots.geometry, tolerance=0).all()
    assert a.units.equals(b.units)


@pytest.mark.parametrize("n", [1000, 12_345])
def test_scaled_zone_has_exactly_n_valid_plots(n: int) -> None:
    data = generate(plots=n)
    geoms = data.plots.geometry.to_numpy()
    assert len(geoms) == n
    assert shapely.is_valid(geoms).all()
    assert (_overlapping_pairs(geoms) < 1e-6).all()
    assert not data.plots.duplicated(["district_code", "code"]).any()
