"""Reserving, ranking, drawing and approving: the steps that decide who gets a plot.

Never twice: the database holds one live reservation and one active allocation per plot
(partial unique indexes on both backends). On top of that, each decision locks its
request and plot rows (``SELECT … FOR UPDATE`` on PostGIS; SpatiaLite writers already
queue behind ``BEGIN IMMEDIATE``), so of two approvals of one plot the second sees the
first's allocation and is refused with ``plot_already_allocated``. Serialization
failures, deadlocks and a busy SQLite are retried a few times, then reported as
``database_busy`` (503), never as a 500.

Reservations expire by themselves: a lapsed one is ignored by every read, and closed
(its request marked expired) by :func:`sweep_expired`, which each decision runs first.

On PostGIS an approval first looks without locking (:func:`_decided_at_a_glance`): most
approvals of a contested plot are refused, and a refusal read from committed rows needs
no lock. One that looks clear is written at once, in one autocommit statement that locks
the request and plot rows and writes only if both are still the row versions the look
read (PostgreSQL's ``xmin``). What an approval checks of the request and plot changes
one of those rows: a decision changes the request's status and the plot's, a withdrawal
or release the request's, and taking a reservation touches its plot (a trigger,
migration 0009), so a write racing any of them writes nothing and the approval looks
again, or takes the locked path. (A district's policy and the protected areas are
read, not locked, on either path.)
"""

from __future__ import annotations

import datetime as dt
import functools
import random
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.util import identity_key

from zones import errors
from zones.audit import Trail
from zones.db.backend import translate, translated_errors
from zones.db.batch import Batch
from zones.db.prepared import Prepared
from zones.model import (
    HELD_STATUSES,
    Allocation,
    AllocationRequest,
    AllocationStatus,
    District,
    DistrictPolicy,
    Investor,
    Lottery,
    Obligation,
    ObligationKind,
    ObligationStatus,
    Plot,
    RequestPurpose,
    RequestStatus,
    Reservation,
    ReservationStatus,
    utcnow,
)
from zones.services.allocation import (
    ALLOCATABLE,
    NEW_IDS,
    allocation_ids,
    write_allocation,
)
from zones.services.matching import env_allowed
from zones.services.requests import (
    ALLOWED,
    record_transition,
    release_reservations,
    transition,
)
from zones.services.scoring import gate_failures, total
from zones.settings import Settings

T = TypeVar("T")
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})  # serialization failure, deadlock


def _retryable(exc: DBAPIError) -> bool:
    if exc.connection_invalidated:  # the server restarted or dropped us: a new connection
        return True
    if getattr(exc.orig, "sqlstate", None) in RETRYABLE_SQLSTATES:
        return True
    message = str(exc.orig).lower()
    return "database is locked" in message or "database is busy" in message


def with_retries(session: Session, work: Callable[[], T], attempts: int) -> T:
    """Run ``work`` and commit; on a transient database failure roll back and run it again.

    ``work`` must load what it needs inside (objects from a rolled-back attempt are stale).
    Domain errors roll back and propagate; so do database errors our constraints raise,
    translated to domain errors.
    """
    for attempt in range(attempts):
        try:
            result = work()
            session.commit()
            return result
        except DBAPIError as exc:
            session.rollback()
            if not _retryable(exc):
                if (err := translate(exc)) is not None:
                    raise err from exc
                raise
            if attempt == attempts - 1:
                raise errors.DatabaseBusy(
                    f"the database stayed busy after {attempts} attempts; try again",
                    attempts=attempts) from exc
            time.sleep(random.uniform(0, 0.005 * 2**attempt))  # noqa: S311 - jitter only
        except BaseException:
            session.rollback()
            raise
    raise AssertionError("unreachable")


def _locked_request(session: Session, request_id: int) -> AllocationRequest:
    request = session.scalar(sa.select(AllocationRequest).where(
        AllocationRequest.id == request_id).with_for_update().execution_options(
            populate_existing=True))
    if request is None:
        raise errors.RequestNotFound(f"no request {request_id}", request_id=request_id)
    return request


