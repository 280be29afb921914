"""An app per backend, on a database holding the test zone's plots."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from api.main import create_app
from tests.common import PLOT_A, PLOT_B_TOUCHING, PLOT_FAR, make_zone
from zones.db import create_engine, session_factory
from zones.model import Investor, PlotStatus, ProductionUnit, Role
from zones.services.plots import create_plot
from zones.services.users import create_user
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


PASSWORD = "correct horse battery"


@pytest.fixture
def world(demo_settings: Settings) -> Iterator[dict]:
    engine = create_engine(demo_settings)
    with session_factory(engine, write=True)() as session:
        owners = session.execute(
            sa.select(Investor.ref, sa.func.count(ProductionUnit.id))
            .join(ProductionUnit).group_by(Investor.ref)
            .order_by(sa.func.count(ProductionUnit.id).desc(), Investor.ref)).all()
        own, other = owners[0][0], owners[1][0]
        units = {ref: set(session.scalars(sa.select(ProductionUnit.ref).join(Investor)
                                          .where(Investor.ref == ref)))
                 for ref in (own, other)}
        for name, role in [("inv", Role.INVESTOR), ("cons", Role.CONSULTANT),
                           ("staff", Role.STAFF), ("wg", Role.WORKING_GROUP),
                           ("admin", Role.ADMIN)]:
            create_user(session=session, username=name, password=PASSWORD, role=role,
                        investor_ref=own if role is Role.INVESTOR else None)
        session.commit()
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
