"""Fixtures for units, revival plans and levies: the API ``world`` plus direct DB access."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from tests.api.conftest import PASSWORD, headers_for, world  # noqa: F401 - fixtures
from zones.db import create_engine, session_factory
from zones.model import Investor, ProductionUnit, UnitStatus
from zones.settings import Settings


@pytest.fixture
def db(demo_settings: Settings) -> Iterator[Session]:
    """A session on the database the ``world`` app serves; tests end its transactions
    (``commit``/``rollback``) before calling the app, so SQLite never sees two writers."""
    engine = create_engine(demo_settings)
    with session_factory(engine)() as session:
        yield session
    engine.dispose()


def dormant_unit(session: Session, investor_ref: str) -> ProductionUnit:
    unit = session.scalars(sa.select(ProductionUnit).join(Investor)
                           .where(Investor.ref == investor_ref,
                                  ProductionUnit.status == UnitStatus.DORMANT)
                           .order_by(ProductionUnit.ref)).first()
    session.commit()  # end the read; the object keeps its loaded values
    return unit


class Api:
    """Calls as one user of the world, asserting the status code."""

    def __init__(self, client, username: str | None) -> None:
        self.client = client
        self.headers = headers_for(client, username)

    def __call__(self, method: str, url: str, status: int = 200, **kw):
        response = self.client.request(method, url, headers=self.headers, **kw)
        assert response.status_code == status, response.text
        return response.json() if "json" in response.headers.get("content-type", "") else response


@pytest.fixture
def as_user(world):  # noqa: F811 - the imported fixture, requested by name
    return lambda username: Api(world["client"], username)