def _live(reservation: Any, now: Any) -> sa.ColumnElement[bool]:
    """A reservation that still holds its plot: live and not lapsed at ``now`` (a lapsed
    one is ignored by every read until the sweep closes it)."""
    return sa.and_(reservation.status == ReservationStatus.LIVE, reservation.expires_at > now)


def _xmin(table: sa.Table) -> sa.ColumnElement[str]:
    """The id of the transaction that wrote the row's current version (PostgreSQL): any
    update, even one that changes no value, gives the row a new one."""
    return sa.cast(sa.literal_column(f"{table.name}.xmin"), sa.Text)


def _plot_columns(dialect: str, ids: bool, prefix: str = "", *, look: bool = False
                  ) -> list[Any]:
    """What a decision on a plot must know, as columns of a statement selecting ``Plot``:
    its status and size, the live reservation holding it (a lapsed one is ignored), its
    district's policy, whether an active allocation exists and, with ``ids``, fresh ids
    for the allocation an approval writes (``id0``, ``id1``…). For the unlocked ``look``
    (PostgreSQL), the row's version too, and ids only where the plot is not taken: a
    look at a taken plot, the common refusal, draws none."""
    now = sa.bindparam("now", type_=Reservation.expires_at.type)
    held = aliased(Reservation)  # the statement may join the request's own reservation
    live = (sa.select(held.request_id, held.expires_at)
            .where(held.plot_id == Plot.id, _live(held, now)).limit(1).correlate_except(held))
    policy = sa.select(DistrictPolicy).where(DistrictPolicy.district_id == Plot.district_id)
    allocated = sa.exists().where(Allocation.plot_id == Plot.id,
                                  Allocation.status == AllocationStatus.ACTIVE)
    drawn: list[Any] = list(allocation_ids(dialect).selected_columns) if ids else []
    if look:
        # Equalities, not IN: an IN list is expanded on every execution.
        open_plot = sa.and_(sa.or_(*(Plot.status == s for s in sorted(ALLOCATABLE))),
                            Plot.valid_to.is_(None), ~allocated)
        drawn = [sa.case((open_plot, c)) for c in drawn]  # nextval() runs only if open
    columns = [
        Plot.id, Plot.code, Plot.status, Plot.valid_to, Plot.area_m2, Plot.district_id,
        live.with_only_columns(held.request_id).scalar_subquery().label("held_by"),
        live.with_only_columns(held.expires_at).scalar_subquery().label("held_until"),
        policy.with_only_columns(DistrictPolicy.expansion_only).scalar_subquery()
        .label("expansion_only"),
        policy.with_only_columns(DistrictPolicy.reservation_hours).scalar_subquery()
        .label("reservation_hours"),
        allocated.label("allocated"),
        *[c.label(f"id{i}") for i, c in enumerate(drawn)],
        *([_xmin(Plot.__table__).label("version")] if look else []),
    ]
    return [c.label(f"{prefix}{c.key}") for c in columns]


@functools.cache
def _plot_state_stmt(dialect: str, ids: bool) -> sa.Select[Any]:
    # Built once: a contested plot sees this statement thousands of times a minute, and
    # a prebuilt statement skips construction and cache-key generation on every call.
    return (sa.select(*_plot_columns(dialect, ids)).where(Plot.id == sa.bindparam("plot_id"))
            .with_for_update(of=Plot.__table__))


def _plot_state(session: Session, plot_id: int, now: dt.datetime, *, ids: bool = False
                ) -> sa.Row[Any]:
    """Lock ``plot`` and read, in the same statement, what a decision on it must know
    (:func:`_plot_columns`): one round trip."""
    session.flush()  # Core on the session's connection below: pending ORM changes first
    conn = session.connection()
    row = conn.execute(_plot_state_stmt(conn.dialect.name, ids),
                       {"plot_id": plot_id, "now": now}).one_or_none()
    if row is None:
        raise errors.PlotNotFound(f"no plot {plot_id}", plot_id=plot_id)
    return row


