"""Lay out roads, blocks and plots inside an expansion polygon, and report its capacity.

Everything is in metres in the zone's metric CRS (EPSG:32639 for Anzali). The layout is
computed in a frame rotated by ``angle_deg`` so roads run along the x axis there:

- local roads run along x every ``2 * plot_depth_m + local_road_m`` metres (a block is two
  rows of plots back to back, each row fronting its own road); the local road nearest the
  area's centroid is widened to the spine;
- collectors cross them every ``block_length_m``;
- each row is cut into plots of ``plot_frontage_m`` modules, as many modules per plot as
  reach ``target_plot_area_m2``.

Irregular areas (concave, with holes) leave pieces that are too small, too narrow or cut
off from every road: they become green space, never plots. Green and utility set-asides are
then topped up to their target shares from the smallest plots. Only geometry operations
with a fixed order are used, so the same inputs always give the same layout.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import asdict, dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely import affinity

from zones import errors

# Plots touch their road along a shared edge; rounding in the rotation leaves gaps of
# micrometres, so access is tested within a centimetre.
ACCESS_TOLERANCE_M = 0.01
# Scraps of land too small or thin even for green space (upload validation calls them
# slivers): kept as "remnant", reported, never turned into plan features.
SLIVER_AREA_M2 = 100.0
SLIVER_WIDTH_M = 5.0
SIZE_CLASSES = ((0, 2000, "small"), (2000, 5000, "medium"), (5000, 10000, "large"),
                (10000, math.inf, "very_large"))


@dataclass(frozen=True)
class LayoutParams:
    """Layout parameters with the demo defaults (domain brief §3 and §6)."""

    spine_road_m: float = 30.0
    collector_road_m: float = 20.0
    local_road_m: float = 14.0
    plot_depth_m: float = 50.0
    plot_frontage_m: float = 25.0
    target_plot_area_m2: float = 2500.0
    block_length_m: float = 300.0
    min_plot_area_m2: float = 1000.0
    min_plot_width_m: float = 20.0
    angle_deg: float = 0.0
    green_share: float = 0.08
    utility_share: float = 0.05
    coverage: float = 0.6
    far: float = 1.2
    power_kva_per_net_ha: tuple[float, float] = (200.0, 500.0)
    water_lps_per_net_ha: tuple[float, float] = (0.5, 1.0)

    def check(self) -> None:
        positive = ("spine_road_m", "collector_road_m", "local_road_m", "plot_depth_m",
                    "plot_frontage_m", "target_plot_area_m2", "block_length_m", "coverage",
                    "far")
        for name in positive:
            if getattr(self, name) <= 0:
                raise errors.LayoutParametersInvalid(f"{name} must be positive", field=name)
        if not 0 <= self.green_share + self.utility_share < 0.9:
            raise errors.LayoutParametersInvalid("green + utility shares must be in [0, 0.9)",
                                                 field="green_share")
        if self.coverage > 1:
            raise errors.LayoutParametersInvalid("coverage is a share of the plot (≤ 1)",
                                                 field="coverage")


@dataclass
class Layout:
    """A laid-out area: ``roads`` (kind, width_m) and ``parcels`` (use plot, green, utility
    or remnant)."""

    area: shapely.Polygon | shapely.MultiPolygon
    roads: gpd.GeoDataFrame
    parcels: gpd.GeoDataFrame
    params: LayoutParams

    @property
    def plots(self) -> gpd.GeoDataFrame:
        return self.parcels[self.parcels["use"] == "plot"]


def _strip(y0: float, y1: float, x0: float, x1: float) -> shapely.Polygon:
    return shapely.box(x0, y0, x1, y1)


def _roads(area: shapely.Geometry, p: LayoutParams) -> list[tuple[str, float, shapely.Geometry]]:
    """Road strips (kind, width, polygon) in the rotated frame, clipped to the area."""
    minx, miny, maxx, maxy = area.bounds
    pitch = 2 * p.plot_depth_m + p.local_road_m
    ys = np.arange(miny + p.plot_depth_m + p.local_road_m / 2, maxy, pitch)
    if len(ys) == 0:
        ys = np.array([(miny + maxy) / 2])
    spine_y = ys[int(np.argmin(np.abs(ys - area.centroid.y)))]
    out = []
    for y in ys:
        kind, width = ("spine", p.spine_road_m) if y == spine_y else ("local", p.local_road_m)
        out.append((kind, width, _strip(y - width / 2, y + width / 2, minx - 1, maxx + 1)))
    for x in np.arange(minx + p.block_length_m, maxx - p.block_length_m / 3, p.block_length_m):
        w = p.collector_road_m
        out.append(("collector", w, _strip(miny - 1, maxy + 1, x - w / 2, x + w / 2)))
    return [(k, w, g.intersection(area)) for k, w, g in out if g.intersects(area)]


def _rows(area: shapely.Geometry, road_union: shapely.Geometry, p: LayoutParams
          ) -> list[shapely.Geometry]:
    """Plot rows: the land between roads halved along each block's middle line."""
    minx, miny, maxx, maxy = area.bounds
    pitch = 2 * p.plot_depth_m + p.local_road_m
    land = area.difference(road_union)
    cuts = np.arange(miny + p.plot_depth_m + p.local_road_m / 2 + pitch / 2, maxy, pitch)
    edges = [miny - 1, *cuts, maxy + 1]
    return [land.intersection(_strip(a, b, minx - 1, maxx + 1))
            for a, b in itertools.pairwise(edges)]


