"""Mapbox Vector Tiles of the zone on the WebMercatorQuad grid (EPSG:3857).

What a tile carries depends on its zoom, so that no tile costs more than a bounded amount
of work however many plots the zone has (issue 18: a z8 tile of 100k plots was 5.5 MB and
took 37 s):

- from ``plot_min_zoom`` (``ZONES_TILE_PLOT_MIN_ZOOM``) to 22: two layers, ``plots``
  (current plots) and ``infrastructure``, each at most ``max_features`` features
  (``ZONES_TILE_MAX_FEATURES``; the lowest ids first, so a truncated tile is the same on
  both backends);
- below it: one layer, ``districts`` — each district's outline with its current plots
  counted per status (:data:`OVERVIEW`). It costs O(districts): the counts come from one
  aggregate query per change of the register (:func:`district_counts`), never from the
  plot geometries.

A feature is in a tile when its geometry intersects the tile's lon/lat bounds; its
geometry is clipped to the tile plus a ``BUFFER``-pixel margin (so strokes do not end at
tile edges) and quantized to ``EXTENT`` units.

PostGIS encodes plot tiles in SQL (``ST_AsMVTGeom`` / ``ST_AsMVT`` on ``ST_TileEnvelope``).
SpatiaLite has no MVT encoder: the features are selected through its R*Tree, projected
and clipped with shapely/pyproj in one vectorized pass, and encoded with
``mapbox-vector-tile``. Overview tiles (a few districts) take that path on both backends.

An empty tile is ``b""`` — nothing is encoded, and the web layer answers 204.

Examples
--------
>>> check_tile(0, 0, 0)
Tile(x=0, y=0, z=0)
>>> check_tile(1, 2, 0)
Traceback (most recent call last):
...
zones.errors.InvalidTile: no tile 1/2/0: at zoom 1, x and y must be 0..1
>>> [(v.id, v.minzoom, v.maxzoom) for v in vector_layers(plot_min_zoom=14)]
[('districts', 0, 13), ('plots', 14, 22), ('infrastructure', 14, 22)]
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import mapbox_vector_tile
import morecantile
import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa
from mapbox_vector_tile.encoder import on_invalid_geometry_make_valid
from sqlalchemy import func
from sqlalchemy.orm import Session

from zones import errors, frames
from zones.db import backend
from zones.model import AuditEvent, District, InfrastructureAsset, Plot, table_of
from zones.model.plots import HELD_STATUSES, PlotStatus

EXTENT = 4096
BUFFER = 64
MAX_ZOOM = 22
WEB_MERCATOR = 3857
TMS = morecantile.tms.get("WebMercatorQuad")

OVERVIEW = "districts"
"""The layer of tiles below ``plot_min_zoom``: per district ``id``, ``code``, ``name_fa``,
``name_en``, ``plots`` (current plots), ``held`` (plots held by an investor),
``main_status`` (the most common plot status; absent when the district has no plot) and
``plots_<status>`` for every plot status."""

COUNTS_MIN_AGE_S = 15.0
"""Counts looked at less than this ago are served without looking for changes again (no
round trip per tile; tiles are cached 60 s by browsers anyway)."""

COUNTS_MAX_AGE_S = 300.0
"""Counts are rebuilt at least this often, changes or not: a change committed while they
were being counted, behind a newer one, is otherwise missed until the next change."""


@dataclass(frozen=True)
class Layer:
    """One MVT layer: the property columns (ordered by id), and the geometry column."""

    name: str
    properties: sa.Select[Any]
    table: sa.Table
    geom: Any


def _text(column: Any) -> Any:
    """An enum column as its stored string: tiles carry plain values on both backends."""
    return sa.type_coerce(column, sa.String).label(column.key)


def layers() -> tuple[Layer, ...]:
    """The layers of every tile from the plot zoom on, in encoding order."""
    a = InfrastructureAsset
    plots = (sa.select(Plot.id, District.code.label("district_code"), Plot.code,
                       _text(Plot.land_use), _text(Plot.status), Plot.area_m2)
             .join(District, Plot.district_id == District.id)
             .where(Plot.valid_to.is_(None)).order_by(Plot.id))
    infrastructure = (sa.select(a.id, _text(a.network), a.kind, _text(a.status))
                      .order_by(a.id))
    return (Layer("plots", plots, table_of(Plot), table_of(Plot).c.geom),
            Layer("infrastructure", infrastructure, table_of(a), table_of(a).c.geom))


@dataclass(frozen=True)
class VectorLayer:
    """A layer of the tile set and the zooms whose tiles carry it (TileJSON's
    ``vector_layers``); ``fields`` maps each property to what it holds."""

    id: str
    minzoom: int
    maxzoom: int
    fields: dict[str, str]


_FIELDS = {
    "plots": {"id": "Number: plot id", "district_code": "String", "code": "String",
              "land_use": "String", "status": "String", "area_m2": "Number: m²"},
    "infrastructure": {"id": "Number", "network": "String", "kind": "String",
                       "status": "String"},
    OVERVIEW: {"id": "Number: district id", "code": "String", "name_fa": "String",
               "name_en": "String", "plots": "Number: current plots",
               "held": "Number: plots held by an investor",
               "main_status": "String: the most common plot status",
               **{f"plots_{s}": f"Number: current plots with status {s}" for s in PlotStatus}},
}


def vector_layers(*, plot_min_zoom: int) -> list[VectorLayer]:
    """Every layer of the tile set with the zoom range it is served in."""
    found = [VectorLayer(OVERVIEW, 0, plot_min_zoom - 1, _FIELDS[OVERVIEW])] \
        if plot_min_zoom > 0 else []
    return found + [VectorLayer(layer.name, plot_min_zoom, MAX_ZOOM, _FIELDS[layer.name])
                    for layer in layers()]


def check_tile(z: int, x: int, y: int) -> morecantile.Tile:
    """The tile ``z/x/y``, or :class:`~zones.errors.InvalidTile` if it is off the grid."""
    if not 0 <= z <= MAX_ZOOM:
        raise errors.InvalidTile(f"no tile {z}/{x}/{y}: zoom must be 0..{MAX_ZOOM}",
                                 z=z, x=x, y=y)
    if not TMS.is_valid(morecantile.Tile(x, y, z)):
        raise errors.InvalidTile(
            f"no tile {z}/{x}/{y}: at zoom {z}, x and y must be 0..{2**z - 1}", z=z, x=x, y=y)
    return morecantile.Tile(x, y, z)


def render_tile(session: Session, z: int, x: int, y: int, *, plot_min_zoom: int,
                max_features: int) -> bytes:
    """The encoded tile ``z/x/y``, or ``b""`` when no feature intersects it.

    Below ``plot_min_zoom`` the tile is the district overview; from it on, plots and
    infrastructure, at most ``max_features`` of each. Raises
    :class:`~zones.errors.InvalidTile` for z outside 0..22 or x/y off the grid.
    """
    tile = check_tile(z, x, y)
    bbox = tuple(TMS.bounds(tile))
    if z < plot_min_zoom:
        return _render_overview(session, tile, bbox)
    encoded = backend.mvt_tile(session, layers, tile.z, tile.x, tile.y, bbox,
                               max_features=max_features, extent=EXTENT, buffer=BUFFER)
    if encoded is not None:  # PostGIS: one statement, ST_AsMVT per layer
        return encoded
    return _render_python(session, tile, bbox, max_features)


def _render_python(session: Session, tile: morecantile.Tile, bbox: tuple[float, ...],
                   max_features: int) -> bytes:
    """Select through the R*Tree, project and clip vectorized, encode in Python."""
    found = []
    for layer in layers():
        stmt = (layer.properties.add_columns(frames.wkb(layer.geom))
                .where(backend.bbox_clause(session, layer.table, layer.geom, bbox))
                .limit(max_features))
        found.append((layer.name, frames.frame(session, stmt)))
    return _encode(tile, found)


def _render_overview(session: Session, tile: morecantile.Tile,
                     bbox: tuple[float, ...]) -> bytes:
    """Districts intersecting the tile, with their plot counts: O(districts), any backend."""
    d = District
    table = table_of(d)
    stmt = (sa.select(d.id, d.code, d.name_fa, d.name_en, frames.wkb(d.boundary))
            .where(backend.bbox_clause(session, table, table.c.boundary, bbox))
            .order_by(d.id))
    districts = frames.frame(session, stmt)
    if districts.empty:
        return b""
    counts = district_counts(session)
    properties = [_overview_properties(counts.get(int(i), {})) for i in districts["id"]]
    districts = districts.join(pd.DataFrame(properties, index=districts.index))
    return _encode(tile, [(OVERVIEW, districts)])


def _overview_properties(by_status: dict[str, int]) -> dict[str, Any]:
    props: dict[str, Any] = {
        "plots": sum(by_status.values()),
        "held": sum(n for s, n in by_status.items() if s in HELD_STATUSES)}
    if by_status:  # ties go to the earlier status in the life cycle
        props["main_status"] = max(PlotStatus,
                                   key=lambda s: (by_status.get(s, 0), -_RANK[s])).value
    props.update({f"plots_{s}": by_status.get(s, 0) for s in PlotStatus})
    return props


_RANK = {s: i for i, s in enumerate(PlotStatus)}


@dataclass
class _Counts:
    stamp: tuple[Any, ...]  # newest audit event and plot ids when counted
    built: float  # time.monotonic() of the count
    checked: float  # ... and of the last look for changes
    counts: dict[int, dict[str, int]]
    recounting: bool = False


_COUNTS: dict[str, _Counts] = {}
_COUNTS_LOCK = threading.Lock()
log = logging.getLogger(__name__)


def district_counts(session: Session) -> dict[int, dict[str, int]]:
    """Current plots per district id and status, kept per process and recounted on change.

    Every change of a plot writes an audit event (:mod:`zones.audit`), so the newest
    event id and plot id tell cheaply (two index look-ups) whether the counts are stale;
    they are looked at once :data:`COUNTS_MIN_AGE_S` has passed. Only the first overview
    tile of a process waits for the aggregate query (the lock makes the map's burst of
    tiles wait for one); after a change, the tile is answered with the counts at hand
    while one background thread recounts — no later request pays O(plots).
    """
    key = str(session.get_bind().engine.url)
    cached = _COUNTS.get(key)
    now = time.monotonic()
    if cached is not None and now - cached.checked < COUNTS_MIN_AGE_S:
        return cached.counts
    stamp = tuple(session.execute(sa.select(
        sa.select(func.max(AuditEvent.id)).scalar_subquery(),
        sa.select(func.max(Plot.id)).scalar_subquery())).one())
    if cached is None:
        with _COUNTS_LOCK:
            if (cached := _COUNTS.get(key)) is None:
                cached = _COUNTS[key] = _Counts(stamp, now, now, _count(session))
        return cached.counts
    if cached.stamp == stamp and now - cached.built < COUNTS_MAX_AGE_S:
        cached.checked = now
        return cached.counts
    with _COUNTS_LOCK:
        if cached.recounting:
            return cached.counts
        cached.recounting = True
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, sa.Connection) else bind
    threading.Thread(target=_recount, args=(engine, key, stamp, cached), daemon=True,
                     name="zones-tile-counts").start()
    return cached.counts


def _count(session: Session) -> dict[int, dict[str, int]]:
    """The aggregate: one pass over the current plots' rows (no geometry is read)."""
    rows = session.execute(
        sa.select(Plot.district_id, _text(Plot.status), func.count())
        .where(Plot.valid_to.is_(None)).group_by(Plot.district_id, Plot.status))
    counts: dict[int, dict[str, int]] = {}
    for district_id, status, n in rows:
        counts.setdefault(district_id, {})[status] = n
    return counts


