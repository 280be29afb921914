"""PostGIS (PostgreSQL through psycopg 3): the engine and every statement only it speaks.

The dispatch is :mod:`zones.db.backend`; nothing outside it imports this module.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import shapely
import sqlalchemy as sa
from sqlalchemy import func
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Engine

from zones.settings import Settings

NAME = "postgis"
DIALECT = "postgresql"
WEB_MERCATOR = 3857


# --- engine -------------------------------------------------------------------------------

def create_engine(url: sa.URL, settings: Settings, **kw: Any) -> Engine:
    """A psycopg 3 engine: pooled, pre-pinged, each session under ``lock_timeout``."""
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    # A pool as large as the request threads that use it at once: connections opened
    # past the pool ("overflow") are closed on return, and a PostgreSQL connection
    # costs a process fork, far more than the query it serves.
    kw.setdefault("pool_size", settings.db_pool_size)
    kw.setdefault("max_overflow", settings.db_max_overflow)
    kw.setdefault("pool_timeout", settings.db_pool_timeout)
    kw.setdefault("pool_pre_ping", settings.db_pre_ping)
    # A request never waits unboundedly behind a lock (a migration, a long upload, a
    # manual LOCK TABLE): past lock_timeout it fails with 55P03, answered 503.
    lock_ms = round(settings.db_lock_timeout * 1000)
    kw["connect_args"] = {"options": f"-c lock_timeout={lock_ms}",
                          **kw.get("connect_args", {})}
    return sa.create_engine(url, **kw)


def probe_connect_args(connect_timeout_s: int) -> dict[str, Any]:
    """Connect arguments of the health probes' engine: a refusing or silent server is
    reported within ``connect_timeout_s`` seconds."""
    return {"connect_timeout": connect_timeout_s}


# --- errors -------------------------------------------------------------------------------

def transient(orig: BaseException | None) -> bool:
    """A serialization failure or a deadlock (SQLSTATE 40001, 40P01): worth running the
    transaction again."""
    return getattr(orig, "sqlstate", None) in ("40001", "40P01")


def lock_timed_out(orig: BaseException | None) -> bool:
    """PostgreSQL's ``lock_timeout`` expired (SQLSTATE 55P03)."""
    return getattr(orig, "sqlstate", None) == "55P03"


# --- spatial SQL --------------------------------------------------------------------------

def bbox_clause(table: sa.Table, column: Any, bbox: tuple[float, ...]) -> Any:
    """The planner uses the GiST index for ``&&`` on its own; ``ST_Intersects`` refines."""
    minx, miny, maxx, maxy = bbox
    env = func.ST_MakeEnvelope(minx, miny, maxx, maxy, 4326)
    return sa.and_(column.op("&&")(env), func.ST_Intersects(column, env))


def box_bounds(column: Any) -> tuple[Any, Any, Any, Any]:
    """``minx, miny, maxx, maxy`` of each geometry's bounding box."""
    return (func.ST_XMin(column), func.ST_YMin(column), func.ST_XMax(column),
            func.ST_YMax(column))


def id_array(bind: Any, column: Any, where: Any) -> np.ndarray:
    """``column`` of the rows matching ``where`` as one ``array_agg`` value."""
    found = bind.scalar(sa.select(func.array_agg(column)).where(where))
    return np.asarray(found or [], dtype=np.int64)


def rule_objects(bind: Any) -> tuple[set[str], set[str]]:
    """Names of the triggers on ``plot`` and of every index."""
    triggers = set(bind.scalars(sa.text(
        "SELECT tgname FROM pg_trigger WHERE tgrelid = 'plot'::regclass")))
    indexes = set(bind.scalars(sa.text("SELECT indexname FROM pg_indexes")))
    return triggers, indexes


# One trigger for INSERT OR UPDATE (migration 0001).
PLOT_RULE_TRIGGERS = frozenset({"plot_rules"})


# --- bulk append --------------------------------------------------------------------------

def append_rows(session: Any, table: sa.Table, columns: list[str],
                values: dict[str, Sequence[Any]], geometry: str, geoms: np.ndarray,
                srid: int) -> None:
    """``COPY ... FROM STDIN``; the geometry as hex EWKB, parsed by the type's input
    function."""
    from psycopg import sql

    encoded = shapely.to_wkb(shapely.set_srid(geoms, srid), hex=True, include_srid=True)
    rows: Iterable[tuple[Any, ...]] = zip(
        *(encoded if c == geometry else values[c] for c in columns), strict=True)
    dbapi = session.connection().connection.dbapi_connection
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, columns)))
    with dbapi.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


# --- GeoJSON written by the database ------------------------------------------------------

def _geometry_column(stmt: sa.Select[Any]) -> Any:
    """The geometry column behind the ``wkb(...)`` column that ends every ``*_select``."""
    *_, last = stmt.selected_columns
    return next(iter(last.element.clause.clauses))  # Label → TypeCoerce → ST_AsBinary(geom)


