"""Street-grid layout of an industrial estate, in metres (EPSG:32639).

A district is a stack of *blocks* between roads. Each block holds two rows of plots back
to back, so every plot faces a road: the upper row the road above the block, the lower
row the road below. Blocks sit in columns separated by local roads; a spine road runs
across the middle and collectors separate the other block rows. A green strip on the
east side makes up the difference between the laid-out grid and the district's gross
area.

Neighbouring plots are *noded*: where back-to-back rows are cut at different places,
each plot also carries the other row's cut points on its back edge, so after
reprojection shared boundaries are vertex-for-vertex identical and no sliver overlap
appears.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely import affinity

PERIMETER_ROAD = 16.0
LOCAL_ROAD = 16.0
COLLECTOR_ROAD = 20.0
SPINE_ROAD = 30.0


@dataclass
class Road:
    """A road centreline (metres) with its right-of-way width and hierarchy."""

    line: shapely.LineString
    width: float
    kind: str  # spine | collector | local


@dataclass
class Layout:
    """A laid-out district in local metres (origin at the district's south-west corner)."""

    plots: list[shapely.Polygon]
    codes: list[str]
    roads: list[Road]
    green: shapely.Polygon | None
    utility: shapely.Polygon | None
    boundary: shapely.Polygon
    extra: dict[str, float] = field(default_factory=dict)


def _balanced_rows(widths: np.ndarray, n_rows: int) -> list[list[int]]:
    """Split plot indices, in order, into ``n_rows`` runs of near-equal total width."""
    cumulative = np.cumsum(widths)
    targets = cumulative[-1] * np.arange(1, n_rows) / n_rows
    cuts = np.searchsorted(cumulative, targets)
    bounds = [0, *[int(c) + 1 for c in cuts], len(widths)]
    rows = [list(range(a, b)) for a, b in itertools.pairwise(bounds)]
    return [r for r in rows if r]


def _row_cuts(widths: np.ndarray, length: float) -> np.ndarray:
    """Cut positions 0..length of a row whose plot widths are scaled to fill it exactly."""
    edges = np.concatenate([[0.0], np.cumsum(widths)])
    return edges * (length / edges[-1])


def _noded_plot(x0: float, x1: float, y_front: float, y_back: float,
                other_cuts: np.ndarray) -> shapely.Polygon:
    """A rectangle [x0, x1] × between the front and back lines, back edge noded."""
    inner = other_cuts[(other_cuts > x0 + 1e-6) & (other_cuts < x1 - 1e-6)]
    back = [(x, y_back) for x in inner]
    if y_back > y_front:  # plot of the lower row: back edge on top, traversed east→west
        ring = [(x0, y_front), (x1, y_front), (x1, y_back), *reversed(back), (x0, y_back)]
    else:  # upper row: back edge at the bottom, traversed west→east
        ring = [(x0, y_back), *back, (x1, y_back), (x1, y_front), (x0, y_front)]
    return shapely.Polygon(ring)


def lay_out(
    areas: np.ndarray,
    *,
    depth: float,
    block_length: float,
    columns: int,
    gross_area: float | None,
    prefix: str = "",
) -> Layout:
    """Lay plots of the given target ``areas`` (m²) out on a street grid.

    ``depth`` is the plot depth (m), ``block_length`` the length of a block between
    local roads, ``columns`` the number of block columns. With ``gross_area`` the green
    strip pads the district to that area (m²) when the grid is smaller; the caller picks
    parameters that keep the grid below it.
    """
    widths = areas / depth
    n_rows = max(1, math.ceil(widths.sum() / block_length))
    n_blocks = math.ceil(n_rows / 2)
    blocks_per_column = math.ceil(n_blocks / columns)
    # Rows are filled column by column, block by block: give each column whole blocks.
    rows = _balanced_rows(widths, n_rows)
    n_gaps = blocks_per_column + 1
    spine_gap = blocks_per_column // 2
    gap_widths = [PERIMETER_ROAD if g in (0, n_gaps - 1) else
                  SPINE_ROAD if g == spine_gap else COLLECTOR_ROAD for g in range(n_gaps)]
    gap_kind = ["local" if g in (0, n_gaps - 1) else "spine" if g == spine_gap else "collector"
                for g in range(n_gaps)]
    # y of each gap's lower edge, from the south.
    gap_y = [0.0]
    for g in range(1, n_gaps):
        gap_y.append(gap_y[-1] + gap_widths[g - 1] + 2 * depth)
    height = gap_y[-1] + gap_widths[-1]
    width_grid = columns * block_length + (columns + 1) * LOCAL_ROAD

    plots: list[shapely.Polygon] = []
    codes: list[str] = []
    row_iter = iter(rows)
    for c in range(columns):
        x_left = LOCAL_ROAD + c * (block_length + LOCAL_ROAD)
        for b in range(blocks_per_column):
            lower = next(row_iter, None)
            upper = next(row_iter, None)
            if lower is None:
                break
            y_bottom = gap_y[b] + gap_widths[b]
            y_mid, y_top = y_bottom + depth, y_bottom + 2 * depth
            lower_cuts = x_left + _row_cuts(widths[lower], block_length)
            upper_cuts = (x_left + _row_cuts(widths[upper], block_length)
                          if upper is not None else np.array([]))
            block_no = c * blocks_per_column + b + 1
            for k in range(len(lower)):
                plots.append(_noded_plot(lower_cuts[k], lower_cuts[k + 1], y_bottom, y_mid,
                                         upper_cuts))
                codes.append(f"{prefix}{block_no}-{k + 1:02d}")
            if upper is not None:
                for k in range(len(upper)):
                    plots.append(_noded_plot(upper_cuts[k], upper_cuts[k + 1], y_top, y_mid,
                                             lower_cuts))
                    codes.append(f"{prefix}{block_no}-{len(lower) + k + 1:02d}")

    roads = [Road(shapely.LineString([(0, y + w / 2), (width_grid, y + w / 2)]), w, kind)
             for y, w, kind in zip(gap_y, gap_widths, gap_kind, strict=True)]
    for c in range(columns + 1):
        x = c * (block_length + LOCAL_ROAD) + LOCAL_ROAD / 2
        roads.append(Road(shapely.LineString([(x, 0), (x, height)]), LOCAL_ROAD, "local"))

    green = utility = None
    total_width = width_grid
    if gross_area is not None and gross_area > width_grid * height * 1.001:
        strip = (gross_area - width_grid * height) / height
        total_width = width_grid + strip
        utility_height = min(height / 3, 8000 / max(strip, 1.0))
        utility = shapely.box(width_grid, 0, total_width, utility_height)
        green = shapely.box(width_grid, utility_height, total_width, height)
    # The boundary carries the strip's corners as vertices: straight edges bend under
    # reprojection, so a corner lying mid-edge would end up a hair outside.
    corners = [(0, 0), (width_grid, 0), (total_width, 0)]
    if utility is not None:
        corners.append((total_width, utility.bounds[3]))
    corners += [(total_width, height), (width_grid, height), (0, height)]
    boundary = shapely.Polygon(list(dict.fromkeys(corners)))
    return Layout(plots=plots, codes=codes, roads=roads, green=green, utility=utility,
                  boundary=boundary, extra={"grid_area": width_grid * height})


def place(geoms: list[shapely.Geometry], *, centre: tuple[float, float],
          origin: tuple[float, float], angle: float) -> list[shapely.Geometry]:
    """Rotate local-metre geometries by ``angle`` degrees about ``origin``, then move
    ``origin`` to ``centre`` (UTM metres). One affine map for all, so shared vertices
    stay identical."""
    cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    ox, oy = origin
    cx, cy = centre
    # x' = cos·(x-ox) - sin·(y-oy) + cx ; y' = sin·(x-ox) + cos·(y-oy) + cy
    matrix = [cos, -sin, sin, cos, cx - cos * ox + sin * oy, cy - sin * ox - cos * oy]
    return [affinity.affine_transform(g, matrix) for g in geoms]


def insert_vertices(poly: shapely.Polygon, points: list[tuple[float, float]],
                    tolerance: float = 1e-6) -> shapely.Polygon:
    """``poly`` with every point of ``points`` that lies on one of its edges added as a
    vertex (in order along the edge), so it shares vertices with a neighbour that has them."""
    coords = list(poly.exterior.coords)
    out: list[tuple[float, float]] = []
    for a, b in itertools.pairwise(coords):
        out.append(a)
        segment = shapely.LineString([a, b])
        on_edge = [p for p in points if p != a and p != b
                   and segment.distance(shapely.Point(p)) < tolerance]
        out.extend(sorted(on_edge, key=lambda p: segment.project(shapely.Point(p))))
    return shapely.Polygon(out)