def _recount(engine: sa.Engine, key: str, stamp: tuple[Any, ...], old: _Counts) -> None:
    try:
        with Session(engine) as session:
            counts = _count(session)
    except Exception:  # keep serving the old counts; the next look tries again
        log.exception("recounting plots per district for overview tiles failed")
        old.recounting = False
        return
    now = time.monotonic()
    _COUNTS[key] = _Counts(stamp, now, now, counts)


def forget_district_counts() -> None:
    """Drop the kept counts (benchmarks measure the first overview tile after a change)."""
    with _COUNTS_LOCK:
        _COUNTS.clear()


def _encode(tile: morecantile.Tile, found: list[tuple[str, gpd.GeoDataFrame]]) -> bytes:
    """Project, clip and quantize each layer's features vectorized, then encode them."""
    xy = TMS.xy_bounds(tile)
    margin = (xy.right - xy.left) * BUFFER / EXTENT
    clip = (xy.left - margin, xy.bottom - margin, xy.right + margin, xy.top + margin)
    defaults = {"extents": EXTENT, "on_invalid_geometry": on_invalid_geometry_make_valid}
    encoded, options = [], {}
    for name, frame in found:
        if frame.empty:
            continue
        geoms = shapely.clip_by_rect(frame.geometry.to_crs(WEB_MERCATOR).to_numpy(), *clip)
        keep = ~shapely.is_empty(geoms)
        properties = frame.drop(columns="geometry")[keep].to_dict("records")
        # Exterior rings clockwise with y up (the encoder flips y), as the encoder would
        # orient them one polygon at a time (half its time on a dense tile). It still does,
        # and repairs, when quantizing made any ring invalid.
        geoms = shapely.orient_polygons(_quantize(geoms[keep], xy), exterior_cw=True)
        features = [{"geometry": g, "properties": p}  # None values are left out by the encoder
                    for g, p in zip(geoms, properties, strict=True)]
        if features:
            encoded.append({"name": name, "features": features})
            options[name] = {**defaults,
                             "check_winding_order": not bool(shapely.is_valid(geoms).all())}
    if not encoded:
        return b""
    # Coordinates are already tile units (y up); the encoder flips y.
    return mapbox_vector_tile.encode(encoded, per_layer_options=options,
                                     default_options=defaults)


def _quantize(geoms: np.ndarray, xy: morecantile.commons.BoundingBox) -> np.ndarray:
    """EPSG:3857 metres → integer tile units, origin at the tile's lower-left, in one pass.

    Done here rather than by the encoder's ``quantize_bounds``, which walks each geometry
    in Python through the deprecated ``shapely.ops.transform``.
    """
    origin = np.array([xy.left, xy.bottom])
    scale = EXTENT / np.array([xy.right - xy.left, xy.top - xy.bottom])
    return shapely.transform(geoms, lambda coords: np.round((coords - origin) * scale))
