"""A dropped database connection (server restart, idle kill) costs one 503, never a 500.

Connections are not pinged before use (a round trip per transaction); a dead one is
noticed when used, the pool is refreshed, and decisions retry on a new connection.
"""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

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
def test_a_lost_connection_answers_503_once_then_recovers(world, demo_settings) -> None:
    client = world["client"]
    inv = headers_for(client, "inv")
    assert client.get("/requests", headers=inv).status_code == 200
    assert _kill_other_connections(demo_settings.database_url) >= 1

    lost = client.get("/requests", headers=inv)
    assert lost.status_code == 503, lost.text
    assert lost.json()["code"] == "backend_unavailable"
    assert lost.headers["content-type"].startswith("application/problem+json")
    assert client.get("/requests", headers=inv).status_code == 200


@pytest.mark.parametrize("backend", ["postgis"], indirect=True)
def test_a_decision_retries_on_a_new_connection(engine, settings, rules) -> None:
    sessions = session_factory(engine, write=True)
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
    fresh = create_engine(settings)
    with fresh.connect() as conn:
        held = conn.scalars(sa.select(Allocation.id).where(Allocation.plot_id == plot_id)).all()
    fresh.dispose()
    assert held == [done.allocation_id]