def _width(geom: shapely.Geometry) -> float:
    rect = shapely.minimum_rotated_rectangle(geom)
    xy = np.asarray(rect.exterior.coords)
    sides = np.hypot(*np.diff(xy[:3], axis=0).T)
    return float(sides.min())


def _cells(rows: list[shapely.Geometry], p: LayoutParams, minx: float, maxx: float
           ) -> list[shapely.Polygon]:
    modules = max(1, round(p.target_plot_area_m2 / (p.plot_depth_m * p.plot_frontage_m)))
    step = modules * p.plot_frontage_m
    xs = [*np.arange(minx, maxx, step), maxx + 1]
    cells: list[shapely.Polygon] = []
    for row in rows:
        if row.is_empty:
            continue
        _, y0, _, y1 = row.bounds
        for a, b in itertools.pairwise(xs):
            piece = row.intersection(_strip(y0 - 1, y1 + 1, a, b))
            cells.extend(g for g in shapely.get_parts(piece)
                         if isinstance(g, shapely.Polygon) and g.area > 1e-6)
    return cells


def _set_aside(parcels: pd.DataFrame, use: str, share: float, gross: float) -> None:
    """Turn the smallest plots into ``use`` until its share of the gross area is reached."""
    have = parcels.loc[parcels["use"] == use, "area_m2"].sum()
    for idx in parcels[parcels["use"] == "plot"].sort_values(["area_m2", "order"]).index:
        if have >= share * gross:
            break
        parcels.loc[idx, "use"] = use
        have += parcels.loc[idx, "area_m2"]


