"""Batched writes: the same rows on both backends, one statement on PostGIS, all or nothing."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from tests.common import PLOT_A, make_zone
from zones.db.batch import Batch, complete, next_ids
from zones.model import AllocationRequest as Request
from zones.model import (
    Investor,
    PartyKind,
    Plot,
    PlotStatus,
    RequestStatus,
    RequestStatusChange,
    utcnow,
)
from zones.services.plots import create_plot


def _statements(conn: sa.Connection) -> list[str]:
    seen: list[str] = []
    sa.event.listen(conn, "before_cursor_execute",
                    lambda _c, _cur, statement, *_: seen.append(statement))
    return seen


def _request(request_id: int, investor_id: int, key: str) -> dict:
    now = utcnow()
    return {"id": request_id, "investor_id": investor_id, "idempotency_key": key,
            "purpose": "new_unit", "isic4": "2220", "env_group": "B", "area_min_m2": 500,
            "area_max_m2": 900, "status": RequestStatus.SUBMITTED, "created_at": now,
            "updated_at": now}


def _investor_and_plot(session) -> tuple[Investor, Plot]:
    investor = Investor(ref="I1", kind=PartyKind.LEGAL, name_fa="الف", nationality="IR")
    plot = create_plot(session=session, district=make_zone(session), code="1", geometry=PLOT_A)
    session.add(investor)
    session.flush()
    return investor, plot


def test_rows_that_reference_each_other_land_in_one_statement(session) -> None:
    investor, plot = _investor_and_plot(session)
    conn = session.connection()
    dialect = conn.dialect.name
    first, second = conn.execute(sa.select(*next_ids(Request.__table__, 2, dialect))).one()
    assert second == first + 1

    batch = Batch()
    batch.insert(Request.__table__, [_request(first, investor.id, "a"),
                                     _request(second, investor.id, "b")])
    # History rows point at requests written by the same batch: the keys were drawn first.
    batch.insert(RequestStatusChange.__table__, [
        {"request_id": rid, "from_status": None, "to_status": RequestStatus.SUBMITTED,
         "actor": "t", "reason": None} for rid in (first, second)])
    batch.update(Plot.__table__, plot.id, {"status": PlotStatus.SERVICED})
    seen = _statements(conn)
    batch.run(conn)

    assert len(seen) == (1 if dialect == "postgresql" else 5)
    rows = conn.execute(sa.select(Request.id, Request.idempotency_key, Request.needs_gas)
                        .order_by(Request.id)).all()
    assert [tuple(r) for r in rows] == [(first, "a", False), (second, "b", False)]
    history = conn.execute(sa.select(RequestStatusChange.request_id, RequestStatusChange.at)
                           ).all()
    assert sorted(r.request_id for r in history) == [first, second]
    assert all(isinstance(r.at, dt.datetime) for r in history)  # Python default applied
    status, stamped = conn.execute(sa.select(Plot.status, Plot.updated_at)
                                   .where(Plot.id == plot.id)).one()
    assert status is PlotStatus.SERVICED and stamped is not None
    assert batch.shapes == [] and batch.params == {}  # spent: a second run writes nothing


def test_a_failing_write_leaves_none_of_the_batch(sessions) -> None:
    with sessions() as session:
        investor = Investor(ref="I1", kind=PartyKind.LEGAL, name_fa="الف", nationality="IR")
        session.add(investor)
        session.commit()
        conn = session.connection()
        (rid,) = conn.execute(sa.select(*next_ids(Request.__table__, 1,
                                                  conn.dialect.name))).one()
        batch = Batch()
        batch.insert(Request.__table__, [_request(rid, investor.id, "k")])
        batch.insert(Request.__table__, [_request(rid + 1, investor.id, "k")])  # same key
        with pytest.raises(IntegrityError):
            batch.run(conn)
        session.rollback()
        assert session.scalar(sa.select(sa.func.count()).select_from(Request)) == 0


def test_a_guarded_batch_writes_only_when_its_check_clears(session) -> None:
    investor, plot = _investor_and_plot(session)
    conn = session.connection()
    taken = sa.bindparam("key")
    existing = (sa.select(Request.id).where(Request.idempotency_key == taken)
                .scalar_subquery())
    check = sa.select(existing.label("existing"), existing.is_(None).label("clear"))
    seen = _statements(conn)

    def attempt(key: str, status: PlotStatus) -> sa.Row:
        (rid,) = conn.execute(sa.select(*next_ids(Request.__table__, 1,
                                                  conn.dialect.name))).one()
        batch = Batch()
        batch.insert(Request.__table__, [_request(rid, investor.id, key)])
        batch.update(Plot.__table__, plot.id, {"status": status})
        seen.clear()
        row = batch.run(conn, check=check, check_params={"key": key}, guard="clear")
        if conn.dialect.name == "postgresql":
            assert len(seen) == 1  # check and writes in one statement
        return row

    first = attempt("a", PlotStatus.SERVICED)
    assert first.clear and first.existing is None
    again = attempt("a", PlotStatus.PLANNED)  # the key is taken: nothing written
    assert not again.clear
    keys = conn.execute(sa.select(Request.id, Request.idempotency_key)).all()
    assert [k for _, k in keys] == ["a"] and again.existing == keys[0].id
    assert conn.scalar(sa.select(Plot.status).where(Plot.id == plot.id)) is PlotStatus.SERVICED


def test_complete_fills_python_defaults_and_nulls() -> None:
    row = complete(Request.__table__, {"id": 7, "status": RequestStatus.SUBMITTED})
    assert set(row) == {c.name for c in Request.__table__.c}
    assert row["needs_gas"] is False and row["preferred_plots"] == []
    assert row["note"] is None and isinstance(row["created_at"], dt.datetime)
    assert "id" not in complete(Request.__table__, {})  # the database numbers it
