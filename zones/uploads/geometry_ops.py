"""Vectorised geometry work of upload validation: projection and pair finding.

* :func:`project` moves geometries between CRSs with one pyproj call on their coordinate
  array and rebuilds them from it — the same coordinates as ``GeoSeries.to_crs``, without
  its per-geometry copy.
* :func:`envelope_pairs` finds the pairs whose envelopes come within a distance (one
  index-only STRtree query); :func:`envelope_overlap` measures pairs from their bounds, an
  exact and cheap bound on what the geometries can share or how near they can be.
"""

from __future__ import annotations

import threading
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer

_local = threading.local()


def _transformer(src: int, dst: int) -> Transformer:
    """One transformer per thread and CRS pair: a pyproj object is not shared by threads
    (upload jobs validate in threads of their own)."""
    cache = _local.__dict__.setdefault("transformers", {})
    key = (src, dst)
    if key not in cache:
        cache[key] = Transformer.from_crs(src, dst, always_xy=True)
    return cache[key]


def _project_part(geoms: np.ndarray, src: int, dst: int) -> np.ndarray:
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    x, y = _transformer(src, dst).transform(coords[:, 0], coords[:, 1])
    xy = np.column_stack([x, y])
    out = np.empty(len(geoms), dtype=object)
    types = shapely.get_type_id(geoms)
    counts = shapely.get_num_coordinates(geoms)
    # Polygons without holes and linestrings (nearly every plot and road) are built anew
    # from their coordinates in one call; anything else gets its coordinates replaced.
    simple = (types == 3) & (counts >= 4)
    simple[simple] = shapely.get_num_interior_rings(geoms[simple]) == 0
    line = (types == 1) & (counts >= 2)
    if simple.any():
        ends = np.concatenate([[0], np.cumsum(counts[simple])])
        out[simple] = shapely.from_ragged_array(shapely.GeometryType.POLYGON,
                                                xy[simple[index]],
                                                (ends, np.arange(len(ends))))
    if line.any():
        ends = np.concatenate([[0], np.cumsum(counts[line])])
        out[line] = shapely.from_ragged_array(shapely.GeometryType.LINESTRING,
                                              xy[line[index]], (ends,))
    rest = ~(simple | line)
    if rest.any():
        out[rest] = shapely.set_coordinates(geoms[rest].copy(), xy[rest[index]])
    return out


def project(geoms: np.ndarray | Any, src: int, dst: int) -> np.ndarray:
    """``geoms`` from CRS ``src`` to ``dst`` (EPSG codes), x/y order kept (always_xy)."""
    geoms = np.asarray(geoms, dtype=object)
    if len(geoms) == 0:
        return np.array([], dtype=object)
    if (shapely.has_z(geoms) | shapely.has_m(geoms)).any():  # rare: left to geopandas
        return gpd.GeoSeries(geoms, crs=src).to_crs(dst).to_numpy()
    return _project_part(geoms, src, dst)


def envelope_pairs(tree: shapely.STRtree, bounds: np.ndarray, distance: float) -> np.ndarray:
    """(i < j) pairs of the tree's geometries whose envelopes come within ``distance``
    (each envelope grown by it on every side): an index-only query.

    The grown envelopes are given to the tree as their diagonals (two-point lines, whose
    envelope they are): cheaper to make than boxes, and the same query.
    """
    grown = np.stack([bounds[:, :2] - distance, bounds[:, 2:] + distance], axis=1)
    found = tree.query(shapely.linestrings(grown))
    return found[:, found[0] < found[1]]


def envelope_overlap(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Overlap of envelopes ``a`` and ``b`` (rows of minx, miny, maxx, maxy) along x and y:
    positive where they overlap, minus the distance between them where they do not."""
    ex = np.minimum(a[:, 2], b[:, 2]) - np.maximum(a[:, 0], b[:, 0])
    ey = np.minimum(a[:, 3], b[:, 3]) - np.maximum(a[:, 1], b[:, 1])
    return ex, ey


def shrunk(geoms: np.ndarray, epsilon: float) -> np.ndarray:
    """Every vertex moved ``epsilon`` towards the mean of its geometry's vertices.

    Cheaper than a negative buffer and enough to part plots that only touch; for concave
    shapes an edge may move outwards instead, which only adds candidates that the
    shared-area test then drops.
    """
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    count = np.bincount(index, minlength=len(geoms)).clip(min=1)
    centre = np.column_stack([np.bincount(index, coords[:, k], len(geoms)) / count
                              for k in (0, 1)])
    towards = centre[index] - coords
    length = np.hypot(towards[:, 0], towards[:, 1])
    length[length == 0] = 1.0
    moved = coords + towards * (epsilon / length)[:, None]
    return shapely.transform(geoms, lambda _xy: moved)


def widths(geoms: np.ndarray) -> np.ndarray:
    """Short side of each geometry's minimum rotated rectangle, in metres.

    Four-cornered rectangles (most plots) are measured from their own sides; the others
    go through GEOS's minimum rotated rectangle.
    """
    width = np.zeros(len(geoms))
    four = (shapely.get_type_id(geoms) == 3) & (shapely.get_num_coordinates(geoms) == 5)
    four[four] = shapely.get_num_interior_rings(geoms[four]) == 0
    if four.any():
        ring = shapely.get_coordinates(geoms[four]).reshape(-1, 5, 2)
        sides = np.diff(ring, axis=1)
        lengths = np.hypot(sides[..., 0], sides[..., 1])
        dots = np.abs(np.einsum("nij,nij->ni", sides, np.roll(sides, -1, axis=1)))
        square = (dots[:, :4] <= 1e-6 * lengths[:, :4] * np.roll(lengths, -1, axis=1)[:, :4]
                  ).all(axis=1)
        width[np.flatnonzero(four)[square]] = np.minimum(lengths[square, 0],
                                                         lengths[square, 1])
        four[np.flatnonzero(four)[~square]] = False
    rest = np.flatnonzero(~four)
    rect = shapely.minimum_rotated_rectangle(geoms[rest])
    is_poly = shapely.get_type_id(rect) == 3
    # A rotated rectangle has one ring of 5 points; its coordinates are that ring's.
    coords = shapely.get_coordinates(rect[is_poly]).reshape(-1, 5, 2)
    side_a = np.hypot(*(coords[:, 1] - coords[:, 0]).T)
    side_b = np.hypot(*(coords[:, 2] - coords[:, 1]).T)
    width[rest[is_poly]] = np.minimum(side_a, side_b)
    return width
