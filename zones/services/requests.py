"""Submitting allocation requests and moving them through their statuses.

Statuses move only along :data:`ALLOWED`; anything else is refused with
``request_transition_forbidden`` and the current status, so a client can tell a
double-click from a mistake. Each move is kept in the request's history.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from zones import errors
from zones.model import (
    OPEN_STATUSES,
    AllocationRequest,
    EnvGroup,
    ExpansionKind,
    Investor,
    ProductionUnit,
    RequestPurpose,
    RequestStatus,
    RequestStatusChange,
    Reservation,
    ReservationStatus,
    utcnow,
)
from zones.services.plots import find_plot
from zones.text import normalize

S = RequestStatus
ALLOWED: dict[RequestStatus, frozenset[RequestStatus]] = {
    S.SUBMITTED: frozenset({S.UNDER_REVIEW, S.REJECTED, S.WITHDRAWN, S.EXPIRED}),
    # The working group may approve straight onto a plot without a reservation.
    S.UNDER_REVIEW: frozenset({S.RESERVED, S.APPROVED, S.REJECTED, S.WITHDRAWN, S.EXPIRED}),
    # Back to review when staff release the plot; expired when the reservation lapses.
    S.RESERVED: frozenset({S.APPROVED, S.UNDER_REVIEW, S.REJECTED, S.WITHDRAWN, S.EXPIRED}),
    S.APPROVED: frozenset(),
    S.REJECTED: frozenset(),
    S.WITHDRAWN: frozenset(),
    S.EXPIRED: frozenset(),
}


@dataclass
class RequestInput:
    """What an investor asks for; validated shapes come from the API layer."""

    purpose: RequestPurpose
    isic4: str
    env_group: EnvGroup
    area_min_m2: float
    area_max_m2: float
    unit_ref: str | None = None
    expansion_kind: ExpansionKind | None = None
    power_kva: float | None = None
    water_m3_day: float | None = None
    needs_gas: bool = False
    needs_rail: bool = False
    preferred_districts: list[str] = field(default_factory=list)
    preferred_plots: list[tuple[str, str]] = field(default_factory=list)
    licence_no: str | None = None
    licence_expiry: dt.date | None = None
    investment_rial: int | None = None
    jobs: int | None = None
    export_share: float | None = None
    knowledge_based: bool = False
    note: str | None = None


def _by_key(session: Session, investor_id: int, key: str) -> AllocationRequest | None:
    return session.scalar(sa.select(AllocationRequest).where(
        AllocationRequest.investor_id == investor_id, AllocationRequest.idempotency_key == key))


def _unit_for(session: Session, investor: Investor, data: RequestInput) -> ProductionUnit | None:
    if data.purpose is RequestPurpose.NEW_UNIT:
        if data.unit_ref or data.expansion_kind:
            raise errors.InvalidInput("a new-unit request names no unit and no expansion kind",
                                      field="unit_ref")
        return None
    if not data.unit_ref or data.expansion_kind is None:
        raise errors.InvalidInput("an expansion request needs unit_ref and expansion_kind",
                                  field="unit_ref")
    unit = session.scalar(sa.select(ProductionUnit).where(
        ProductionUnit.ref == data.unit_ref, ProductionUnit.investor_id == investor.id))
    if unit is None:  # someone else's unit looks like a missing one
        raise errors.InvalidInput(f"investor has no unit {data.unit_ref!r}", field="unit_ref")
    return unit


def _preferred_plots(session: Session, pairs: list[tuple[str, str]]) -> list[list[str]]:
    """Check each preferred plot exists and store it as [district, code], normalised."""
    stored = []
    for district, code in pairs:
        plot = find_plot(session=session, district_code=district, code=code)
        stored.append([normalize(district) or "", plot.code])
    return stored


def submit(
    *,
    session: Session,
    investor: Investor,
    data: RequestInput,
    idempotency_key: str,
    actor: str,
    submitted_by_id: int | None = None,
    open_max: int,
) -> tuple[AllocationRequest, bool]:
    """Store a request, or return the one already stored under ``idempotency_key``.

    Returns ``(request, created)``; flushes, does not commit. The investor's row is
    locked first (PostGIS; SpatiaLite writers are serialised anyway), so two concurrent
    filings of one investor cannot both slip under the ``open_max`` cap, and the count
    and the replay check, read after the lock, see every filing committed before it.
    The unique (investor, key) index is the last guard: a concurrent retry that slipped
    past returns the first request.
    """
    key = normalize(idempotency_key) or ""
    if not key:
        raise errors.InvalidInput("the idempotency key is empty", field="idempotency_key")
    try:
        if data.area_max_m2 < data.area_min_m2:
            raise errors.InvalidInput("area_max_m2 is below area_min_m2", field="area_max_m2")
        unit = _unit_for(session, investor, data)
        preferred = _preferred_plots(session, data.preferred_plots)
    except errors.ZonesError:
        # A replay answers with what was stored, even if its preferred plot or unit has
        # changed since; only a new request is refused.
        if (stored := _by_key(session, investor.id, key)) is not None:
            return stored, False
        raise
    session.info["actor"] = actor  # the audit trail names who filed
    session.execute(sa.select(Investor.id).where(Investor.id == investor.id).with_for_update())
    if (stored := _by_key(session, investor.id, key)) is not None:
        return stored, False
    open_now = session.scalar(sa.select(sa.func.count()).select_from(AllocationRequest).where(
        AllocationRequest.investor_id == investor.id,
        AllocationRequest.status.in_(sorted(OPEN_STATUSES)))) or 0
    if open_now >= open_max:
        raise errors.TooManyOpenRequests(
            f"investor already has {open_now} open requests (limit {open_max}); "
            "withdraw one or wait for a decision", open=open_now, limit=open_max)
    request = AllocationRequest(
        investor_id=investor.id, unit_id=unit.id if unit else None, idempotency_key=key,
        purpose=data.purpose, expansion_kind=data.expansion_kind, isic4=data.isic4,
        env_group=data.env_group, area_min_m2=data.area_min_m2,
        area_max_m2=data.area_max_m2, power_kva=data.power_kva,
        water_m3_day=data.water_m3_day, needs_gas=data.needs_gas, needs_rail=data.needs_rail,
        preferred_districts=[normalize(d) for d in data.preferred_districts],
        preferred_plots=preferred,
        licence_no=normalize(data.licence_no), licence_expiry=data.licence_expiry,
        investment_rial=data.investment_rial, jobs=data.jobs, export_share=data.export_share,
        knowledge_based=data.knowledge_based, note=normalize(data.note),
        status=RequestStatus.SUBMITTED, submitted_by_id=submitted_by_id)
    request.history.append(RequestStatusChange(from_status=None,
                                               to_status=RequestStatus.SUBMITTED, actor=actor))
    try:
        with session.begin_nested():
            session.add(request)
            session.flush()
    except IntegrityError:
        # Only reachable if a writer skipped the investor lock: the first request wins.
        if (stored := _by_key(session, investor.id, key)) is None:
            raise
        return stored, False
    return request, True


def transition(*, session: Session, request: AllocationRequest, to: RequestStatus, actor: str,
               reason: str | None = None) -> AllocationRequest:
    """Move ``request`` to ``to`` if :data:`ALLOWED` and record the step in its history,
    in the caller's transaction (flushed; audited by the session's hook)."""
    if to not in ALLOWED[request.status]:
        raise errors.TransitionForbidden(
            f"a {request.status.value} request cannot become {to.value}",
            request_id=request.id, status=request.status.value, to=to.value)
    session.info["actor"] = actor  # the audit trail names who moved it
    session.add(RequestStatusChange(request_id=request.id, from_status=request.status,
                                    to_status=to, actor=actor, reason=normalize(reason)))
    request.status = to
    session.flush()
    session.expire(request, ["history"])  # reloads, with this step, when next read
    return request


def release_reservations(session: Session, request: AllocationRequest,
                         status: ReservationStatus = ReservationStatus.RELEASED) -> None:
    """Close the request's live reservation, if any (withdrawn, rejected, expired)."""
    for reservation in session.scalars(sa.select(Reservation).where(
            Reservation.request_id == request.id,
            Reservation.status == ReservationStatus.LIVE)):
        reservation.status = status
        reservation.closed_at = utcnow()


