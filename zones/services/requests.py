"""Submitting allocation requests and moving them through their statuses.

Statuses move only along :data:`ALLOWED`; anything else is refused with
``request_transition_forbidden`` and the current status, so a client can tell a
double-click from a mistake. Each move is kept in the request's history.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from zones import errors
from zones.audit import Trail
from zones.db.batch import Batch, complete, next_ids
from zones.db.prepared import Prepared
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


@functools.cache
def _statements(dialect: str) -> dict[str, Any]:
    """Submission statements, built once per backend: they run on every request filed."""
    r = AllocationRequest
    investor = sa.bindparam("investor_id")
    existing = (sa.select(r.id).where(r.investor_id == investor,
                                      r.idempotency_key == sa.bindparam("key"))
                .scalar_subquery())
    # Equalities, not IN: an IN list is expanded on every execution.
    open_count = (sa.select(sa.func.count()).select_from(r)
                  .where(r.investor_id == investor,
                         sa.or_(*(r.status == s for s in sorted(OPEN_STATUSES))))
                  .scalar_subquery())
    return {
        # Lock the investor's row first, alone, drawing the new request's id: a statement
        # that waited for the lock still reads with the snapshot it started with
        # (PostgreSQL, read committed), so counting in the same statement could miss a
        # request filed meanwhile.
        "lock": Prepared(
            sa.select(*[i.label("next_id") for i in next_ids(r.__table__, 1, dialect)])
            .where(Investor.id == investor).with_for_update(of=Investor.__table__)),
        # Then the writes, guarded by the key's request and the open count, read by the
        # same statement (on SQLite, just before it) once the lock is held.
        "gate": sa.select(existing.label("existing"), open_count.label("open"),
                          sa.and_(existing.is_(None),
                                  open_count < sa.bindparam("open_max")).label("clear")),
    }


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

    Returns ``(request, created)``; writes, does not commit. The investor's row is
    locked first (PostGIS; SpatiaLite writers are serialised anyway), so two concurrent
    submissions cannot both slip under the ``open_max`` cap; the unique
    (investor, key) constraint makes a concurrent retry return the first request.
    The request, its first history row and its audit event are written as one
    :class:`~zones.db.batch.Batch` guarded by the key and cap checks: every investor's
    filing goes through here, in two statements.
    """
    key = normalize(idempotency_key) or ""
    if not key:
        raise errors.InvalidInput("the idempotency key is empty", field="idempotency_key")
    session.flush()  # Core below, on the session's connection
    conn = session.connection()
    stmt = _statements(conn.dialect.name)
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
    next_id = stmt["lock"].first(conn, {"investor_id": investor.id}).next_id
    now = utcnow()
    values = complete(AllocationRequest.__table__, dict(
        id=next_id, investor_id=investor.id, unit_id=unit.id if unit else None,
        idempotency_key=key, purpose=data.purpose, expansion_kind=data.expansion_kind,
        isic4=data.isic4, env_group=data.env_group, area_min_m2=data.area_min_m2,
        area_max_m2=data.area_max_m2, power_kva=data.power_kva,
        water_m3_day=data.water_m3_day, needs_gas=data.needs_gas, needs_rail=data.needs_rail,
        preferred_districts=[normalize(d) for d in data.preferred_districts],
        preferred_plots=preferred,
        licence_no=normalize(data.licence_no), licence_expiry=data.licence_expiry,
        investment_rial=data.investment_rial, jobs=data.jobs, export_share=data.export_share,
        knowledge_based=data.knowledge_based, note=normalize(data.note),
        status=RequestStatus.SUBMITTED, submitted_by_id=submitted_by_id, decision_ref=None,
        allocation_id=None, created_at=now, updated_at=now))
    batch, trail = Batch(), Trail(session, actor)
    batch.insert(AllocationRequest.__table__, [values])
    batch.insert(RequestStatusChange.__table__, [{
        "request_id": values["id"], "from_status": None, "to_status": RequestStatus.SUBMITTED,
        "actor": actor, "reason": None, "at": now}])
    trail.created("allocation_request", values)
    trail.into(batch)
    try:
        gate = batch.run(conn, check=stmt["gate"], guard="clear", check_params={
            "investor_id": investor.id, "key": key, "open_max": open_max})
    except IntegrityError:
        # Only reachable if a writer skipped the investor lock: the first request wins.
        session.rollback()
        existing = _by_key(session, investor.id, key)
        if existing is None:
            raise
        return existing, False
    assert gate is not None
    if gate.existing is not None:  # a replay: nothing was written
        return session.get_one(AllocationRequest, gate.existing), False
    if not gate.clear:
        raise errors.TooManyOpenRequests(
            f"investor already has {gate.open} open requests (limit {open_max}); "
            "withdraw one or wait for a decision", open=gate.open, limit=open_max)
    # The session's copy, from the values just written (no reload); history loads when read.
    request = AllocationRequest(**values)
    make_transient_to_detached(request)
    session.add(request)
    return request, True


