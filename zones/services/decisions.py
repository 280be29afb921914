"""Reserving, ranking, drawing and approving: the steps that decide who gets a plot.

Each decision is one transaction of plain locking reads and ORM writes. It locks the
request's row, then the plot's (``SELECT … FOR UPDATE``, always in that order; on
SpatiaLite every writer already queues behind ``BEGIN IMMEDIATE``), then reads what it
checks — the plot's active allocation, another request's live reservation, the
district's policy — in later statements, which see whatever a rival committed while
this decision waited for the lock. Of two approvals of one plot the second is refused
``plot_already_allocated``. The database holds the rules too: partial unique indexes
keep one active allocation and one live reservation per plot, and their violations
are answered with the same codes. Deadlocks, serialization failures and a busy SQLite
are retried (:func:`zones.db.retry.retrying`), then answered ``database_busy`` (503),
never a 500. Every write is audited by the session's flush hook, as any other write.

Decisions never commit: the caller's unit of work does (the request's session in the
API, the command in the CLI).

Reservations expire by themselves: a lapsed one is ignored by every read, and closed
(its request marked expired) by :func:`sweep_expired`.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from zones import errors
from zones.db.backend import translated_errors
from zones.db.retry import retrying
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
from zones.services.allocation import ALLOCATABLE, allocate_plot
from zones.services.matching import env_allowed
from zones.services.requests import ALLOWED, lock, release_reservations, transition
from zones.services.scoring import gate_failures, total
from zones.settings import Settings


def live(reservation: Any, now: Any) -> sa.ColumnElement[bool]:
    """A reservation that still holds its plot: live and not lapsed at ``now`` (a lapsed
    one is ignored by every read until the sweep closes it)."""
    return sa.and_(reservation.status == ReservationStatus.LIVE, reservation.expires_at > now)


def live_reservation(session: Session, *, now: dt.datetime, request_id: int | None = None,
                     plot_id: int | None = None) -> Reservation | None:
    """The live, unexpired reservation of a request or plot (a lapsed one is ignored)."""
    stmt = sa.select(Reservation).where(live(Reservation, now))
    if request_id is not None:
        stmt = stmt.where(Reservation.request_id == request_id)
    if plot_id is not None:
        stmt = stmt.where(Reservation.plot_id == plot_id)
    return session.scalars(stmt).first()


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


@dataclass
class _PlotState:
    """A plot whose row this transaction has locked, and what a decision checks of it."""

    plot: Plot
    allocated: bool  # an active allocation exists
    held_by: int | None  # the request holding a live reservation of it
    held_until: dt.datetime | None
    policy: DistrictPolicy | None


def _locked_plot(session: Session, plot_id: int, now: dt.datetime) -> _PlotState:
    """Lock the plot's row, then read what a decision on it checks. The reads come after
    the lock, each in a statement of its own, so they see what a rival committed while
    this transaction waited for it."""
    plot = session.scalar(sa.select(Plot).where(Plot.id == plot_id).with_for_update()
                          .execution_options(populate_existing=True))
    if plot is None:
        raise errors.PlotNotFound(f"no plot {plot_id}", plot_id=plot_id)
    allocated = session.scalar(sa.select(sa.exists().where(
        Allocation.plot_id == plot.id, Allocation.status == AllocationStatus.ACTIVE)))
    held = session.execute(sa.select(Reservation.request_id, Reservation.expires_at).where(
        Reservation.plot_id == plot.id, live(Reservation, now)).limit(1)).first()
    policy = session.scalar(sa.select(DistrictPolicy).where(
        DistrictPolicy.district_id == plot.district_id))
    return _PlotState(plot=plot, allocated=bool(allocated),
                      held_by=held.request_id if held else None,
                      held_until=held.expires_at if held else None, policy=policy)


def _check_gates(session: Session, request: AllocationRequest, state: _PlotState,
                 settings: Settings, today: dt.date) -> None:
    failed = gate_failures(request, today)
    if not env_allowed(session=session, request=request, plot=state.plot, settings=settings):
        failed.append("env_group_in_buffer")
    if (state.policy is not None and state.policy.expansion_only
            and request.purpose is not RequestPurpose.EXPANSION):
        failed.append("district_expansion_only")
    if failed:
        raise errors.GateFailed(f"request {request.id} fails {', '.join(failed)} for plot "
                                f"{state.plot.code}", gates=failed, request_id=request.id)


def _check_vacant(state: _PlotState, request_id: int) -> None:
    plot = state.plot
    if plot.status in HELD_STATUSES or state.allocated:  # a rival approval got there first
        raise errors.PlotAlreadyAllocated(f"plot {plot.code} is {plot.status.value}",
                                          plot_id=plot.id, status=plot.status.value)
    if plot.valid_to is not None or plot.status not in ALLOCATABLE:
        raise errors.PlotNotVacant(f"plot {plot.code} is {plot.status.value}",
                                   plot_id=plot.id, status=plot.status.value)
    if state.held_by is not None and state.held_by != request_id:
        assert state.held_until is not None
        until = f"{state.held_until:%Y-%m-%d %H:%M} UTC"
        raise errors.PlotReserved(f"plot {plot.code} is reserved until {until}",
                                  plot_id=plot.id, until=state.held_until.isoformat())


def reserve(*, session: Session, request_id: int, plot_id: int, actor: str, settings: Settings,
            now: dt.datetime | None = None) -> Reservation:
    """Hold ``plot`` for the request for the district's (or the default) reservation time."""
    session.info["actor"] = actor

    def work() -> Reservation:
        at = now or utcnow()
        request = lock(session, request_id)
        if RequestStatus.RESERVED not in ALLOWED[request.status]:
            raise errors.TransitionForbidden(
                f"a {request.status.value} request cannot be reserved a plot",
                request_id=request.id, status=request.status.value, to="reserved")
        state = _locked_plot(session, plot_id, at)
        sweep_expired(session, now=at, plot_id=plot_id)
        _check_vacant(state, request.id)
        _check_gates(session, request, state, settings, at.date())
        hours = (state.policy.reservation_hours if state.policy is not None else None
                 ) or settings.reservation_hours
        reservation = Reservation(plot_id=plot_id, request_id=request.id,
                                  status=ReservationStatus.LIVE, created_at=at,
                                  expires_at=at + dt.timedelta(hours=hours))
        try:
            with session.begin_nested():
                session.add(reservation)
                session.flush()
        except IntegrityError as exc:
            raise errors.PlotReserved(
                f"plot {state.plot.code} was just reserved for another request",
                plot_id=plot_id) from exc
        transition(session=session, request=request, to=RequestStatus.RESERVED, actor=actor,
                   reason=f"plot {state.plot.code} until "
                          f"{reservation.expires_at:%Y-%m-%d %H:%M} UTC")
        return reservation
    return retrying(session, work, settings.decision_retries)


