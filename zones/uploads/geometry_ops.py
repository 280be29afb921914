"""Vectorised geometry work of upload validation: projection, pair finding, two threads.

* :class:`Halves` runs an element-wise shapely / pyproj call on the two halves of its
  arrays at once (both release the GIL), so a large upload is checked on two cores.
* :func:`project` moves geometries between CRSs with one pyproj call on their coordinate
  array and rebuilds them from it — the same coordinates as ``GeoSeries.to_crs``, without
  its per-geometry copy.
* :func:`envelope_pairs` finds the pairs whose envelopes come within a distance (one
  index-only STRtree query); :func:`envelope_overlap` measures pairs from their bounds, an
  exact and cheap bound on what the geometries can share or how near they can be.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer

_SPLIT_FROM = 2000  # elements; below this one call is cheaper than two threads


class Halves:
    """Element-wise work split over the calling thread and one worker thread.

    Without a pool (small uploads) every call simply runs in the calling thread.
    """

    def __init__(self, pool: ThreadPoolExecutor | None) -> None:
        self.pool = pool

    def _split(self, n: int) -> int | None:
        if self.pool is None or n < _SPLIT_FROM:
            return None
        return n // 2

    def map(self, fn: Callable[..., np.ndarray], *arrays: np.ndarray) -> np.ndarray:
        """``fn(*arrays)`` for an element-wise ``fn`` returning one array along axis 0."""
        h = self._split(len(arrays[0]))
        if h is None:
            return fn(*arrays)
        assert self.pool is not None
        first = self.pool.submit(fn, *(a[:h] for a in arrays))
        second = fn(*(a[h:] for a in arrays))
        return np.concatenate([first.result(), second])

    def query(self, tree: shapely.STRtree, geoms: np.ndarray, predicate: str | None = None
              ) -> np.ndarray:
        """``tree.query(geoms, predicate)``: (input index, tree index) pairs, in its order.

        The tree must have been queried once already (GEOS builds it on the first query).
        """
        h = self._split(len(geoms))
        if h is None:
            return tree.query(geoms, predicate=predicate)
        assert self.pool is not None
        first = self.pool.submit(tree.query, geoms[:h], predicate=predicate)
        second = tree.query(geoms[h:], predicate=predicate)
        second[0] += h
        return np.concatenate([first.result(), second], axis=1)


_local = threading.local()


def _transformer(src: int, dst: int) -> Transformer:
    """One transformer per thread and CRS pair (a pyproj object is not shared by threads)."""
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


def project(geoms: np.ndarray | Any, src: int, dst: int, halves: Halves | None = None
            ) -> np.ndarray:
    """``geoms`` from CRS ``src`` to ``dst`` (EPSG codes), x/y order kept (always_xy)."""
    geoms = np.asarray(geoms, dtype=object)
    if len(geoms) == 0:
        return np.array([], dtype=object)
    if (shapely.has_z(geoms) | shapely.has_m(geoms)).any():  # rare: left to geopandas
        return gpd.GeoSeries(geoms, crs=src).to_crs(dst).to_numpy()
    if halves is None:
        return _project_part(geoms, src, dst)
    return halves.map(lambda part: _project_part(part, src, dst), geoms)


def envelope_pairs(tree: shapely.STRtree, bounds: np.ndarray, distance: float,
                   halves: Halves) -> np.ndarray:
    """(i < j) pairs of the tree's geometries whose envelopes come within ``distance``
    (each envelope grown by it on every side): an index-only query.

    The grown envelopes are given to the tree as their diagonals (two-point lines, whose
    envelope they are): cheaper to make than boxes, and the same query.
    """
    grown = np.stack([bounds[:, :2] - distance, bounds[:, 2:] + distance], axis=1)
    found = halves.query(tree, shapely.linestrings(grown))
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
