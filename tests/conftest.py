"""Shared fixtures. Every storage test runs on SpatiaLite and on PostGIS.

A test asks for ``settings`` (an empty migrated database), ``demo_settings`` (the demo zone
loaded) or the ``engine`` / ``session`` built on either; each gets its own database.
"""

from __future__ import annotations

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
def settings(backend: str, templates: Templates) -> Settings:
    return templates.clone(backend, "empty", None)


@pytest.fixture
def demo_settings(backend: str, templates: Templates) -> Settings:
    return templates.clone(backend, "demo", _load_demo)


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
