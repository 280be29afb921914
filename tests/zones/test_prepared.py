"""Reads on the driver's cursor: the values SQLAlchemy would give, on both backends."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from tests.common import PLOT_A, make_zone
from zones.db import create_engine
from zones.db.batch import Batch
from zones.db.prepared import Prepared
from zones.model import (
    AllocationRequest,
    EnvGroup,
    Investor,
    PartyKind,
    Plot,
    PlotStatus,
    RequestPurpose,
    RequestStatus,
    utcnow,
)
from zones.services.plots import create_plot


def _request_and_plot(session) -> tuple[AllocationRequest, Plot]:
    investor = Investor(ref="I1", kind=PartyKind.LEGAL, name_fa="الف", nationality="IR")
    plot = create_plot(session=session, district=make_zone(session), code="1", geometry=PLOT_A)
    session.add(investor)
    session.flush()
    request = AllocationRequest(
        investor_id=investor.id, idempotency_key="k", purpose=RequestPurpose.NEW_UNIT,
        isic4="2220", env_group=EnvGroup.B, area_min_m2=500, area_max_m2=900,
        licence_expiry=dt.date(2027, 3, 20), status=RequestStatus.UNDER_REVIEW)
    session.add(request)
    session.flush()
    return request, plot


def _statement() -> sa.Select:
    r = AllocationRequest
    return (sa.select(r.id, r.status, r.purpose, r.env_group, r.licence_expiry, r.unit_id,
                      r.created_at, Plot.code, Plot.status.label("plot_status"), Plot.area_m2,
                      (Plot.status == sa.bindparam("vacant", PlotStatus.SERVICED))
                      .label("serviced"), (r.created_at < sa.bindparam("now")).label("past"))
            .join(Plot, Plot.id == sa.bindparam("plot_id"))
            .where(r.id == sa.bindparam("request_id"), r.status != RequestStatus.APPROVED))


def test_a_row_read_on_the_cursor_equals_sqlalchemys(session) -> None:
    request, plot = _request_and_plot(session)
    conn = session.connection()
    params = {"request_id": request.id, "plot_id": plot.id, "now": utcnow()}
    expected = conn.execute(_statement(), params).one()._asdict()
    got = Prepared(_statement()).first(conn, params)._asdict()
    assert got == expected
    # Enums as enums, timestamps aware (the model's UTC type), dates as dates, NULL as None.
    assert got["status"] is RequestStatus.UNDER_REVIEW and got["env_group"] is EnvGroup.B
    assert got["created_at"].tzinfo is not None and got["past"] is True
    assert got["licence_expiry"] == dt.date(2027, 3, 20) and got["unit_id"] is None
    assert got["area_m2"] == pytest.approx(plot.area_m2)


def test_no_row_is_none_and_a_prepared_statement_runs_again(session) -> None:
    request, plot = _request_and_plot(session)
    conn = session.connection()
    statement = Prepared(_statement())
    for _ in range(8):  # psycopg prepares it on the server after a few runs
        assert statement.first(conn, {"request_id": request.id, "plot_id": plot.id,
                                      "now": utcnow()}).id == request.id
    assert statement.first(conn, {"request_id": request.id + 1, "plot_id": plot.id,
                                  "now": utcnow()}) is None


def test_listeners_see_the_statement_and_driver_errors_are_sqlalchemys(session) -> None:
    request, plot = _request_and_plot(session)
    conn = session.connection()
    seen: list[str] = []
    sa.event.listen(conn, "before_cursor_execute",
                    lambda _c, _cur, statement, *_: seen.append(statement))
    Prepared(_statement()).first(conn, {"request_id": request.id, "plot_id": plot.id,
                                        "now": utcnow()})
    assert len(seen) == 1 and "allocation_request" in seen[0]
    broken = Prepared(sa.select(sa.func.no_such_function(AllocationRequest.id)))
    with pytest.raises(sa.exc.DBAPIError):
        broken.first(conn, {})


def test_writes_on_a_connection_with_no_transaction_open_are_kept_on_commit(engine) -> None:
    """A batch (on PostGIS, a Prepared statement) run first on a fresh connection: the
    transaction it opens is the connection's, so commit() keeps the row."""
    with engine.connect() as conn:
        batch = Batch()
        batch.insert(Investor.__table__, [{"ref": "P1", "kind": PartyKind.LEGAL,
                                           "name_fa": "پ", "nationality": "IR"}])
        batch.run(conn)
        conn.commit()
    with engine.connect() as conn:
        assert conn.scalar(sa.select(Investor.ref).where(Investor.ref == "P1")) == "P1"


@pytest.mark.parametrize("backend", ["postgis"], indirect=True)
def test_a_lost_connection_met_by_a_prepared_read_refreshes_the_whole_pool(settings) -> None:
    """The server dropped every connection: the read that meets a dead one says so (as
    SQLAlchemy would), and the pool's other connections are dropped with it, so the next
    statement does not meet the next dead one. (Without the pool's pre-ping, which would
    otherwise replace the dead connection before the read meets it.)"""
    engine = create_engine(settings.model_copy(update={"db_pre_ping": False}))
    held = [engine.connect() for _ in range(3)]
    for conn in held:
        conn.scalar(sa.select(1))
    for conn in held:
        conn.close()
    with engine.connect() as admin:
        admin.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
    with engine.connect() as conn, pytest.raises(sa.exc.DBAPIError) as lost:
        Prepared(sa.select(sa.literal(1).label("one"))).first(conn, {})
    assert lost.value.connection_invalidated
    with engine.connect() as conn:
        assert conn.scalar(sa.select(1)) == 1
    engine.dispose()