def transition(*, session: Session, request: AllocationRequest, to: RequestStatus, actor: str,
               reason: str | None = None) -> AllocationRequest:
    """Move ``request`` to ``to`` if :data:`ALLOWED` and record the step, in the caller's
    transaction: an update, the history row and the audit event, written at once."""
    if to not in ALLOWED[request.status]:
        raise errors.TransitionForbidden(
            f"a {request.status.value} request cannot become {to.value}",
            request_id=request.id, status=request.status.value, to=to.value)
    session.flush()  # the request's own pending changes first, audited as ever
    batch, trail = Batch(), Trail(session, actor)
    record_transition(batch, trail, request_id=request.id, from_status=request.status,
                      to=to, actor=actor, reason=reason)
    trail.into(batch)
    batch.run(session.connection())
    set_committed_value(request, "status", to)
    session.expire(request, ["history", "updated_at"])
    return request


def record_transition(batch: Batch, trail: Trail, *, request_id: int,
                      from_status: RequestStatus, to: RequestStatus, actor: str,
                      reason: str | None = None, sets: Mapping[str, Any] | None = None,
                      was: Mapping[str, Any] | None = None) -> None:
    """Add a status move to ``batch``: the request row (with any other columns in
    ``sets``, whose old values are ``was``) and its history row; its audit event goes to
    ``trail``. The caller has checked :data:`ALLOWED` and runs the batch."""
    values = {"status": to, **(sets or {})}
    batch.update(AllocationRequest.__table__, request_id, values)
    batch.insert(RequestStatusChange.__table__, [{
        "request_id": request_id, "from_status": from_status, "to_status": to,
        "actor": actor, "reason": normalize(reason), "at": trail.base["at"]}])
    trail.updated("allocation_request", request_id, {"status": from_status, **(was or {})},
                  values)


def release_reservations(session: Session, request: AllocationRequest,
                         status: ReservationStatus = ReservationStatus.RELEASED) -> None:
    """Close the request's live reservation, if any (withdrawn, rejected, expired)."""
    for reservation in session.scalars(sa.select(Reservation).where(
            Reservation.request_id == request.id,
            Reservation.status == ReservationStatus.LIVE)):
        reservation.status = status
        reservation.closed_at = utcnow()


def withdraw(*, session: Session, request: AllocationRequest, actor: str,
             reason: str | None = None) -> AllocationRequest:
    """The investor (or staff for them) withdraws; a held plot is released at once."""
    transition(session=session, request=request, to=RequestStatus.WITHDRAWN, actor=actor,
               reason=reason)
    release_reservations(session, request)
    session.flush()
    return request


def reject(*, session: Session, request: AllocationRequest, actor: str, decision_ref: str,
           reason: str | None = None) -> AllocationRequest:
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
