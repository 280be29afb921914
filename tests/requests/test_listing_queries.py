"""``GET /requests`` loads a page in a fixed number of SQL statements, whatever its size.

Forty requests of every kind a page shows (with and without a unit, scored, with history,
holding a plot, holding one whose reservation lapsed) are listed ten and forty at a time:
both pages cost the same statements, and few of them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from tests.api.conftest import headers_for
from zones.db.engine import create_engine, session_factory
from zones.model import (
    AllocationRequest,
    EnvGroup,
    ExpansionKind,
    Investor,
    Plot,
    ProductionUnit,
    RequestPurpose,
    RequestScore,
    RequestStatus,
    RequestStatusChange,
    Reservation,
    ReservationStatus,
    utcnow,
)

ROWS = 40
MAX_STATEMENTS = 12  # sign-in, the page, scores, history, refs, reservations (+ slack)


def _seed(settings) -> dict[int, str]:
    """ROWS requests in five kinds (by ``i % 5``); the status each must be shown with."""
    engine = create_engine(settings)
    shown: dict[int, str] = {}
    try:
        with session_factory(engine, write=True)() as session:
            units = session.execute(sa.select(ProductionUnit.id, ProductionUnit.investor_id)
                                    .order_by(ProductionUnit.id).limit(ROWS)).all()
            investors = session.scalars(sa.select(Investor.id).order_by(Investor.id)
                                        .limit(ROWS)).all()
            held = sa.select(Reservation.plot_id).where(
                Reservation.status == ReservationStatus.LIVE)
            plots = session.scalars(sa.select(Plot.id).where(
                Plot.valid_to.is_(None), Plot.id.not_in(held)).order_by(Plot.id).limit(ROWS)).all()
            assert len(units) >= ROWS // 5 and len(plots) >= 2 * ROWS // 5
            now = utcnow()
            for i in range(ROWS):
                kind = i % 5
                unit_id, investor_id = units[i // 5] if kind == 1 else (None, investors[i])
                status = {0: RequestStatus.SUBMITTED, 1: RequestStatus.UNDER_REVIEW,
                          2: RequestStatus.RESERVED, 3: RequestStatus.RESERVED,
                          4: RequestStatus.REJECTED}[kind]
                request = AllocationRequest(
                    investor_id=investor_id, unit_id=unit_id, idempotency_key=f"count-{i}",
                    purpose=RequestPurpose.EXPANSION if unit_id else RequestPurpose.NEW_UNIT,
                    expansion_kind=ExpansionKind.MORE_SPACE if unit_id else None,
                    isic4="2220", env_group=EnvGroup.B, area_min_m2=1000.0,
                    area_max_m2=3000.0, preferred_districts=["D1"],
                    preferred_plots=[["D1", str(i)]], status=status)
                session.add(request)
                session.flush()
                session.add_all([
                    RequestStatusChange(request_id=request.id, from_status=None,
                                        to_status=RequestStatus.SUBMITTED, actor="test"),
                    RequestStatusChange(request_id=request.id,
                                        from_status=RequestStatus.SUBMITTED,
                                        to_status=status, actor="test"),
                    RequestScore(request_id=request.id, criterion="jobs_per_ha", points=3.0,
                                 max_points=10.0, computed=True, scored_by="system"),
                    RequestScore(request_id=request.id, criterion="track_record",
                                 points=4.0, max_points=10.0, computed=False,
                                 scored_by="staff")])
                if kind in (2, 3):  # 3: the reservation lapsed, the sweep has not run
                    expires = now + (dt.timedelta(days=5) if kind == 2
                                     else -dt.timedelta(hours=1))
                    session.add(Reservation(plot_id=plots[i], request_id=request.id,
                                            status=ReservationStatus.LIVE,
                                            expires_at=expires))
                shown[request.id] = "expired" if kind == 3 else status.value
            session.commit()
    finally:
        engine.dispose()
    return shown


@contextmanager
def counted(engine: sa.Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


@pytest.fixture
def listed(world) -> dict:
    return {"shown": _seed(world["client"].app.state.settings), **world}


def test_a_page_of_requests_costs_the_same_statements_at_any_size(listed) -> None:
    client, shown = listed["client"], listed["shown"]
    staff = headers_for(client, "staff")
    engine = client.app.state.engine
    counts = {}
    for size in (10, ROWS):
        with counted(engine) as statements:
            page = client.get(f"/requests?limit={size}", headers=staff)
        assert page.status_code == 200, page.text
        items = page.json()["items"]
        assert len(items) == size
        counts[size] = len(statements)
        for item in items:
            assert item["status"] == shown[item["id"]], item
            assert item["total_score"] == 7.0 and len(item["history"]) == 2
            assert (item["reservation"] is not None) == (item["status"] == "reserved")
            assert (item["unit_ref"] is not None) == (item["purpose"] == "expansion")
    assert counts[10] == counts[ROWS], counts
    assert counts[ROWS] <= MAX_STATEMENTS, counts