def lay_out(area: shapely.Polygon | shapely.MultiPolygon, params: LayoutParams | None = None,
            *, crs: int = 32639, prefix: str = "P") -> Layout:
    """Lay out ``area`` (metric CRS ``crs``) into roads, plots and set-asides."""
    p = params or LayoutParams()
    p.check()
    if area.is_empty or not area.is_valid or area.geom_type not in ("Polygon", "MultiPolygon"):
        raise errors.InvalidGeometry("the area must be a valid, non-empty polygon")
    origin = area.centroid
    rotated = affinity.rotate(area, -p.angle_deg, origin=origin)
    minx, _, maxx, _ = rotated.bounds
    roads = _roads(rotated, p)
    road_union = shapely.union_all([g for _, _, g in roads])
    rows = _rows(rotated, road_union, p)
    cells = _cells(rows, p, minx, maxx)
    records = []
    for i, cell in enumerate(sorted(cells, key=lambda g: (round(g.centroid.y, 3),
                                                          round(g.centroid.x, 3)))):
        reaches = cell.distance(road_union) <= ACCESS_TOLERANCE_M
        ok = (reaches and cell.area >= p.min_plot_area_m2
              and _width(cell) >= p.min_plot_width_m)
        sliver = cell.area < SLIVER_AREA_M2 or _width(cell) < SLIVER_WIDTH_M
        use = "plot" if ok else "remnant" if sliver else "green"
        records.append({"order": i, "use": use, "area_m2": cell.area,
                        "width_m": _width(cell), "geometry": cell})
    parcels = pd.DataFrame(records, columns=["order", "use", "area_m2", "width_m", "geometry"])
    gross = rotated.area
    _set_aside(parcels, "green", p.green_share, gross)
    _set_aside(parcels, "utility", p.utility_share, gross)
    back = [affinity.rotate(g, p.angle_deg, origin=origin) for g in parcels["geometry"]]
    parcels_gdf = gpd.GeoDataFrame(parcels.drop(columns="geometry"), geometry=back, crs=crs)
    parcels_gdf["code"] = None
    for use, letter in (("plot", prefix), ("green", "G"), ("utility", "U")):
        rows = parcels_gdf["use"] == use
        parcels_gdf.loc[rows, "code"] = [f"{letter}{n + 1}" for n in range(rows.sum())]
    parcels_gdf["size_class"] = [_size_class(a) for a in parcels_gdf["area_m2"]]
    road_gdf = gpd.GeoDataFrame(
        {"kind": [k for k, _, _ in roads], "width_m": [w for _, w, _ in roads]},
        geometry=[affinity.rotate(g, p.angle_deg, origin=origin) for _, _, g in roads],
        crs=crs)
    return Layout(area=area, roads=road_gdf, parcels=parcels_gdf, params=p)


def _size_class(area_m2: float) -> str:
    return next(name for lo, hi, name in SIZE_CLASSES if lo <= area_m2 < hi)


def capacity(layout: Layout) -> dict[str, Any]:
    """What a layout yields: plots by size class, land shares, floor area, utility demand.

    Road area is the area's land not in any parcel (so clipped road ends count as road).
    Demand is a range (low, high) from the per-net-hectare rates in the parameters;
    water in m³/day = L/s × 86.4.
    """
    p = layout.params
    gross = float(layout.area.area)
    parcels = layout.parcels
    by_use = parcels.groupby("use")["area_m2"].sum()
    net = float(by_use.get("plot", 0.0))
    green = float(by_use.get("green", 0.0))
    utility = float(by_use.get("utility", 0.0))
    remnant = float(by_use.get("remnant", 0.0))
    road = max(gross - net - green - utility - remnant, 0.0)
    plots = layout.plots
    classes = {name: int((plots["size_class"] == name).sum()) for _, _, name in SIZE_CLASSES}
    net_ha = net / 10_000
    return {
        "gross_area_m2": round(gross, 1),
        "plots": len(plots),
        "plots_by_size_class": classes,
        "net_saleable_m2": round(net, 1),
        "net_to_gross": round(net / gross, 4) if gross else 0.0,
        "shares": {"plots": round(net / gross, 4), "roads": round(road / gross, 4),
                   "green": round(green / gross, 4), "utilities": round(utility / gross, 4),
                   "remnants": round(remnant / gross, 4)},
        "mean_plot_m2": round(net / len(plots), 1) if len(plots) else 0.0,
        "footprint_m2": round(net * p.coverage, 1),
        "floor_area_m2": round(net * p.far, 1),
        "power_kva": [round(net_ha * r, 1) for r in p.power_kva_per_net_ha],
        "water_m3_day": [round(net_ha * r * 86.4, 1) for r in p.water_lps_per_net_ha],
    }


def compare(capacities: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """Scenarios side by side: one column per scenario, one row per headline figure."""
    rows: dict[str, dict[str, Any]] = {}
    for name, cap in capacities.items():
        flat = {k: v for k, v in cap.items() if not isinstance(v, dict | list)}
        flat.update({f"plots_{k}": v for k, v in cap["plots_by_size_class"].items()})
        flat.update({f"share_{k}": v for k, v in cap["shares"].items()})
        flat.update({"power_kva_low": cap["power_kva"][0], "power_kva_high": cap["power_kva"][1],
                     "water_m3_day_low": cap["water_m3_day"][0],
                     "water_m3_day_high": cap["water_m3_day"][1]})
        rows[name] = flat
    return pd.DataFrame(rows)


def params_dict(params: LayoutParams) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(params).items()}
