"""Customs siting: the facility-location models agree with exhaustive search."""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pytest
import shapely

from zones import errors
from zones.planning.siting import SitingContext, SitingParams, locate, score_sites


def _instance(seed: int, n_demand: int = 12, n_sites: int = 6):
    rng = np.random.default_rng(seed)
    return (rng.uniform(0, 5000, (n_demand, 2)), rng.uniform(1, 10, n_demand),
            rng.uniform(0, 5000, (n_sites, 2)))


def _cost(d, s):
    return np.hypot(d[:, None, 0] - s[None, :, 0], d[:, None, 1] - s[None, :, 1])


def _brute_pmedian(d, w, s, p, fixed=()):
    cost = _cost(d, s)
    best = min((float((w * cost[:, list(c)].min(axis=1)).sum()), c)
               for c in itertools.combinations(range(len(s)), p) if set(fixed) <= set(c))
    return best[0]


def _brute_mclp(d, w, s, p, radius, fixed=()):
    cost = _cost(d, s)
    return max(float(w[(cost[:, list(c)] <= radius).any(axis=1)].sum())
               for c in itertools.combinations(range(len(s)), p) if set(fixed) <= set(c))


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("p", [1, 2, 3])
def test_p_median_equals_exhaustive_search(seed: int, p: int) -> None:
    d, w, s = _instance(seed)
    result = locate(d, w, s, model="p_median", p=p)
    assert len(result["chosen"]) == p
    assert result["objective"] == pytest.approx(_brute_pmedian(d, w, s, p), abs=0.01)


@pytest.mark.parametrize("seed", [4, 5, 6])
@pytest.mark.parametrize("p", [1, 2])
def test_max_coverage_equals_exhaustive_search(seed: int, p: int) -> None:
    d, w, s = _instance(seed)
    result = locate(d, w, s, model="mclp", p=p, service_radius_m=1500)
    assert result["objective"] == pytest.approx(_brute_mclp(d, w, s, p, 1500), abs=0.01)


@pytest.mark.parametrize("model", ["p_median", "mclp"])
def test_fixed_facility_stays_and_rest_is_optimal(model: str) -> None:
    d, w, s = _instance(7)
    fixed = np.zeros(len(s), dtype=bool)
    fixed[4] = True
    result = locate(d, w, s, model=model, p=2, service_radius_m=1500, fixed=fixed)
    assert 4 in result["chosen"]
    expected = (_brute_pmedian(d, w, s, 2, fixed=(4,)) if model == "p_median"
                else _brute_mclp(d, w, s, 2, 1500, fixed=(4,)))
    assert result["objective"] == pytest.approx(expected, abs=0.01)


def test_p_larger_than_candidates_is_refused() -> None:
    d, w, s = _instance(1, n_sites=2)
    with pytest.raises(errors.SitingInputInvalid):
        locate(d, w, s, model="p_median", p=3)


def _ctx() -> SitingContext:
    return SitingContext(
        port_gate=shapely.Point(0, 0),
        rail=shapely.LineString([(0, -100), (5000, -100)]),
        main_roads=shapely.LineString([(0, 0), (5000, 0)]),
        buffers=shapely.box(3000, 1000, 4000, 2000),
        held_plots=shapely.box(0, 2000, 400, 2400))


def test_scores_follow_the_criteria_and_hard_rules() -> None:
    sites = gpd.GeoDataFrame({"code": ["near", "far", "wet", "taken", "tiny"]}, geometry=[
        shapely.box(0, 10, 300, 310),        # 9 ha, at the gate, on the road
        shapely.box(2500, 10, 2800, 310),    # same shape, 2.5 km along
        shapely.box(3200, 1200, 3500, 1500),  # inside a wetland buffer
        shapely.box(100, 2100, 400, 2400),   # on a held plot
        shapely.box(0, 400, 100, 500),       # 1 ha: too small, off the road
    ], crs=32639)
    scored = score_sites(sites, _ctx(), SitingParams()).set_index("code")
    assert scored.loc["near", "rank"] == 1
    assert scored.loc["near", "score"] > scored.loc["far", "score"] > 0
    assert scored.loc["near", "score_area"] == 1 and scored.loc["tiny", "score_area"] == 0
    assert scored.loc["tiny", "score_road"] == 0
    assert not scored.loc["wet", "eligible"] and scored.loc["wet", "score"] == 0
    assert not scored.loc["taken", "eligible"] and scored.loc["taken", "score"] == 0
    assert scored.loc["near", "queue_m"] >= 500


def test_unknown_weight_is_refused() -> None:
    with pytest.raises(errors.SitingInputInvalid):
        SitingParams(weights={"beauty": 1.0}).check()