def lock(session: Session, request_id: int) -> AllocationRequest:
    """The request, its row locked for the rest of the transaction and read afresh: a
    decision in flight on it finishes first, and its outcome is what is checked."""
    session.flush()
    request = session.scalar(sa.select(AllocationRequest).where(
        AllocationRequest.id == request_id).with_for_update().execution_options(
            populate_existing=True))
    if request is None:
        raise errors.RequestNotFound(f"no request {request_id}", request_id=request_id)
    return request


def withdraw(*, session: Session, request: AllocationRequest, actor: str,
             reason: str | None = None) -> AllocationRequest:
    """The investor (or staff for them) withdraws; a held plot is released at once."""
    request = lock(session, request.id)
    transition(session=session, request=request, to=RequestStatus.WITHDRAWN, actor=actor,
               reason=reason)
    release_reservations(session, request)
    session.flush()
    return request


def reject(*, session: Session, request: AllocationRequest, actor: str, decision_ref: str,
           reason: str | None = None) -> AllocationRequest:
    """The working group rejects; a held plot is released at once."""
    request = lock(session, request.id)
    transition(session=session, request=request, to=RequestStatus.REJECTED, actor=actor,
               reason=reason or decision_ref)
    request.decision_ref = normalize(decision_ref)
    release_reservations(session, request)
    session.flush()
    return request


def expire_stale(*, session: Session, submitted_before: dt.datetime, actor: str = "system:expiry"
                 ) -> int:
    """Expire requests still submitted or under review that were filed before a cut-off."""
    stale = session.scalars(sa.select(AllocationRequest).where(
        AllocationRequest.status.in_([RequestStatus.SUBMITTED, RequestStatus.UNDER_REVIEW]),
        AllocationRequest.created_at < submitted_before)).all()
    for request in stale:
        transition(session=session, request=request, to=RequestStatus.EXPIRED, actor=actor,
                   reason="no decision in time")
    return len(stale)
