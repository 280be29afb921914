"""Test databases on both backends, built from migrated templates so each test starts fresh.

SpatiaLite templates are files copied per test; PostGIS templates are databases cloned with
``CREATE DATABASE ... TEMPLATE``. With ``CI=true`` an unreachable PostGIS fails the run
instead of skipping its half of the suite.
"""

from __future__ import annotations

import itertools
import os
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from zones.db import create_engine, upgrade
from zones.settings import Settings

BACKENDS = ("spatialite", "postgis")
ADMIN_URL = os.environ.get("ZONES_TEST_POSTGRES_URL",
                           "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
_counter = itertools.count()
RUN_ID = uuid.uuid4().hex[:6]


def postgis_unavailable() -> str | None:
    """Why PostGIS cannot be used, or ``None`` when it can."""
    try:
        engine = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            available = conn.scalar(sa.text(
                "SELECT count(*) FROM pg_available_extensions WHERE name = 'postgis'"))
        engine.dispose()
    except Exception as exc:
        return f"PostgreSQL unreachable at {ADMIN_URL}: {exc.__class__.__name__}: {exc}"
    return None if available else "the postgis extension is not installed on the server"


def require(backend: str) -> None:
    if backend != "postgis":
        return
    reason = postgis_unavailable()
    if reason is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"PostGIS backend required under CI=true: {reason}", pytrace=False)
    pytest.skip(reason)


def _admin() -> sa.Engine:
    return sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")


class Templates:
    """Migrated (optionally pre-loaded) databases to clone, built once per session."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.made: dict[tuple[str, str], str] = {}
        self.pg_databases: list[str] = []

    def template(self, backend: str, name: str, fill: Callable[[Settings], None] | None) -> str:
        key = (backend, name)
        if key not in self.made:
            url = self._new_database(backend, f"tpl_{name}")
            settings = Settings(database_url=url, environment="test")
            engine = create_engine(settings)
            upgrade(engine)
            engine.dispose()
            if fill is not None:
                fill(settings)
            self.made[key] = url
        return self.made[key]

    def clone(self, backend: str, name: str, fill: Callable[[Settings], None] | None) -> Settings:
        source = self.template(backend, name, fill)
        if backend == "spatialite":
            target = self.workdir / f"db{next(_counter)}.sqlite"
            shutil.copyfile(sa.make_url(source).database, target)
            return Settings(database_url=f"sqlite:///{target}", environment="test")
        db = f"zones_t{RUN_ID}_{next(_counter)}"
        template_db = sa.make_url(source).database
        with _admin().connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{db}" TEMPLATE "{template_db}"'))
        self.pg_databases.append(db)
        return Settings(database_url=str(sa.make_url(ADMIN_URL).set(database=db)
                                         .render_as_string(hide_password=False)),
                        environment="test")

    def _new_database(self, backend: str, name: str) -> str:
        if backend == "spatialite":
            return f"sqlite:///{self.workdir / (name + '.sqlite')}"
        db = f"zones_t{RUN_ID}_{name}"
        admin = _admin()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{db}"'))
            conn.execute(sa.text(f'CREATE DATABASE "{db}"'))
        url = sa.make_url(ADMIN_URL).set(database=db)
        engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS postgis"))
        engine.dispose()
        self.pg_databases.append(db)
        return url.render_as_string(hide_password=False)

    def drop_all(self) -> None:
        if not self.pg_databases:
            return
        with _admin().connect() as conn:
            for db in reversed(self.pg_databases):
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