def geojson_page(session: Any, stmt: sa.Select[Any], limit: int | None) -> tuple[str, int]:
    """The page written by PostgreSQL (``ST_AsGeoJSON``, ``json_build_object``,
    ``string_agg``): the first ``limit`` Features of ``stmt`` as one comma-separated JSON
    text, and how many rows ``stmt`` gave (up to ``limit + 1``: the extra one says "more").

    ``stmt`` selects ``id`` first and ``frames.wkb(geometry)`` last. The database already
    holds the rows, so it writes the JSON too and returns the page as a single text. The
    geometry is written straight from the column (no WKB round trip) and concatenated as
    text, not cast to ``json`` and re-serialised.
    Coordinates have 9 decimals (about 0.1 mm).
    """
    *columns, _ = stmt.selected_columns
    stmt = stmt.with_only_columns(
        *columns, func.ST_AsGeoJSON(_geometry_column(stmt), 9).label("geojson"))
    rows = stmt.subquery("page")
    names = [c.name for c in rows.c if c.name != "geojson"]
    properties = func.json_build_object(
        *itertools.chain.from_iterable((sa.literal(n, sa.String), rows.c[n]) for n in names))
    head = sa.literal('{"type":"Feature","id":', sa.Text)
    feature = (head + sa.cast(rows.c.id, sa.Text) + sa.literal(',"geometry":', sa.Text)
               + rows.c.geojson + sa.literal(',"properties":', sa.Text)
               + sa.cast(properties, sa.Text) + sa.literal("}", sa.Text))
    # Numbered in the subquery's ORDER BY; the extra (limit + 1)th row only says "more".
    numbered = sa.select(feature.label("f"), func.row_number().over().label("n")).subquery()
    joined: Any = func.string_agg(numbered.c.f, postgresql.aggregate_order_by(
        sa.literal_column("','"), numbered.c.n))
    if limit is not None:
        joined = joined.filter(numbered.c.n <= limit)
    text, count = session.execute(sa.select(joined, func.count())).one()
    return text or "", int(count)


# --- vector tiles encoded by the database -------------------------------------------------

def mvt_tile(session: Any, layers: Callable[[], Sequence[Any]], z: int, x: int, y: int,
             bbox: tuple[float, ...], *, max_features: int, extent: int, buffer: int
             ) -> bytes:
    """Tile ``z/x/y`` in one statement: each layer is ``ST_AsMVT`` over its clipped rows
    (``ST_AsMVTGeom`` on ``ST_TileEnvelope``), the layers concatenated."""
    params = {"z": z, "x": x, "y": y, "cap": max_features,
              **dict(zip(("x0", "y0", "x1", "y1"), bbox, strict=True))}
    stmt = _mvt_statement(layers, extent, buffer)
    return bytes(session.execute(stmt, params).scalar_one() or b"")


@functools.cache
def _mvt_statement(layers: Callable[[], Sequence[Any]], extent: int, buffer: int
                   ) -> sa.Select[Any]:
    """Built once with bound parameters: a tile request only binds z/x/y, bounds and cap."""
    # literal_execute: values are inlined at execution (the compiled form stays cached), so
    # PostgreSQL plans each tile for its bounds instead of reusing a generic plan.
    z, x, y, cap = (sa.bindparam(k, type_=sa.Integer, literal_execute=True)
                    for k in ("z", "x", "y", "cap"))
    bounds = tuple(sa.bindparam(k, type_=sa.Float, literal_execute=True)
                   for k in ("x0", "y0", "x1", "y1"))
    envelope = func.ST_TileEnvelope(z, x, y)
    encoded = []
    for layer in layers():
        box = func.ST_MakeEnvelope(*bounds, 4326)
        # The cap applies before clipping, so the encoder never sees more than cap rows.
        found = (layer.properties.add_columns(layer.geom.label("source"))
                 .where(layer.geom.op("&&")(box), func.ST_Intersects(layer.geom, box))
                 .limit(cap).subquery(f"{layer.name}_found"))
        mvt_geom = func.ST_AsMVTGeom(func.ST_Transform(found.c.source, WEB_MERCATOR),
                                     envelope, extent, buffer, True).label("geom")
        columns = [c for c in found.c if c.key != "source"]
        clipped = sa.select(*columns, mvt_geom).subquery(f"{layer.name}_clipped")
        # ST_AsMVTGeom gives NULL for features that collapse below one tile unit.
        rows = (sa.select(clipped).where(clipped.c.geom.is_not(None))
                .order_by(clipped.c.id).subquery(layer.name))
        mvt = func.ST_AsMVT(rows.table_valued(), layer.name, extent, "geom")
        encoded.append(sa.select(func.coalesce(mvt, b"")).scalar_subquery())
    joined: Any = encoded[0]
    for more in encoded[1:]:
        joined = joined.op("||")(more)
    return sa.select(sa.type_coerce(joined, sa.LargeBinary))
