"""Test databases on both backends, built from migrated templates so each test starts fresh.

SpatiaLite templates are files copied per test; PostGIS templates are databases cloned with
``CREATE DATABASE ... TEMPLATE``. With ``CI=true`` an unreachable PostGIS fails the run
instead of skipping its half of the suite.
"""

from __future__ import annotations

import functools
import itertools
import os
import queue
import shutil
import threading
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


def _run_id() -> str:
    """``<run>_<worker>``: the run part is shared by every pytest-xdist worker of one run
    (``PYTEST_XDIST_TESTRUNUID``), the worker part tells them apart, so each process owns
    the PostGIS databases named ``zones_t<run>_<worker>_…`` and drops exactly those."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", "")[:6] or uuid.uuid4().hex[:6]
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return f"{run}_{worker}_{uuid.uuid4().hex[:4]}"


RUN_ID = _run_id()
PREFIX = f"zones_t{RUN_ID}_"  # every PostGIS database this process makes


@functools.cache
def postgis_unavailable() -> str | None:
    """Why PostGIS cannot be used, or ``None`` when it can (asked once per process)."""
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


_ADMIN: sa.Engine | None = None


def _admin() -> sa.Engine:
    """One autocommit engine on the maintenance database, kept for the whole session."""
    global _ADMIN
    if _ADMIN is None:
        _ADMIN = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT", pool_size=1)
    return _ADMIN


class _Dropper:
    """Drops PostGIS databases in threads of their own.

    ``DROP DATABASE`` waits for a checkpoint (PostgreSQL 15): 0.1 s on a quiet server,
    seconds to tens of seconds while other tests write. The next test need not wait for
    that, and several drops waiting at once share one checkpoint, so :data:`THREADS` drop
    side by side. At most :data:`PENDING` drops wait (a test's teardown blocks beyond
    that), so an interrupted run leaves few clones and the session's end waits for few
    drops. :meth:`wait` returns when every drop asked for is done."""

    THREADS = 4
    PENDING = 12

    def __init__(self) -> None:
        self._queue: queue.Queue[str] = queue.Queue(maxsize=self.PENDING)
        self._threads: list[threading.Thread] = []
        self._engine: sa.Engine | None = None

    def drop(self, db: str) -> None:
        if not self._threads:
            self._engine = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT",
                                            pool_size=self.THREADS, max_overflow=0)
            self._threads = [threading.Thread(target=self._run, name=f"drop-databases-{i}",
                                              daemon=True) for i in range(self.THREADS)]
            for thread in self._threads:
                thread.start()
        self._queue.put(db)

    def _run(self) -> None:
        assert self._engine is not None
        while True:
            db = self._queue.get()
            try:
                with self._engine.connect() as conn:
                    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
            except Exception:  # Templates.drop_all sweeps what is left
                pass
            finally:
                self._queue.task_done()

    def wait(self) -> None:
        self._queue.join()
        if self._engine is not None:
            self._engine.dispose()


def _settings(url: str) -> Settings:
    """A test database's settings. The templates are migrated once, so apps built on them
    skip the migration check at start (``migrate_on_start``); tests of start-up migration
    build their own settings."""
    return Settings(database_url=url, environment="test", migrate_on_start=False)


class Templates:
    """Migrated (optionally pre-loaded) databases to clone, built once per session.

    Each clone belongs to one test: :meth:`drop` removes it when the test ends, so an
    interrupted run leaves at most the clones of the tests then running, and
    :meth:`drop_all` removes every database of this process (``PREFIX``) at session end.
    """

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.made: dict[tuple[str, str], str] = {}
        self.pg_databases: list[str] = []
        self._dropper = _Dropper()

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
            return _settings(f"sqlite:///{target}")
        db = f"{PREFIX}{next(_counter)}"
        template_db = sa.make_url(source).database
        with _admin().connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{db}" TEMPLATE "{template_db}"'))
        self.pg_databases.append(db)
        return _settings(sa.make_url(ADMIN_URL).set(database=db)
                         .render_as_string(hide_password=False))

    def drop(self, settings: Settings) -> None:
        """Remove a clone (connections still open to it are ended; PostGIS clones are
        dropped in the background)."""
        url = sa.make_url(settings.database_url)
        if settings.backend == "spatialite":
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{url.database}{suffix}").unlink(missing_ok=True)
            return
        db = url.database
        if db in self.pg_databases:
            self.pg_databases.remove(db)
            self._dropper.drop(db)

    def _new_database(self, backend: str, name: str) -> str:
        if backend == "spatialite":
            return f"sqlite:///{self.workdir / (name + '.sqlite')}"
        db = f"{PREFIX}{name}"
        with _admin().connect() as conn:
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
        """Drop every PostGIS database of this process: the ones recorded and any other
        named with its ``PREFIX`` (a clone whose test was interrupted)."""
        self._dropper.wait()
        if not self.pg_databases and postgis_unavailable() is not None:
            return
        with _admin().connect() as conn:
            left = conn.scalars(sa.text(
                "SELECT datname FROM pg_database WHERE starts_with(datname, :prefix)"),
                {"prefix": PREFIX}).all()
            # Clones before templates: a template is never dropped while being copied.
            for db in sorted(set(left) | set(self.pg_databases), key=lambda d: "_tpl_" in d):
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
        self.pg_databases.clear()
        _admin().dispose()
