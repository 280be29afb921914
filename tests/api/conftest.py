"""An app per backend, on a database holding the test zone's plots."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from tests.common import PLOT_A, PLOT_B_TOUCHING, PLOT_FAR, make_zone
from zones.db import create_engine, session_factory
from zones.model import PlotStatus
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