def live_reservation(session: Session, *, now: dt.datetime, request_id: int | None = None,
                     plot_id: int | None = None) -> Reservation | None:
    """The live, unexpired reservation of a request or plot (a lapsed one is ignored)."""
    stmt = sa.select(Reservation).where(_live(Reservation, now))
    if request_id is not None:
        stmt = stmt.where(Reservation.request_id == request_id)
    if plot_id is not None:
        stmt = stmt.where(Reservation.plot_id == plot_id)
    return session.scalars(stmt).first()


def shown_status(session: Session, request: AllocationRequest, now: dt.datetime
                 ) -> RequestStatus:
    """The status a reader sees: a reserved request whose reservation lapsed is expired."""
    if request.status is RequestStatus.RESERVED and live_reservation(
            session, now=now, request_id=request.id) is None:
        return RequestStatus.EXPIRED
    return request.status


def sweep_expired(session: Session, *, now: dt.datetime | None = None,
                  plot_id: int | None = None, request_id: int | None = None) -> int:
    """Close lapsed reservations (all, or one plot's / request's) and expire their requests."""
    now = now or utcnow()
    stmt = sa.select(Reservation).where(Reservation.status == ReservationStatus.LIVE,
                                        Reservation.expires_at <= now)
    if plot_id is not None:
        stmt = stmt.where(Reservation.plot_id == plot_id)
    if request_id is not None:
        stmt = stmt.where(Reservation.request_id == request_id)
    lapsed = session.scalars(stmt.order_by(Reservation.id).with_for_update()).all()
    for reservation in lapsed:
        reservation.status, reservation.closed_at = ReservationStatus.EXPIRED, now
        request = session.get(AllocationRequest, reservation.request_id)
        if request is not None and request.status is RequestStatus.RESERVED:
            transition(session=session, request=request, to=RequestStatus.EXPIRED,
                       actor="system:expiry", reason=f"reservation lapsed at {now:%Y-%m-%d %H:%M}")
    session.flush()
    return len(lapsed)


def _check_gates(session: Session, request: Any, plot: sa.Row[Any], settings: Settings,
                 today: dt.date) -> None:
    failed = gate_failures(request, today)
    if not env_allowed(session=session, request=request, plot=plot, settings=settings):
        failed.append("env_group_in_buffer")
    if plot.expansion_only and request.purpose is not RequestPurpose.EXPANSION:
        failed.append("district_expansion_only")
    if failed:
        raise errors.GateFailed(f"request {request.id} fails {', '.join(failed)} for plot "
                                f"{plot.code}", gates=failed, request_id=request.id)


def _check_vacant(plot: sa.Row[Any], request_id: int) -> None:
    if plot.status in HELD_STATUSES or plot.allocated:  # a concurrent approval got there first
        raise errors.PlotAlreadyAllocated(f"plot {plot.code} is {plot.status.value}",
                                          plot_id=plot.id, status=plot.status.value)
    if plot.valid_to is not None or plot.status not in ALLOCATABLE:
        raise errors.PlotNotVacant(f"plot {plot.code} is {plot.status.value}",
                                   plot_id=plot.id, status=plot.status.value)
    if plot.held_by is not None and plot.held_by != request_id:
        until = f"{plot.held_until:%Y-%m-%d %H:%M} UTC"
        raise errors.PlotReserved(f"plot {plot.code} is reserved until {until}",
                                  plot_id=plot.id, until=plot.held_until.isoformat())


