"""A dropped database connection (server restart, idle kill) costs at most one 503, never
a 500.

Connections are pinged when taken from the pool (ZONES_DB_PRE_PING, on): a dead one is
replaced before use. Without the ping a dead one is noticed when used, the pool is
refreshed, and decisions retry on a new connection.
"""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from api.main import create_app
from tests.api.conftest import headers_for
from tests.requests.conftest import ask, build_site
from zones.db import create_engine, session_factory
from zones.model import Allocation, RequestStatus
from zones.services import decisions, requests


def _kill_other_connections(url: str) -> int:
    admin = create_engine_for(url)
    with admin.connect() as conn:
        killed = conn.scalar(sa.text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
    admin.dispose()
    return int(killed or 0)


def create_engine_for(url: str) -> sa.Engine:
    return sa.create_engine(url, poolclass=sa.pool.NullPool)


@pytest.mark.parametrize("backend", ["postgis"], indirect=True)
@pytest.mark.parametrize("pre_ping", [True, False], ids=["pre-ping", "no-pre-ping"])
def test_a_lost_connection_costs_at_most_one_503(world, demo_settings, pre_ping) -> None:
    app = create_app(demo_settings.model_copy(update={"db_pre_ping": pre_ping}))
    with TestClient(app) as client:
        inv = headers_for(client, "inv")
        assert client.get("/requests", headers=inv).status_code == 200
        assert _kill_other_connections(demo_settings.database_url) >= 1

        after = client.get("/requests", headers=inv)
        if pre_ping:  # the dead connection is found and replaced before it is used
            assert after.status_code == 200, after.text
        else:  # noticed when used: one 503, the pool refreshed
            assert after.status_code == 503, after.text
            assert after.json()["code"] == "backend_unavailable"
            assert after.headers["content-type"].startswith("application/problem+json")
        assert client.get("/requests", headers=inv).status_code == 200


@pytest.mark.parametrize("backend", ["postgis"], indirect=True)
def test_a_decision_retries_on_a_new_connection(settings, rules) -> None:
    # Without the pre-ping the decision meets the dead pooled connection itself, and retries.
    unpinged = create_engine(settings.model_copy(update={"db_pre_ping": False}))
    sessions = session_factory(unpinged, write=True)
    with sessions() as setup:
        site = build_site(setup)
        request, _ = requests.submit(session=setup, investor=site.inv2, data=ask(),
                                     idempotency_key=uuid.uuid4().hex, actor="t", open_max=5)
        requests.transition(session=setup, request=request, to=RequestStatus.UNDER_REVIEW,
                            actor="t")
        setup.commit()
        request_id, plot_id = request.id, site.plots["2"].id
    assert _kill_other_connections(settings.database_url) >= 1

    with sessions() as session:
        done = decisions.approve(session=session, request_id=request_id, plot_id=plot_id,
                                 actor="wg", decision_ref="WG-9", settings=rules)
        session.commit()
    unpinged.dispose()
    fresh = create_engine(settings)
    with fresh.connect() as conn:
        held = conn.scalars(sa.select(Allocation.id).where(Allocation.plot_id == plot_id)).all()
    fresh.dispose()
    assert held == [done.allocation_id]