@dataclass
class Approval:
    """What an approval created."""

    request_id: int
    allocation_id: int
    plot_id: int
    due: dict[ObligationKind, dt.date]


def _check_request(request: AllocationRequest, held: Reservation | None,
                   plot_id: int | None) -> None:
    """Refuse a request that cannot be approved, or that holds a plot other than the one
    named."""
    if RequestStatus.APPROVED not in ALLOWED[request.status]:
        raise errors.TransitionForbidden(
            f"a {request.status.value} request cannot be approved",
            request_id=request.id, status=request.status.value, to="approved")
    if held is not None and plot_id is not None and plot_id != held.plot_id:
        raise errors.Conflict("the request holds another plot; release it first",
                              reserved_plot_id=held.plot_id)


def approve(*, session: Session, request_id: int, actor: str, decision_ref: str,
            settings: Settings, plot_id: int | None = None, start_date: dt.date | None = None,
            now: dt.datetime | None = None) -> Approval:
    """Allocate the reserved (or, for the working group, a named) plot.

    Locks the request, then the plot; checks both (status, the plot free and not
    reserved for another, the gates); creates the allocation and its obligations and
    marks the plot allocated (:func:`~zones.services.allocation.allocate_plot`),
    converts the request's reservation and approves the request. Flushes; the caller
    commits.
    """
    session.info["actor"] = actor  # the audit trail names who decided

    def work() -> Approval:
        at = now or utcnow()
        request = lock(session, request_id)
        held = session.scalar(sa.select(Reservation).where(
            Reservation.request_id == request.id,
            Reservation.status == ReservationStatus.LIVE).with_for_update())
        if held is not None and held.expires_at <= at:
            sweep_expired(session, now=at, request_id=request.id)  # rare: close it first
            held = None
        _check_request(request, held, plot_id)
        target = held.plot_id if held is not None else plot_id
        if target is None:
            raise errors.InvalidInput("name a plot or reserve one first", field="plot")
        state = _locked_plot(session, target, at)
        _check_vacant(state, request.id)
        _check_gates(session, request, state, settings, at.date())
        allocation = allocate_plot(
            session=session, plot=state.plot, investor_id=request.investor_id,
            unit_id=request.unit_id, start_date=start_date or at.date(),
            decision_ref=decision_ref)
        if held is not None:
            held.status, held.closed_at = ReservationStatus.CONVERTED, at
        request.allocation_id, request.decision_ref = allocation.id, decision_ref
        with translated_errors():  # flushes the request's move and the reservation closed
            transition(session=session, request=request, to=RequestStatus.APPROVED,
                       actor=actor, reason=decision_ref)
        return Approval(request_id=request.id, allocation_id=allocation.id, plot_id=target,
                        due={o.kind: o.due_date for o in allocation.obligations})
    return retrying(session, work, settings.decision_retries)


def release(*, session: Session, request_id: int, actor: str, reason: str | None,
            settings: Settings) -> AllocationRequest:
    """Staff free a reserved plot and send the request back to review."""
    def work() -> AllocationRequest:
        request = lock(session, request_id)
        transition(session=session, request=request, to=RequestStatus.UNDER_REVIEW,
                   actor=actor, reason=reason or "reservation released")
        release_reservations(session, request)
        session.flush()
        return request
    return retrying(session, work, settings.decision_retries)


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


def overdue_obligations(session: Session, today: dt.date) -> Sequence[sa.Row[Any]]:
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
