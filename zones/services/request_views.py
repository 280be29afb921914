"""Allocation requests as a reader sees them, a page at a time in a fixed number of queries.

Read only. For any number of requests: one query for their investors' and units' refs,
one for their live reservations (with the plot and district codes), and, when the
requests were selected with :func:`with_details`, one each for their scores and status
history. The status shown is the one a reader must see: a reserved request whose
reservation lapsed reads as expired (the sweep closes it later).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from zones.model import (
    AllocationRequest,
    District,
    Investor,
    Plot,
    ProductionUnit,
    RequestStatus,
    Reservation,
    utcnow,
)
from zones.services.decisions import live


@dataclass(frozen=True)
class HeldPlot:
    """The plot a live reservation holds for a request, until ``expires_at``."""

    district: str
    code: str
    expires_at: dt.datetime


@dataclass(frozen=True)
class RequestView:
    request: AllocationRequest
    investor_ref: str
    unit_ref: str | None
    status: RequestStatus  # as shown: a lapsed reservation reads as expired
    reservation: HeldPlot | None


def with_details(stmt: sa.Select[Any]) -> sa.Select[Any]:
    """``stmt`` (selecting requests) loading their scores and history in one query each."""
    return stmt.options(selectinload(AllocationRequest.scores),
                        selectinload(AllocationRequest.history))


def request_views(session: Session, requests: Sequence[AllocationRequest], *,
                  now: dt.datetime | None = None) -> list[RequestView]:
    """The views of ``requests``, in their order, in two queries whatever their number."""
    if not requests:
        return []
    now = now or utcnow()
    ids = [r.id for r in requests]
    refs = {row.id: (row.investor_ref, row.unit_ref) for row in session.execute(
        sa.select(AllocationRequest.id, Investor.ref.label("investor_ref"),
                  ProductionUnit.ref.label("unit_ref"))
        .join(Investor, Investor.id == AllocationRequest.investor_id)
        .outerjoin(ProductionUnit, ProductionUnit.id == AllocationRequest.unit_id)
        .where(AllocationRequest.id.in_(ids)))}
    held: dict[int, HeldPlot] = {}
    for row in session.execute(
            sa.select(Reservation.request_id, Reservation.expires_at,
                      Plot.code.label("plot_code"), District.code.label("district_code"))
            .join(Plot, Plot.id == Reservation.plot_id)
            .join(District, District.id == Plot.district_id)
            .where(Reservation.request_id.in_(ids), live(Reservation, now))
            .order_by(Reservation.id)):
        held.setdefault(row.request_id, HeldPlot(district=row.district_code,
                                                  code=row.plot_code,
                                                  expires_at=row.expires_at))
    views = []
    for request in requests:
        investor_ref, unit_ref = refs[request.id]
        status = request.status
        if status is RequestStatus.RESERVED and request.id not in held:
            status = RequestStatus.EXPIRED
        views.append(RequestView(request=request, investor_ref=investor_ref,
                                 unit_ref=unit_ref, status=status,
                                 reservation=held.get(request.id)))
    return views
