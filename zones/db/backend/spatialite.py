"""SpatiaLite (SQLite through ``sqlean`` with ``mod_spatialite``): the engine and every
statement only it speaks.

The Python built into these machines cannot load SQLite extensions, so the DB-API module
is ``sqlean`` (sqlean.py, a drop-in ``sqlite3`` that can), loading Debian's
``mod_spatialite``. The dispatch is :mod:`zones.db.backend`; nothing outside it imports
this module.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import shapely
import sqlalchemy as sa
from sqlalchemy import event, func
from sqlalchemy.engine import Engine

from zones.errors import ConfigurationError
from zones.settings import Settings

NAME = "spatialite"
DIALECT = "sqlite"

# Seconds a writer waits for SQLite's write lock (connect timeout and busy_timeout).
BUSY_TIMEOUT_S = 30


# --- engine -------------------------------------------------------------------------------

def create_engine(url: sa.URL, settings: Settings, **kw: Any) -> Engine:
    """A ``sqlean`` engine whose connections have SpatiaLite loaded and its metadata
    initialised, foreign keys on, WAL (for files), and whose transactions SQLAlchemy
    begins itself (``BEGIN IMMEDIATE`` for writers)."""
    # GDAL, PROJ and GEOS are already loaded (zones/native.py) before mod_spatialite.
    import sqlean  # a sqlite3-compatible module that can load extensions

    library = settings.spatialite_library
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    kw["connect_args"] = {"check_same_thread": False, "timeout": BUSY_TIMEOUT_S,
                          **kw.get("connect_args", {})}
    engine = sa.create_engine(url, module=sqlean, **kw)

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control away from the DB-API module so BEGIN is emitted by
        # SQLAlchemy (below): pysqlite's implicit transactions break SERIALIZABLE reads.
        dbapi_conn.isolation_level = None
        dbapi_conn.enable_load_extension(True)
        try:
            dbapi_conn.load_extension(library)
        except Exception as exc:
            raise ConfigurationError(
                f"cannot load SpatiaLite extension {library!r}: {exc}. "
                "Install Debian's libsqlite3-mod-spatialite or set ZONES_SPATIALITE_LIBRARY."
            ) from exc
        finally:
            dbapi_conn.enable_load_extension(False)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_S * 1000}")
        if url.database and url.database != ":memory:":
            cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("SELECT CheckSpatialMetaData()")
        if cur.fetchone()[0] == 0:
            cur.execute("SELECT InitSpatialMetaData(1)")  # 1 = in a single transaction
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: sa.Connection) -> None:
        # A deferred transaction that reads, then writes after another writer committed,
        # fails at once with SQLITE_BUSY_SNAPSHOT (no busy wait is possible). Writers
        # therefore take the write lock up front; readers stay deferred and never block.
        immediate = conn.get_execution_options().get("zones_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def probe_connect_args(connect_timeout_s: int) -> dict[str, Any]:
    """Nothing to add: opening a file does not wait on a server."""
    return {}


# --- errors -------------------------------------------------------------------------------

def transient(orig: BaseException | None) -> bool:
    """Another writer held the database: worth running the transaction again."""
    message = str(orig).lower()
    return "database is locked" in message or "database is busy" in message


def lock_timed_out(orig: BaseException | None) -> bool:
    """SQLite's busy timeout expired: "database is locked"."""
    return type(orig).__name__ == "OperationalError" and "database is locked" in str(orig)


# --- spatial SQL --------------------------------------------------------------------------

def bbox_clause(table: sa.Table, column: Any, bbox: tuple[float, ...]) -> Any:
    """SpatiaLite never uses its R*Tree implicitly: the candidate rowids are fetched from
    the ``SpatialIndex`` virtual table, then refined with ``ST_Intersects``."""
    minx, miny, maxx, maxy = bbox
    envelope = func.BuildMbr(minx, miny, maxx, maxy, 4326)
    candidates = sa.text(
        "SELECT rowid FROM SpatialIndex WHERE f_table_name = :t AND f_geometry_column = :c "
        "AND search_frame = BuildMbr(:x0, :y0, :x1, :y1, 4326)"
    ).bindparams(t=table.name, c=column.name, x0=minx, y0=miny, x1=maxx, y1=maxy)
    return sa.and_(table.c.id.in_(candidates), func.ST_Intersects(column, envelope))


def box_bounds(column: Any) -> tuple[Any, Any, Any, Any]:
    """``minx, miny, maxx, maxy`` of each geometry's bounding box."""
    return (func.MbrMinX(column), func.MbrMinY(column), func.MbrMaxX(column),
            func.MbrMaxY(column))


def id_array(bind: Any, column: Any, where: Any) -> np.ndarray:
    """``column`` of the rows matching ``where`` as one ``group_concat`` text."""
    text = bind.scalar(sa.select(func.group_concat(column)).where(where))
    return np.asarray(text.split(",") if text else [], dtype=np.int64)


def rule_objects(bind: Any) -> tuple[set[str], set[str]]:
    """Names of every trigger and of every index."""
    triggers = set(bind.scalars(sa.text(
        "SELECT name FROM sqlite_master WHERE type = 'trigger'")))
    indexes = set(bind.scalars(sa.text(
        "SELECT name FROM sqlite_master WHERE type = 'index'")))
    return triggers, indexes


# SQLite triggers fire on one event each (migration 0001).
PLOT_RULE_TRIGGERS = frozenset({"plot_rules_insert", "plot_rules_update"})


# --- bulk append --------------------------------------------------------------------------

def append_rows(session: Any, table: sa.Table, columns: list[str],
                values: dict[str, Sequence[Any]], geometry: str, geoms: np.ndarray,
                srid: int) -> None:
    """One prepared ``INSERT`` run over every row, the WKB wrapped in ``GeomFromWKB``."""
    encoded = shapely.to_wkb(geoms)
    rows = zip(*(encoded if c == geometry else values[c] for c in columns), strict=True)
    quote = session.get_bind().dialect.identifier_preparer.quote
    slots = ", ".join(f"GeomFromWKB(?, {int(srid)})" if c == geometry else "?" for c in columns)
    statement = (f"INSERT INTO {quote(table.name)} ({', '.join(map(quote, columns))}) "  # noqa: S608
                 f"VALUES ({slots})")  # identifiers from our model; every value is bound
    cursor = session.connection().connection.dbapi_connection.cursor()
    try:
        cursor.executemany(statement, rows)
    finally:
        cursor.close()
