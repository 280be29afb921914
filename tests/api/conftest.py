"""An app per backend, on a database holding the test zone's plots."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from api.main import create_app
from tests.common import (
    PASSWORD,
    PLOT_A,
    PLOT_B_TOUCHING,
    PLOT_FAR,
    investors_by_units,
    make_zone,
)
from zones.db import create_engine, session_factory
from zones.model import Investor, PlotStatus, ProductionUnit
from zones.services.plots import create_plot
from zones.settings import Settings


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    engine = create_engine(settings)
    with session_factory(engine)() as session:
        district = make_zone(session)
        create_plot(session=session, district=district, code="1", geometry=PLOT_A,
                    status=PlotStatus.OPERATING)
        create_plot(session=session, district=district, code="2", geometry=PLOT_B_TOUCHING)
        create_plot(session=session, district=district, code="ک-۳", geometry=PLOT_FAR)
        session.commit()
    engine.dispose()
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def world(demo_settings: Settings) -> Iterator[dict]:
    """The demo zone with one account per role (tests.common.PEOPLE, password
    :data:`PASSWORD`; ``inv`` acts for ``own``, the investor with the most units), served
    by an app. The accounts come with the database (tests/conftest.py ``demo_settings``)."""
    engine = create_engine(demo_settings)
    with session_factory(engine)() as session:
        owners = investors_by_units(session)
        own, other = owners[0][0], owners[1][0]
        units = {ref: set(session.scalars(sa.select(ProductionUnit.ref).join(Investor)
                                          .where(Investor.ref == ref)))
                 for ref in (own, other)}
        totals = {"n_investors": session.scalar(sa.select(sa.func.count()).select_from(Investor)),
                  "n_units": session.scalar(sa.select(sa.func.count()).select_from(
                      ProductionUnit))}
    engine.dispose()
    with TestClient(create_app(demo_settings)) as client:
        yield {"client": client, "own": own, "other": other, "units": units, **totals}


def headers_for(client: TestClient, username: str | None) -> dict[str, str]:
    """Bearer headers for a user of the ``world`` fixture (none for anonymous)."""
    if username is None:
        return {}
    response = client.post("/auth/token", data={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}
