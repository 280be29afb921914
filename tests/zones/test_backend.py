"""The backend dispatch (``zones.db.backend``) and the engines each backend builds."""

from __future__ import annotations

import numpy as np
import pytest
import sqlalchemy as sa

from zones.db import backend
from zones.db.engine import create_probe_engine
from zones.errors import ConfigurationError
from zones.model import Plot
from zones.settings import Settings


def test_each_backend_module_has_what_the_dispatch_calls() -> None:
    from zones.db.backend import postgis, spatialite

    shared = ("NAME", "DIALECT", "PLOT_RULE_TRIGGERS", "create_engine", "probe_connect_args",
              "lock_timed_out", "bbox_clause", "box_bounds", "id_array", "rule_objects",
              "append_rows")
    for module in (postgis, spatialite):
        assert [n for n in shared if not hasattr(module, n)] == [], module.__name__


def test_url_names_the_backend() -> None:
    assert backend.for_url(sa.make_url("sqlite:///x.sqlite")).NAME == "spatialite"
    assert backend.for_url(sa.make_url("postgresql://u@h/db")).NAME == "postgis"
    with pytest.raises(ConfigurationError, match="unsupported"):
        backend.for_url(sa.make_url("mysql://u@h/db"))


def test_engine_binds_the_drivers_own_way(engine: sa.Engine) -> None:
    """PostGIS: psycopg's default cursor and %(name)s placeholders (no RawCursor, no $1):
    a literal % in compiled SQL is escaped by SQLAlchemy; lock_timeout is set."""
    with engine.connect() as conn:
        assert conn.scalar(sa.text("SELECT '100%' || :x"), {"x": "!"}) == "100%!"
        if backend.name(conn) == "postgis":
            assert engine.dialect.paramstyle == "pyformat"
            cursor = conn.connection.dbapi_connection.cursor()
            assert type(cursor).__name__ == "Cursor"
            assert conn.scalar(sa.text("SHOW lock_timeout")) != "0"
            assert engine.pool._pre_ping is True


def test_probe_engine_connects(settings: Settings) -> None:
    probe = create_probe_engine(settings)
    try:
        with probe.connect() as conn:
            assert conn.scalar(sa.text("SELECT 1")) == 1
    finally:
        probe.dispose()


def test_id_array_and_extent(demo_session) -> None:
    current = Plot.valid_to.is_(None)
    ids = backend.id_array(demo_session, Plot.id, current)
    expected = demo_session.scalars(sa.select(Plot.id).where(current)).all()
    assert ids.dtype == np.int64 and sorted(ids.tolist()) == sorted(expected)
    assert not len(backend.id_array(demo_session, Plot.id, Plot.id < 0))
    box = backend.extent(demo_session, Plot.geom, where=current)
    assert box is not None and box[0] < box[2] and box[1] < box[3]
    assert backend.extent(demo_session, Plot.geom, where=Plot.id < 0) is None


def test_missing_rules_names_what_is_gone(demo_session) -> None:
    indexes = ("uq_allocation_active_plot", "no_such_index")
    assert backend.missing_rules(demo_session, indexes=indexes) == ["no_such_index"]
