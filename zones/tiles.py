"""Mapbox Vector Tiles of the zone on the WebMercatorQuad grid (EPSG:3857).

A tile holds two layers, ``plots`` (current plots) and ``infrastructure``, with the same
properties from both backends. A feature is in a tile when its geometry intersects the
tile's lon/lat bounds; its geometry is clipped to the tile plus a ``BUFFER``-pixel margin
(so strokes do not end at tile edges) and quantized to ``EXTENT`` units.

PostGIS encodes in SQL (``ST_AsMVTGeom`` / ``ST_AsMVT`` on ``ST_TileEnvelope``). SpatiaLite
has no MVT encoder: the features are selected through its R*Tree, projected and clipped
with shapely/pyproj in one vectorized pass, and encoded with ``mapbox-vector-tile``.

An empty tile is ``b""`` — nothing is encoded, and the web layer answers 204.

Examples
--------
>>> check_tile(0, 0, 0)
Tile(x=0, y=0, z=0)
>>> check_tile(1, 2, 0)
Traceback (most recent call last):
...
zones.errors.InvalidTile: no tile 1/2/0: at zoom 1, x and y must be 0..1
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import mapbox_vector_tile
import morecantile
import numpy as np
import shapely
import sqlalchemy as sa
from mapbox_vector_tile.encoder import on_invalid_geometry_make_valid
from sqlalchemy import func
from sqlalchemy.orm import Session

from zones import errors, frames
from zones.db import backend
from zones.model import District, InfrastructureAsset, Plot

EXTENT = 4096
BUFFER = 64
MAX_ZOOM = 22
WEB_MERCATOR = 3857
TMS = morecantile.tms.get("WebMercatorQuad")


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
    """The layers of every tile, in encoding order."""
    a = InfrastructureAsset
    plots = (sa.select(Plot.id, District.code.label("district_code"), Plot.code,
                       _text(Plot.land_use), _text(Plot.status), Plot.area_m2)
             .join(District, Plot.district_id == District.id)
             .where(Plot.valid_to.is_(None)).order_by(Plot.id))
    infrastructure = (sa.select(a.id, _text(a.network), a.kind, _text(a.status))
                      .order_by(a.id))
    return (Layer("plots", plots, Plot.__table__, Plot.__table__.c.geom),
            Layer("infrastructure", infrastructure, a.__table__, a.__table__.c.geom))


def check_tile(z: int, x: int, y: int) -> morecantile.Tile:
    """The tile ``z/x/y``, or :class:`~zones.errors.InvalidTile` if it is off the grid."""
    if not 0 <= z <= MAX_ZOOM:
        raise errors.InvalidTile(f"no tile {z}/{x}/{y}: zoom must be 0..{MAX_ZOOM}",
                                 z=z, x=x, y=y)
    if not TMS.is_valid(x, y, z):
        raise errors.InvalidTile(
            f"no tile {z}/{x}/{y}: at zoom {z}, x and y must be 0..{2**z - 1}", z=z, x=x, y=y)
    return morecantile.Tile(x, y, z)


def render_tile(session: Session, z: int, x: int, y: int) -> bytes:
    """The encoded tile ``z/x/y``, or ``b""`` when no feature intersects it.

    Raises :class:`~zones.errors.InvalidTile` for z outside 0..22 or x/y off the grid.
    """
    tile = check_tile(z, x, y)
    bbox = tuple(TMS.bounds(tile))
    if backend.name(session) == "postgis":
        return _render_postgis(session, tile, bbox)
    return _render_spatialite(session, tile, bbox)


def _render_postgis(session: Session, tile: morecantile.Tile,
                    bbox: tuple[float, ...]) -> bytes:
    """One statement: each layer is ``ST_AsMVT`` over its clipped rows, concatenated."""
    params = {"z": tile.z, "x": tile.x, "y": tile.y,
              **dict(zip(("x0", "y0", "x1", "y1"), bbox, strict=True))}
    return bytes(session.execute(_postgis_statement(), params).scalar_one() or b"")


@functools.cache
def _postgis_statement() -> sa.Select[Any]:
    """Built once with bound parameters: a tile request only binds z/x/y and its bounds."""
    # literal_execute: values are inlined at execution (the compiled form stays cached), so
    # PostgreSQL plans each tile for its bounds instead of reusing a generic plan.
    z, x, y = (sa.bindparam(k, type_=sa.Integer, literal_execute=True) for k in "zxy")
    bounds = tuple(sa.bindparam(k, type_=sa.Float, literal_execute=True)
                   for k in ("x0", "y0", "x1", "y1"))
    envelope = func.ST_TileEnvelope(z, x, y)
    encoded = []
    for layer in layers():
        mvt_geom = func.ST_AsMVTGeom(func.ST_Transform(layer.geom, WEB_MERCATOR), envelope,
                                     EXTENT, BUFFER, True).label("geom")
        box = func.ST_MakeEnvelope(*bounds, 4326)
        clipped = (layer.properties.add_columns(mvt_geom)
                   .where(layer.geom.op("&&")(box), func.ST_Intersects(layer.geom, box))
                   .subquery(f"{layer.name}_clipped"))
        # ST_AsMVTGeom gives NULL for features that collapse below one tile unit.
        rows = (sa.select(clipped).where(clipped.c.geom.is_not(None))
                .order_by(clipped.c.id).subquery(layer.name))
        mvt = func.ST_AsMVT(rows.table_valued(), layer.name, EXTENT, "geom")
        encoded.append(sa.select(func.coalesce(mvt, b"")).scalar_subquery())
    return sa.select(sa.type_coerce(encoded[0].op("||")(encoded[1]), sa.LargeBinary))


def _render_spatialite(session: Session, tile: morecantile.Tile,
                       bbox: tuple[float, ...]) -> bytes:
    """Select through the R*Tree, project and clip vectorized, encode in Python."""
    xy = TMS.xy_bounds(tile)
    margin = (xy.right - xy.left) * BUFFER / EXTENT
    clip = (xy.left - margin, xy.bottom - margin, xy.right + margin, xy.top + margin)
    encoded = []
    for layer in layers():
        stmt = (layer.properties.add_columns(frames.wkb(layer.geom))
                .where(backend.bbox_clause(session, layer.table, layer.geom, bbox)))
        found = frames.frame(session, stmt)
        if found.empty:
            continue
        geoms = shapely.clip_by_rect(found.geometry.to_crs(WEB_MERCATOR).to_numpy(), *clip)
        keep = ~shapely.is_empty(geoms)
        properties = found.drop(columns="geometry")[keep].to_dict("records")
        features = [{"geometry": g, "properties": p}
                    for g, p in zip(_quantize(geoms[keep], xy), properties, strict=True)]
        encoded.append({"name": layer.name, "features": features})
    if not encoded:
        return b""
    # Coordinates are already tile units (y up); the encoder flips y and fixes winding.
    return mapbox_vector_tile.encode(encoded, default_options={
        "extents": EXTENT, "on_invalid_geometry": on_invalid_geometry_make_valid})


def _quantize(geoms: np.ndarray, xy: morecantile.commons.BoundingBox) -> np.ndarray:
    """EPSG:3857 metres → integer tile units, origin at the tile's lower-left, in one pass.

    Done here rather than by the encoder's ``quantize_bounds``, which walks each geometry
    in Python through the deprecated ``shapely.ops.transform``.
    """
    origin = np.array([xy.left, xy.bottom])
    scale = EXTENT / np.array([xy.right - xy.left, xy.top - xy.bottom])
    return shapely.transform(geoms, lambda coords: np.round((coords - origin) * scale))

