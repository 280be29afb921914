"""Shared fixtures. Every storage test runs on SpatiaLite and on PostGIS.

A test asks for ``settings`` (an empty migrated database), ``demo_settings`` (the demo zone
loaded) or the ``engine`` / ``session`` built on either; each gets its own database, dropped
when the test ends.

Passwords are hashed at Argon2's cheapest cost here (``ZONES_TEST_CHEAP_PASSWORD_HASHING``,
also inherited by the service processes tests start); tests/zones/test_password_costs.py
proves the service itself hashes at production cost.
"""

from __future__ import annotations

import os

os.environ.setdefault("ZONES_TEST_CHEAP_PASSWORD_HASHING", "1")  # before zones.security loads

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from tests.backends import BACKENDS, Templates, require
from zones.db import create_engine, session_factory
from zones.settings import Settings


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Templates]:
    made = Templates(tmp_path_factory.mktemp("databases"))
    yield made
    made.drop_all()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    require(request.param)
    return request.param


def _load_demo(settings: Settings) -> None:
    from data.generator import generate
    from zones.services.loading import load_dataset

    engine = create_engine(settings)
    with session_factory(engine, write=True)() as session:
        load_dataset(session=session, data=generate(), actor="system:test")
        session.commit()
    engine.dispose()


@pytest.fixture
def settings(backend: str, templates: Templates) -> Iterator[Settings]:
    made = templates.clone(backend, "empty", None)
    yield made
    templates.drop(made)


def _load_demo_and_people(settings: Settings) -> None:
    from tests.common import add_people

    _load_demo(settings)
    engine = create_engine(settings)
    with session_factory(engine, write=True)() as session:
        add_people(session)
    engine.dispose()


# Fixtures that need the demo zone with one account per role (tests.common.PEOPLE): their
# tests clone a template that already holds the accounts.
WITH_PEOPLE = frozenset({"world", "people"})


@pytest.fixture
def demo_settings(request: pytest.FixtureRequest, backend: str,
                  templates: Templates) -> Iterator[Settings]:
    if WITH_PEOPLE & set(request.fixturenames):
        made = templates.clone(backend, "demo_people", _load_demo_and_people)
    else:
        made = templates.clone(backend, "demo", _load_demo)
    yield made
    templates.drop(made)


@pytest.fixture
def engine(settings: Settings) -> Iterator[sa.Engine]:
    eng = create_engine(settings)
    yield eng
    eng.dispose()


@pytest.fixture
def sessions(engine: sa.Engine):
    return session_factory(engine, write=True)


@pytest.fixture
def session(sessions) -> Iterator[Session]:
    with sessions() as s:
        yield s


@pytest.fixture
def demo_engine(demo_settings: Settings) -> Iterator[sa.Engine]:
    eng = create_engine(demo_settings)
    yield eng
    eng.dispose()


@pytest.fixture
def demo_session(demo_engine: sa.Engine) -> Iterator[Session]:
    with session_factory(demo_engine, write=True)() as s:
        yield s


# Under pytest-xdist (scripts/test.sh), the files that start real processes or Chromium go
# first: each takes minutes on one worker, and started last they would leave the other
# workers idle at the end of the run. A plain run keeps the usual order.
SLOW_FIRST = ("tests/service/", "tests/browser/")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return

    def rank(item: pytest.Item) -> int:
        path = item.nodeid.replace("\\", "/")
        return next((i for i, prefix in enumerate(SLOW_FIRST) if path.startswith(prefix)),
                    len(SLOW_FIRST))

    items.sort(key=rank)  # stable: the order within each group is unchanged
