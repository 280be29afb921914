"""Expiry on its own: lapsed reservations closed and stale requests expired, by the service
function, the ``zones requests expire`` command and the service's timer; and staff
releasing a reservation through the API."""

from __future__ import annotations

import datetime as dt
import time
import uuid

import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.main import create_app
from tests.api.conftest import headers_for
from tests.requests.conftest import ask
from tests.requests.test_api import body
from zones.cli import app as cli
from zones.db import create_engine, session_factory
from zones.model import (
    AllocationRequest,
    RequestStatus,
    RequestStatusChange,
    Reservation,
    ReservationStatus,
)
from zones.model.base import utcnow
from zones.services import decisions, requests
from zones.services.expiry import expire_due

S = RequestStatus


def _request(session, site, investor=None) -> AllocationRequest:
    request, _ = requests.submit(session=session, investor=investor or site.inv2, data=ask(),
                                 idempotency_key=uuid.uuid4().hex, actor="test", open_max=10)
    session.commit()
    return request


def test_expire_due_closes_lapsed_and_stale_and_spares_the_rest(session, site, rules) -> None:
    t0 = utcnow()
    lapsing = _request(session, site)
    requests.transition(session=session, request=lapsing, to=S.UNDER_REVIEW, actor="staff")
    session.commit()
    held = decisions.reserve(session=session, request_id=lapsing.id,
                             plot_id=site.plots["2"].id, actor="staff", settings=rules, now=t0)
    fresh = _request(session, site, investor=site.inv1)
    stale = _request(session, site)
    session.execute(sa.update(AllocationRequest).where(AllocationRequest.id == stale.id)
                    .values(created_at=t0 - dt.timedelta(days=rules.request_review_days + 1)))
    session.commit()

    done = expire_due(session=session, settings=rules, now=t0 + dt.timedelta(hours=1))
    assert (done.reservations, done.requests) == (0, 1)
    done = expire_due(session=session, settings=rules, now=t0 + dt.timedelta(hours=73))
    assert (done.reservations, done.requests) == (1, 0)

    for r in (lapsing, fresh, stale):
        session.refresh(r)
    assert (lapsing.status, fresh.status, stale.status) == (S.EXPIRED, S.SUBMITTED, S.EXPIRED)
    assert session.get(Reservation, held.id).status is ReservationStatus.EXPIRED
    # Each expiry is in the request's history, by the system.
    recorded = session.scalars(sa.select(RequestStatusChange.request_id).where(
        RequestStatusChange.actor == "system:expiry")).all()
    assert sorted(recorded) == sorted([lapsing.id, stale.id])


def test_cli_expires_stale_requests(settings, session, site, monkeypatch) -> None:
    stale = _request(session, site)
    session.execute(sa.update(AllocationRequest).where(AllocationRequest.id == stale.id)
                    .values(created_at=utcnow() - dt.timedelta(days=200)))
    session.commit()
    monkeypatch.setenv("ZONES_DATABASE_URL", settings.database_url)
    result = CliRunner().invoke(cli, ["requests", "expire"])
    assert result.exit_code == 0, result.output
    assert "0 reservations closed, 1 requests expired" in result.output
    session.refresh(stale)
    assert stale.status is S.EXPIRED


def test_service_timer_closes_a_lapsed_reservation(settings, session, site, rules) -> None:
    request = _request(session, site)
    requests.transition(session=session, request=request, to=S.UNDER_REVIEW, actor="staff")
    session.commit()
    decisions.reserve(session=session, request_id=request.id, plot_id=site.plots["2"].id,
                      actor="staff", settings=rules, now=utcnow() - dt.timedelta(hours=100))
    session.commit()
    request_id = request.id
    session.close()
    with TestClient(create_app(settings.model_copy(update={"expiry_interval_s": 0.05}))):
        engine = create_engine(settings)
        deadline = time.monotonic() + 20
        status = None
        while time.monotonic() < deadline:
            with session_factory(engine)() as s:
                status = s.get(AllocationRequest, request_id).status
            if status is S.EXPIRED:
                break
            time.sleep(0.05)
        engine.dispose()
    assert status is S.EXPIRED


def test_staff_release_a_reservation_back_to_review(world) -> None:
    client = world["client"]
    inv, staff, wg = (headers_for(client, u) for u in ("inv", "staff", "wg"))
    rid = client.post("/requests", json=body(), headers={**inv, "Idempotency-Key": "k1"}
                      ).json()["id"]
    match = client.get(f"/requests/{rid}/matches?limit=1", headers=inv).json()["items"][0]
    plot = {"district": match["district"], "code": match["code"]}
    client.post(f"/requests/{rid}/review", json={}, headers=staff)
    assert client.post(f"/requests/{rid}/reserve", json={"plot": plot},
                       headers=staff).json()["status"] == "reserved"

    assert client.post(f"/requests/{rid}/release", json={}, headers=inv).status_code == 403
    released = client.post(f"/requests/{rid}/release", json={"reason": "investor asked"},
                           headers=staff)
    assert released.status_code == 200, released.text
    assert released.json()["status"] == "under_review"
    assert released.json()["reservation"] is None
    again = client.post(f"/requests/{rid}/release", json={}, headers=staff)
    assert again.status_code == 409 and again.json()["code"] == "request_transition_forbidden"
    # The plot is free again: another request may hold it.
    rival = client.post("/requests", json=body(investor_ref=world["other"]),
                        headers={**staff, "Idempotency-Key": "k2"}).json()["id"]
    client.post(f"/requests/{rival}/review", json={}, headers=staff)
    taken = client.post(f"/requests/{rival}/reserve", json={"plot": plot}, headers=staff)
    assert taken.status_code == 200, taken.text
    assert wg  # the working group is not needed to release
