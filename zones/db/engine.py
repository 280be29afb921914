"""Engines for the two supported backends.

SpatiaLite: the Python built into these machines cannot load SQLite extensions, so the
DB-API module is ``sqlean`` (sqlean.py, a drop-in ``sqlite3`` that can), loading Debian's
``mod_spatialite``. PostGIS: ``psycopg`` 3.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from zones.errors import ConfigurationError
from zones.settings import Settings


def create_engine(settings: Settings, **kw: Any) -> Engine:
    """Build the engine ``settings.database_url`` names, ready for spatial SQL."""
    url = sa.make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        return _spatialite_engine(url, settings.spatialite_library, **kw)
    if url.get_backend_name() == "postgresql":
        if url.drivername == "postgresql":
            url = url.set(drivername="postgresql+psycopg")
        # A pool as large as the request threads that use it at once: connections opened
        # past the pool ("overflow") are closed on return, and a PostgreSQL connection
        # costs a process fork, far more than the query it serves.
        kw.setdefault("pool_size", settings.db_pool_size)
        kw.setdefault("max_overflow", settings.db_max_overflow)
        kw.setdefault("pool_timeout", settings.db_pool_timeout)
        kw.setdefault("pool_pre_ping", settings.db_pre_ping)
        # PostgreSQL's own $1 placeholders, sent as written: psycopg's default cursor
        # rewrites %(name)s placeholders on every execution, and caches the rewrite only
        # for statements under 4 kB and 50 parameters, which a decision's batch of
        # writes is not (about a fifth of its client time went there).
        import psycopg

        kw.setdefault("paramstyle", "numeric_dollar")
        # A request never waits unboundedly behind a lock (a migration, a long upload, a
        # manual LOCK TABLE): past lock_timeout it fails with 55P03, answered 503.
        lock_ms = round(settings.db_lock_timeout * 1000)
        kw["connect_args"] = {"cursor_factory": psycopg.RawCursor,
                              "options": f"-c lock_timeout={lock_ms}",
                              **kw.get("connect_args", {})}
        return sa.create_engine(url, **kw)
    raise ConfigurationError(
        f"unsupported database URL scheme {url.drivername!r}; use sqlite:/// or postgresql://",
    )


def _spatialite_engine(url: sa.URL, library: str, **kw: Any) -> Engine:
    # GDAL, PROJ and GEOS are already loaded (zones/native.py) before mod_spatialite.
    import sqlean  # a sqlite3-compatible module that can load extensions

    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(
        url, module=sqlean, connect_args={"check_same_thread": False, "timeout": 30}, **kw
    )

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
        cur.execute("PRAGMA busy_timeout = 30000")
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


def session_factory(engine: Engine, *, write: bool = False) -> sessionmaker[Session]:
    """A sessionmaker whose sessions write an audit event for every audited change.

    ``write=True`` is for workflows that change data: on SpatiaLite their transactions
    start with ``BEGIN IMMEDIATE`` so concurrent writers queue (up to the busy timeout)
    instead of failing; on PostGIS it changes nothing.
    """
    from zones.audit import install

    bind = engine.execution_options(zones_write=True) if write else engine
    factory = sessionmaker(bind, expire_on_commit=False)
    install(factory)
    return factory


def create_probe_engine(settings: Settings) -> Engine:
    """A small engine of its own for the health probes (``/health``, ``/ready``).

    Separate from the requests' pool, so a burst that holds every pooled connection never
    makes a probe wait for one; its few connections (one kept, up to four at once) and a
    short connect timeout on PostGIS let a database that refuses or does not answer be
    reported within seconds. Pre-pinged: after a database restart the next probe
    reconnects instead of failing once on a dead connection.
    """
    kw: dict[str, Any] = {"pool_size": 1, "max_overflow": 3,
                          "pool_timeout": settings.health_timeout_s, "pool_pre_ping": True}
    if sa.make_url(settings.database_url).get_backend_name() == "postgresql":
        kw["connect_args"] = {"connect_timeout": max(2, math.ceil(settings.health_timeout_s))}
    return create_engine(settings, **kw)
