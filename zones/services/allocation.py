"""Allocating a plot to an investor: the rule of one active allocation, and its obligations."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from zones import errors
from zones.audit import Trail
from zones.db.backend import translated_errors
from zones.db.batch import Batch, complete, next_ids
from zones.model import (
    Allocation,
    AllocationStatus,
    Investor,
    Obligation,
    ObligationKind,
    ObligationStatus,
    Plot,
    PlotStatus,
    ProductionUnit,
    Tenure,
)

ALLOCATABLE = frozenset({PlotStatus.PLANNED, PlotStatus.SERVICED, PlotStatus.RESERVED,
                         PlotStatus.REVOKED})


def operating_licence_months(area_m2: float) -> int:
    """Months an allottee has to obtain the operating licence (پروانه بهره‌برداری).

    ISIPO rule: 12 months up to 2,000 m², one more month for each further 300 m² or
    part of it, at most 30.

    >>> [operating_licence_months(a) for a in (2000, 2001, 2600, 9e9)]
    [12, 13, 14, 30]
    """
    if area_m2 <= 2000:
        return 12
    return min(30, 12 + math.ceil((area_m2 - 2000) / 300))


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus whole calendar months, clamped to the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in range(day.day, 27, -1):
        try:
            return dt.date(year, month, candidate)
        except ValueError:
            continue
    return dt.date(year, month, min(day.day, 28))


# The duties every allocation starts with; an approval draws one id per duty (plus the
# allocation's own) before it writes.
DUTY_KINDS = (ObligationKind.CONSTRUCTION_START, ObligationKind.OPERATING_LICENCE)
NEW_IDS = 1 + len(DUTY_KINDS)


def obligation_dues(start_date: dt.date, area_m2: float, construction_start_months: int = 6
                    ) -> dict[ObligationKind, dt.date]:
    """When an allocation's duties fall due: construction start, then the operating licence."""
    return {ObligationKind.CONSTRUCTION_START: add_months(start_date, construction_start_months),
            ObligationKind.OPERATING_LICENCE: add_months(start_date,
                                                         operating_licence_months(area_m2))}


def write_allocation(batch: Batch, trail: Trail, *, ids: Sequence[int], plot_id: int,
                     plot_status: PlotStatus, area_m2: float, investor_id: int,
                     unit_id: int | None, start_date: dt.date, decision_ref: str | None = None,
                     tenure: Tenure = Tenure.LEASE_TO_OWN, contract_no: str | None = None,
                     construction_start_months: int = 6) -> dict[ObligationKind, dt.date]:
    """Add to ``batch`` the active allocation of a plot the caller has checked, with its
    obligations, and the plot marked allocated; every change goes to ``trail``.
    ``ids`` are the allocation's id then one per obligation, as :func:`allocation_ids`
    draws them. The caller runs the batch, trail included. Returns the due dates.

    The partial unique index on active allocations makes a second one fail as
    :class:`~zones.errors.PlotAlreadyAllocated` when the batch runs (under
    :func:`~zones.db.backend.translated_errors`), whatever the caller checked. The
    session's copy of the plot, if any, is the caller's to expire.
    """
    due = obligation_dues(start_date, area_m2, construction_start_months)
    allocation_id, *obligation_ids = ids
    allocation = complete(Allocation.__table__, {
        "id": allocation_id, "plot_id": plot_id, "investor_id": investor_id,
        "unit_id": unit_id, "tenure": tenure, "status": AllocationStatus.ACTIVE,
        "start_date": start_date, "contract_no": contract_no, "decision_ref": decision_ref})
    duties = [complete(Obligation.__table__, {
        "id": duty_id, "allocation_id": allocation_id, "kind": kind, "due_date": day,
        "status": ObligationStatus.OPEN}) for duty_id, (kind, day) in zip(
            obligation_ids, due.items(), strict=True)]
    batch.insert(Allocation.__table__, [allocation])
    batch.insert(Obligation.__table__, duties)
    batch.update(Plot.__table__, plot_id, {"status": PlotStatus.ALLOCATED})
    trail.created("allocation", allocation)
    for duty in duties:
        trail.created("obligation", duty)
    trail.updated("plot", plot_id, {"status": plot_status}, {"status": PlotStatus.ALLOCATED})
    return due


def allocation_ids(dialect: str) -> sa.Select[Any]:
    """A SELECT of fresh ids for :func:`write_allocation`: the allocation's, then one per
    obligation."""
    return sa.select(*next_ids(Allocation.__table__, 1, dialect),
                     *next_ids(Obligation.__table__, len(DUTY_KINDS), dialect))


def allocate_plot(
    *,
    session: Session,
    plot: Plot,
    investor: Investor,
    unit: ProductionUnit | None = None,
    tenure: Tenure = Tenure.LEASE_TO_OWN,
    start_date: dt.date,
    contract_no: str | None = None,
    decision_ref: str | None = None,
    construction_start_months: int = 6,
) -> Allocation:
    """Create the active allocation of ``plot`` with its obligations; write, do not commit.

    For callers holding ORM objects (loaders, fixtures); the approval of a request calls
    :func:`write_allocation` on the rows it locked. Raises
    :class:`~zones.errors.PlotAlreadyAllocated` when the plot is held. The check here
    gives a clear message; the partial unique index is what makes it true under
    concurrency.
    """
    if plot.valid_to is not None:
        raise errors.Conflict("the plot has been superseded", plot_id=plot.id)
    session.flush()  # the plot's own pending changes first (and Core below sees them)
    held = session.scalar(
        sa.select(Allocation.id).where(
            Allocation.plot_id == plot.id, Allocation.status == AllocationStatus.ACTIVE
        )
    )
    if held is not None or plot.status not in ALLOCATABLE:
        raise errors.PlotAlreadyAllocated(
            f"plot {plot.code} is {plot.status.value} and cannot be allocated", plot_id=plot.id
        )
    conn = session.connection()
    ids = conn.execute(allocation_ids(conn.dialect.name)).one()
    batch, trail = Batch(), Trail(session)
    write_allocation(
        batch, trail, ids=ids, plot_id=plot.id, plot_status=plot.status, area_m2=plot.area_m2,
        investor_id=investor.id, unit_id=unit.id if unit else None, start_date=start_date,
        decision_ref=decision_ref, tenure=tenure, contract_no=contract_no,
        construction_start_months=construction_start_months)
    trail.into(batch)
    with translated_errors():
        batch.run(conn)
    session.expire(plot, ["status", "updated_at"])
    return session.get_one(Allocation, ids[0])