def reserve(*, session: Session, request_id: int, plot_id: int, actor: str, settings: Settings,
            now: dt.datetime | None = None) -> Reservation:
    """Hold ``plot`` for the request for the district's (or the default) reservation time."""
    session.info["actor"] = actor

    def work() -> Reservation:
        at = now or utcnow()
        sweep_expired(session, now=at, plot_id=plot_id)
        request = _locked_request(session, request_id)
        if RequestStatus.RESERVED not in ALLOWED[request.status]:
            raise errors.TransitionForbidden(
                f"a {request.status.value} request cannot be reserved a plot",
                request_id=request.id, status=request.status.value, to="reserved")
        plot = _plot_state(session, plot_id, at)
        _check_vacant(plot, request.id)
        _check_gates(session, request, plot, settings, at.date())
        hours = plot.reservation_hours or settings.reservation_hours
        reservation = Reservation(plot_id=plot.id, request_id=request.id,
                                  status=ReservationStatus.LIVE, created_at=at,
                                  expires_at=at + dt.timedelta(hours=hours))
        try:
            with session.begin_nested():
                session.add(reservation)
                session.flush()
        except IntegrityError as exc:
            raise errors.PlotReserved(f"plot {plot.code} was just reserved for another request",
                                      plot_id=plot.id) from exc
        transition(session=session, request=request, to=RequestStatus.RESERVED, actor=actor,
                   reason=f"plot {plot.code} until {reservation.expires_at:%Y-%m-%d %H:%M} UTC")
        return reservation
    return with_retries(session, work, settings.decision_retries)


@dataclass
class Approval:
    """What an approval created (the session's copies of the request and plot are expired)."""

    request_id: int
    allocation_id: int
    plot_id: int
    due: dict[ObligationKind, dt.date]


def _request_columns() -> list[Any]:
    r, res = AllocationRequest, Reservation
    return [r.id, r.investor_id, r.unit_id, r.status, r.purpose, r.env_group, r.licence_no,
            r.licence_expiry, r.allocation_id, r.decision_ref, res.id.label("held_id"),
            res.plot_id.label("held_plot_id"), res.expires_at.label("held_until")]


def _with_live_reservation(stmt: sa.Select[Any]) -> sa.Select[Any]:
    res = Reservation
    return stmt.outerjoin(res, sa.and_(res.request_id == AllocationRequest.id,
                                       res.status == ReservationStatus.LIVE))


@functools.cache
def _request_state_stmt() -> sa.Select[Any]:
    return (_with_live_reservation(sa.select(*_request_columns()))
            .where(AllocationRequest.id == sa.bindparam("request_id")).limit(1)
            .with_for_update(of=AllocationRequest.__table__))


@functools.cache
def _approval_state_stmt(dialect: str, locked: bool = True) -> sa.Select[Any]:
    # The request, its live reservation and the plot it holds (or the one named), both
    # rows locked, with fresh ids for the allocation: one trip on the hot path. Unlocked,
    # with the rows' versions, for the look taken before queueing for any lock
    # (PostgreSQL only).
    columns = [*_request_columns(), *_plot_columns(dialect, True, "plot_", look=not locked)]
    if not locked:
        columns.append(_xmin(AllocationRequest.__table__).label("version"))
    stmt = (_with_live_reservation(sa.select(*columns))
            .join(Plot, Plot.id == sa.func.coalesce(Reservation.plot_id,
                                                    sa.bindparam("plot_id")))
            .where(AllocationRequest.id == sa.bindparam("request_id")).limit(1))
    if locked:
        stmt = stmt.with_for_update(of=[AllocationRequest.__table__, Plot.__table__])
    return stmt


@functools.cache
def _look_stmt(dialect: str) -> Prepared:
    return Prepared(_approval_state_stmt(dialect, locked=False))


def _approval_state(session: Session, request_id: int, plot_id: int | None,
                    now: dt.datetime, *, conn: sa.Connection | None = None,
                    locked: bool = True) -> tuple[Any, Any] | None:
    """The request and plot rows an approval needs, in one statement (locked, or the
    unlocked look's columns with ``locked=False``); None when the join finds nothing (no
    such request or plot, or no plot named nor reserved): the caller then reads them one
    by one, which says what is missing."""
    if conn is None:
        session.flush()
        conn = session.connection()
    params = {"request_id": request_id, "plot_id": plot_id, "now": now}
    if locked:
        row = conn.execute(_approval_state_stmt(conn.dialect.name), params).one_or_none()
    else:  # the look, on every decision of a contested plot: on the driver's cursor
        row = _look_stmt(conn.dialect.name).first(conn, params)
    if row is None:
        return None
    values = row._asdict()
    plot = {k.removeprefix("plot_"): values.pop(k) for k in list(values)
            if k.startswith("plot_")}
    return SimpleNamespace(**values), SimpleNamespace(**plot)


