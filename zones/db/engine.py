"""Engines and sessions for the two supported backends.

The backends' own engines (SpatiaLite through ``sqlean`` with its connect and begin
listeners; PostGIS through ``psycopg`` 3 with its pool and ``lock_timeout``) are built in
:mod:`zones.db.backend.spatialite` and :mod:`zones.db.backend.postgis`.
"""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from zones.db import backend
from zones.settings import Settings


def create_engine(settings: Settings, **kw: Any) -> Engine:
    """Build the engine ``settings.database_url`` names, ready for spatial SQL.

    :class:`~zones.errors.ConfigurationError` for a database other than SQLite or
    PostgreSQL.
    """
    return backend.create_engine(settings, **kw)


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
    connect_args = backend.probe_connect_args(
        settings, max(2, math.ceil(settings.health_timeout_s)))
    if connect_args:
        kw["connect_args"] = connect_args
    return create_engine(settings, **kw)
