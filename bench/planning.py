"""Planning benchmarks: each time beside a floor or an exhaustive solver measured in the same run.

    .venv/bin/python -W ignore -m bench.planning
"""

from __future__ import annotations

import datetime as dt
import itertools
import time
from collections.abc import Callable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from zones.planning.layout import lay_out
from zones.planning.serviceability import ServiceParams, plot_service
from zones.planning.siting import locate


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def layout() -> None:
    """A 100 ha concave area with a hole, beside one vectorised cut into 50 m cells."""
    area = shapely.Polygon([(0, 0), (1200, 0), (1200, 700), (600, 700), (600, 1100),
                            (0, 1100)]).difference(shapely.box(300, 300, 400, 420))
    scale = (1e6 / area.area) ** 0.5
    area = shapely.affinity.scale(area, scale, scale, origin=(0, 0))
    took, laid = timed(lambda: lay_out(area))
    minx, miny, maxx, maxy = area.bounds
    xs, ys = np.meshgrid(np.arange(minx, maxx, 50), np.arange(miny, maxy, 50))
    cells = shapely.box(xs.ravel(), ys.ravel(), xs.ravel() + 50, ys.ravel() + 50)
    floor, _ = timed(lambda: shapely.intersection(area, cells))
    print(f"layout 100 ha: {took:.3f} s for {len(laid.parcels)} parcels; floor (one "
          f"vectorised cut into {len(cells)} cells) {floor:.3f} s; ratio {took / floor:.1f}")


def serviceability(rng: np.random.Generator) -> None:
    """100k plots over a grid of ~10k power feeder segments, beside one STRtree join."""
    step, k = 50.0, 71
    lines = []
    for i in range(k + 1):
        for j in range(k):
            lines.append(shapely.LineString([(j * step, i * step), ((j + 1) * step, i * step)]))
            lines.append(shapely.LineString([(i * step, j * step), (i * step, (j + 1) * step)]))
    segs = len(lines)
    feeders = gpd.GeoDataFrame({
        "id": range(segs), "network": "power", "kind": "feeder_20kv",
        "status": rng.choice(["complete", "planned"], size=segs, p=[0.8, 0.2]),
        "planned_completion": [dt.date(2027, 1 + int(m), 1) for m in rng.integers(0, 12, segs)],
        "completed_on": None, "capacity": None, "capacity_unit": None,
    }, geometry=lines, crs=32639)
    source = gpd.GeoDataFrame({
        "id": [segs], "network": "power", "kind": "substation_63_20kv", "status": "complete",
        "planned_completion": [None], "completed_on": None, "capacity": [30.0],
        "capacity_unit": ["MVA"],
    }, geometry=[shapely.Point(0, 0)], crs=32639)
    assets = gpd.GeoDataFrame(pd.concat([feeders, source], ignore_index=True), crs=32639)
    pts = rng.uniform(0, k * step, (100_000, 2))
    plots = gpd.GeoDataFrame(
        geometry=shapely.box(pts[:, 0], pts[:, 1], pts[:, 0] + 20, pts[:, 1] + 20), crs=32639)
    params = ServiceParams(networks=("power",), reach_m=20)
    took, _ = timed(lambda: plot_service(plots, assets, params))
    floor, _ = timed(lambda: shapely.STRtree(assets.geometry.to_numpy()).query(
        plots.geometry.to_numpy(), predicate="dwithin", distance=20))
    print(f"serviceability 100k plots x {segs} segments: {took:.2f} s; floor (one STRtree "
          f"dwithin join) {floor:.2f} s; ratio {took / floor:.1f}")


def siting(rng: np.random.Generator) -> None:
    """1000 demand points, 50 candidates, p = 2: spopt + CBC beside exhaustive search."""
    demand = rng.uniform(0, 10_000, (1000, 2))
    weight = rng.uniform(1, 100, 1000)
    sites = rng.uniform(0, 10_000, (50, 2))
    cost = np.hypot(demand[:, None, 0] - sites[None, :, 0],
                    demand[:, None, 1] - sites[None, :, 1])
    pairs = [list(c) for c in itertools.combinations(range(50), 2)]
    exhaustive = {
        "p_median": lambda: min(float((weight * cost[:, c].min(axis=1)).sum()) for c in pairs),
        "mclp": lambda: max(float(weight[(cost[:, c] <= 3000).any(axis=1)].sum())
                            for c in pairs),
    }
    for model, brute in exhaustive.items():
        took, result = timed(lambda m=model: locate(demand, weight, sites, model=m, p=2,
                                                    service_radius_m=3000))
        floor, best = timed(brute)
        print(f"siting {model} 1000 x 50, p=2: spopt+CBC {took:.2f} s (objective "
              f"{result['objective']:.1f}); exhaustive {floor:.2f} s (objective {best:.1f})")


if __name__ == "__main__":
    generator = np.random.default_rng(0)
    layout()
    serviceability(generator)
    siting(generator)