def _request_state(session: Session, request_id: int) -> sa.Row[Any]:
    """Lock the request and read it with its live reservation (lapsed or not): one trip."""
    session.flush()
    row = session.connection().execute(_request_state_stmt(),
                                       {"request_id": request_id}).one_or_none()
    if row is None:
        raise errors.RequestNotFound(f"no request {request_id}", request_id=request_id)
    return row


def _expire_cached(session: Session, *objects: tuple[type[Any], int]) -> None:
    """Core wrote these rows: the session's copies, if any, must reload."""
    for cls, ident in objects:
        cached = session.identity_map.get(identity_key(cls, ident))
        if cached is not None:
            session.expire(cached)


@functools.cache
def _reserved_meanwhile() -> sa.Select[Any]:
    """Another request's live reservation of the plot, read by the approval's write
    statement. The locking read cannot see one committed while it waited for the plot's
    lock (PostgreSQL reads with the snapshot the statement started with; a reservation
    does not change the plot row), the write statement, which starts after, can."""
    held = Reservation
    return (sa.select(held.request_id, held.expires_at)
            .where(held.plot_id == sa.bindparam("check_plot"),
                   _live(held, sa.bindparam("check_now", type_=held.expires_at.type)),
                   held.request_id != sa.bindparam("check_request")).limit(1))


@functools.cache
def _unchanged_since_look() -> sa.Select[Any]:
    """Lock the request and plot rows, found only while they are the versions the look
    read. A version committed before the statement began fails the condition outright;
    one committed while it waited for a lock is checked again, as the other transaction
    left it (read committed; both tables must be named in ``FOR UPDATE OF`` for that).
    Either way the gate is empty and the writes it guards do nothing."""
    r, p = AllocationRequest.__table__, Plot.__table__
    return (sa.select(sa.true().label("clear")).select_from(r).join(p, sa.true())
            .where(r.c.id == sa.bindparam("gate_request"), p.c.id == sa.bindparam("gate_plot"),
                   _xmin(r) == sa.bindparam("gate_request_version"),
                   _xmin(p) == sa.bindparam("gate_plot_version"))
            .with_for_update(of=[r, p]))


# Looks (each maybe followed by a write) before an approval takes the locked path.
_LOOKS = 2


def _decided_at_a_glance(session: Session, request_id: int, plot_id: int | None,
                         at: dt.datetime, settings: Settings,
                         write: Callable[..., Approval | None]
                         ) -> Approval | errors.ZonesError | None:
    """Decide an approval without queueing for a lock, if it can be (PostGIS): the
    refusal it meets, or the approval written; None when the locked path must decide.

    On a contested plot most approvals are refused because another won it. A refusal
    read from committed rows is as true as one read under the lock (it is the answer the
    approval would have had a moment earlier) and writes nothing, so it needs neither
    the plot's lock, for which every rival would queue, nor a transaction: when the
    session has none open, the look runs in autocommit, one round trip. An approval the
    look finds clear is then written by ``write`` in one autocommit statement guarded by
    :func:`_unchanged_since_look`; if a rival changed either row meanwhile nothing is
    written and the approval looks again. SQLite, in process, skips all this: its
    writers hold the database's lock anyway.
    """
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        return None
    session.flush()
    idle = not session.in_transaction() and isinstance(bind, sa.Engine)
    outcome: Approval | errors.ZonesError | None = None
    try:
        if idle:
            # A connection of its own rather than the session's: no session transaction
            # to begin and end around each look.
            with bind.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT")
                outcome = _look_then_write(session, conn, request_id, plot_id, at, settings,
                                           write)
        else:  # in the caller's transaction: look there, and leave writing to the locks
            outcome = _look_then_write(session, session.connection(), request_id, plot_id,
                                       at, settings, None)
    except DBAPIError:
        # A deadlock, a constraint, a lost connection: the write (one autocommit
        # statement) wrote nothing — unless the connection died after the server had
        # committed it, when the locked path finds the request approved and says so
        # (409), as a COMMIT whose answer is lost would. The locked path decides,
        # retrying on a new connection.
        session.rollback()
        return None
    if session.in_transaction() and (idle or isinstance(outcome, errors.ZonesError)):
        # Ends what the environmental gate's read (env_allowed) opened, or the caller's
        # transaction as a refusal under the lock does (see approve).
        try:
            session.commit()
        except DBAPIError:
            session.rollback()
            if not isinstance(outcome, Approval):  # an approval was written already
                return None
    return outcome


