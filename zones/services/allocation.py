"""Allocating a plot to an investor: the rule of one active allocation, and its obligations."""

from __future__ import annotations

import datetime as dt
import functools
import math
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from zones import errors
from zones.audit import Trail
from zones.db.backend import translated_errors
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


def obligation_dues(start_date: dt.date, area_m2: float, construction_start_months: int = 6
                    ) -> dict[ObligationKind, dt.date]:
    """When an allocation's duties fall due: construction start, then the operating licence."""
    return {ObligationKind.CONSTRUCTION_START: add_months(start_date, construction_start_months),
            ObligationKind.OPERATING_LICENCE: add_months(start_date,
                                                         operating_licence_months(area_m2))}


@functools.cache
def _writes() -> dict[str, Any]:
    """The allocation's statements, built once: approvals of contested plots run them."""
    return {
        "allocation": sa.insert(Allocation).returning(*Allocation.__table__.c),
        "obligations": sa.insert(Obligation).returning(*Obligation.__table__.c,
                                                       sort_by_parameter_order=True),
        "plot": sa.update(Plot).where(Plot.id == sa.bindparam("plot_id"))
        .values(status=PlotStatus.ALLOCATED),
    }


def write_allocation(session: Session, trail: Trail, *, plot_id: int, plot_status: PlotStatus,
                     area_m2: float, investor_id: int, unit_id: int | None,
                     start_date: dt.date, decision_ref: str | None = None,
                     tenure: Tenure = Tenure.LEASE_TO_OWN, contract_no: str | None = None,
                     construction_start_months: int = 6
                     ) -> tuple[int, dict[ObligationKind, dt.date]]:
    """Insert the active allocation of a plot the caller has checked, with its obligations,
    and mark the plot allocated: Core statements in the caller's transaction, every change
    added to ``trail`` (the caller writes it). Returns the allocation id and the due dates.

    The partial unique index on active allocations makes a second one fail as
    :class:`~zones.errors.PlotAlreadyAllocated`, whatever the caller checked. The session's
    copy of the plot, if any, is the caller's to expire.
    """
    due = obligation_dues(start_date, area_m2, construction_start_months)
    conn, write = session.connection(), _writes()
    with translated_errors():
        allocation = conn.execute(write["allocation"], {
            "plot_id": plot_id, "investor_id": investor_id, "unit_id": unit_id,
            "tenure": tenure, "status": AllocationStatus.ACTIVE, "start_date": start_date,
            "contract_no": contract_no, "decision_ref": decision_ref}).one()
    trail.created("allocation", allocation._mapping)
    for row in conn.execute(write["obligations"], [
            {"allocation_id": allocation.id, "kind": kind, "due_date": day,
             "status": ObligationStatus.OPEN} for kind, day in due.items()]):
        trail.created("obligation", row._mapping)
    conn.execute(write["plot"], {"plot_id": plot_id})
    trail.updated("plot", plot_id, {"status": plot_status}, {"status": PlotStatus.ALLOCATED})
    return allocation.id, due


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
    trail = Trail(session)
    allocation_id, _ = write_allocation(
        session, trail, plot_id=plot.id, plot_status=plot.status, area_m2=plot.area_m2,
        investor_id=investor.id, unit_id=unit.id if unit else None, start_date=start_date,
        decision_ref=decision_ref, tenure=tenure, contract_no=contract_no,
        construction_start_months=construction_start_months)
    trail.write()
    session.expire(plot, ["status", "updated_at"])
    return session.get_one(Allocation, allocation_id)