def _look_then_write(session: Session, conn: sa.Connection, request_id: int,
                     plot_id: int | None, at: dt.datetime, settings: Settings,
                     write: Callable[..., Approval | None] | None
                     ) -> Approval | errors.ZonesError | None:
    """Look, and write if the look finds the approval clear and ``write`` is given; look
    again if a rival changed a row meanwhile. None: the locked path decides."""
    for _ in range(_LOOKS):
        state = _approval_state(session, request_id, plot_id, at, conn=conn, locked=False)
        # Missing rows or a lapsed reservation: the locked path says which, or sweeps it.
        if state is None or (state[0].held_until is not None and state[0].held_until <= at):
            return None
        request, plot = state
        try:
            _check_request(request, plot_id)
            _check_plot(session, request, plot, settings, at)
        except errors.ZonesError as exc:
            return exc
        # No ids are drawn where _check_vacant would refuse; None here only if they part.
        if write is None or plot.id0 is None:
            return None
        if (approval := write(conn, request, plot, at)) is not None:
            return approval
    return None


def _check_request(request: Any, plot_id: int | None) -> None:
    """Refuse a request that cannot be approved, or that holds a plot other than the one
    named."""
    if RequestStatus.APPROVED not in ALLOWED[request.status]:
        raise errors.TransitionForbidden(
            f"a {request.status.value} request cannot be approved",
            request_id=request.id, status=request.status.value, to="approved")
    if request.held_plot_id and plot_id is not None and plot_id != request.held_plot_id:
        raise errors.Conflict("the request holds another plot; release it first",
                              reserved_plot_id=request.held_plot_id)


def _check_plot(session: Session, request: Any, plot: Any, settings: Settings,
                at: dt.datetime) -> None:
    """Refuse a plot taken, not vacant or reserved for another, or failing a gate."""
    _check_vacant(plot, request.id)
    _check_gates(session, request, plot, settings, at.date())


def _approval_subject(session: Session, request_id: int, plot_id: int | None,
                      at: dt.datetime, settings: Settings) -> tuple[Any, Any]:
    """Lock and check the request and the plot an approval would allocate; raise the
    refusal (not found, wrong status, plot taken or reserved, a gate failed) if any."""
    state = _approval_state(session, request_id, plot_id, at)
    request, plot = state if state is not None else (_request_state(session, request_id), None)
    if request.held_until is not None and request.held_until <= at:
        sweep_expired(session, now=at, request_id=request_id)  # rare: close it first
        request, plot = _request_state(session, request_id), None
    _check_request(request, plot_id)
    target = request.held_plot_id or plot_id
    if target is None:
        raise errors.InvalidInput("name a plot or reserve one first", field="plot")
    if plot is None:
        plot = _plot_state(session, target, at, ids=True)
    _check_plot(session, request, plot, settings, at)
    return request, plot


def _approval_writes(session: Session, request: Any, plot: Any, at: dt.datetime, *,
                     actor: str, decision_ref: str, start_date: dt.date | None
                     ) -> tuple[Batch, list[int], dict[ObligationKind, dt.date]]:
    """The batch of an approval's writes: the allocation with its obligations, the plot
    allocated, the request's reservation converted and the request approved, audited."""
    batch, trail = Batch(), Trail(session, actor)
    ids = [getattr(plot, f"id{i}") for i in range(NEW_IDS)]
    due = write_allocation(
        batch, trail, ids=ids, plot_id=plot.id, plot_status=plot.status,
        area_m2=plot.area_m2, investor_id=request.investor_id, unit_id=request.unit_id,
        start_date=start_date or at.date(), decision_ref=decision_ref)
    if request.held_id is not None:
        batch.update(Reservation.__table__, request.held_id,
                     {"status": ReservationStatus.CONVERTED, "closed_at": at})
        trail.updated("reservation", request.held_id,
                      {"status": ReservationStatus.LIVE, "closed_at": None},
                      {"status": ReservationStatus.CONVERTED, "closed_at": at})
    record_transition(batch, trail, request_id=request.id, from_status=request.status,
                      to=RequestStatus.APPROVED, actor=actor, reason=decision_ref,
                      sets={"allocation_id": ids[0], "decision_ref": decision_ref},
                      was={"allocation_id": request.allocation_id,
                           "decision_ref": request.decision_ref})
    trail.into(batch)
    return batch, ids, due


def approve(*, session: Session, request_id: int, actor: str, decision_ref: str,
            settings: Settings, plot_id: int | None = None, start_date: dt.date | None = None,
            now: dt.datetime | None = None) -> Approval:
    """Allocate the reserved (or, for the working group, a named) plot; one transaction.

    Creates the allocation, its obligations and marks the plot allocated
    (:func:`~zones.services.allocation.write_allocation`), closes the reservation and
    approves the request (:func:`~zones.services.requests.record_transition`), every change
    audited. Contested plots make this the hot path: on PostGIS, with no transaction
    open, a look and one guarded write (:func:`_decided_at_a_glance`); otherwise one
    locking read (the request, its reservation and the plot, with the new rows' ids
    drawn) and one :class:`~zones.db.batch.Batch` of writes — a single statement on
    PostGIS.
    """
    session.info["actor"] = actor  # the audit trail names who decided

    def write_unless_changed(conn: sa.Connection, request: Any, plot: Any,
                             at: dt.datetime) -> Approval | None:
        batch, ids, due = _approval_writes(session, request, plot, at, actor=actor,
                                           decision_ref=decision_ref, start_date=start_date)
        if batch.run(conn, check=_unchanged_since_look(), guard="clear", check_params={
                "gate_request": request.id, "gate_plot": plot.id,
                "gate_request_version": request.version,
                "gate_plot_version": plot.version}) is None:
            return None  # a rival changed a row since the look: nothing was written
        _expire_cached(session, (AllocationRequest, request.id), (Plot, plot.id))
        return Approval(request_id=request.id, allocation_id=ids[0], plot_id=plot.id, due=due)

    glance = _decided_at_a_glance(session, request_id, plot_id, now or utcnow(), settings,
                                  write_unless_changed)
    if isinstance(glance, errors.ZonesError):
        raise glance
    if glance is not None:
        return glance

    def work() -> Approval | errors.ZonesError:
        at = now or utcnow()
        try:
            request, plot = _approval_subject(session, request_id, plot_id, at, settings)
        except errors.ZonesError as refusal:
            return refusal  # decided before anything was written: committed, then raised
        batch, ids, due = _approval_writes(session, request, plot, at, actor=actor,
                                           decision_ref=decision_ref, start_date=start_date)
        with translated_errors():
            meanwhile = batch.run(session.connection(), check=_reserved_meanwhile(),
                                  check_params={"check_plot": plot.id, "check_now": at,
                                                "check_request": request.id})
        if meanwhile is not None:  # the writes roll back with this refusal
            raise errors.PlotReserved(
                f"plot {plot.code} was reserved for another request meanwhile",
                plot_id=plot.id, until=meanwhile.expires_at.isoformat())
        _expire_cached(session, (AllocationRequest, request.id), (Plot, plot.id))
        return Approval(request_id=request.id, allocation_id=ids[0], plot_id=plot.id, due=due)

    outcome = with_retries(session, work, settings.decision_retries)
    if isinstance(outcome, errors.ZonesError):
        # A refusal commits instead of rolling back: it wrote nothing (a lapsed reservation
        # the sweep closed stays closed), and psycopg forgets every prepared statement on
        # ROLLBACK, so contested plots — mostly refusals — would be parsed and planned anew
        # on every decision.
        raise outcome
    return outcome


def release(*, session: Session, request_id: int, actor: str, reason: str | None,
            settings: Settings) -> AllocationRequest:
    """Staff free a reserved plot and send the request back to review."""
    def work() -> AllocationRequest:
        request = _locked_request(session, request_id)
        transition(session=session, request=request, to=RequestStatus.UNDER_REVIEW,
                   actor=actor, reason=reason or "reservation released")
        release_reservations(session, request)
        return request
    return with_retries(session, work, settings.decision_retries)


def competitors(session: Session, plot: Plot) -> list[tuple[AllocationRequest, float]]:
    """Open requests naming ``plot`` among their preferred plots, best score first."""
    district = session.get(District, plot.district_id)
    assert district is not None
    key = [district.code, plot.code]
    open_rows = session.scalars(sa.select(AllocationRequest).where(
        AllocationRequest.status.in_([RequestStatus.SUBMITTED, RequestStatus.UNDER_REVIEW]))
        .order_by(AllocationRequest.id)).all()
    rivals = [r for r in open_rows if key in [list(p) for p in r.preferred_plots]]
    scores = total(session, [r.id for r in rivals])
    return sorted(((r, scores[r.id]) for r in rivals), key=lambda rs: (-rs[1], rs[0].id))


def lottery_order(seed: int, candidates: list[int]) -> list[int]:
    """The draw: ``candidates`` shuffled by a PRNG seeded with ``seed`` — anyone can redo it.

    >>> lottery_order(7, [3, 1, 2]) == lottery_order(7, [2, 3, 1])
    True
    """
    order = sorted(candidates)
    random.Random(seed).shuffle(order)  # noqa: S311 - reproducibility is the point
    return order


def draw_lottery(*, session: Session, plot: Plot, actor: str, seed: int | None = None
                 ) -> Lottery:
    """Draw among the requests competing for ``plot`` and record seed and result; flush."""
    candidates = sorted(r.id for r, _ in competitors(session, plot))
    if len(candidates) < 2:
        raise errors.NoCompetition(f"{len(candidates)} open request(s) name plot {plot.code}",
                                   plot_id=plot.id, candidates=candidates)
    seed = secrets.randbits(62) if seed is None else seed
    lottery = Lottery(plot_id=plot.id, seed=seed, candidates=candidates,
                      result=lottery_order(seed, candidates), drawn_by=actor)
    session.add(lottery)
    session.flush()
    return lottery


def overdue_obligations(session: Session, today: dt.date) -> list[Any]:
    """Open obligations past their due date, oldest first, with plot and investor."""
    return session.execute(
        sa.select(Obligation.id, Obligation.kind, Obligation.due_date, Allocation.id.label(
            "allocation_id"), District.code.label("district"), Plot.code.label("plot"),
            Investor.ref.label("investor_ref"), Investor.name_fa.label("investor_name_fa"))
        .join(Allocation, Obligation.allocation_id == Allocation.id)
        .join(Plot, Allocation.plot_id == Plot.id).join(District, Plot.district_id == District.id)
        .join(Investor, Allocation.investor_id == Investor.id)
        .where(Obligation.status == ObligationStatus.OPEN, Obligation.due_date < today)
        .order_by(Obligation.due_date, Obligation.id)).all()
