"""Allocating a plot to an investor: the rule of one active allocation, and its obligations."""

from __future__ import annotations

import datetime as dt
import math

import sqlalchemy as sa
from sqlalchemy.orm import Session

from zones import errors
from zones.db.backend import translated_errors
from zones.model import (
    Allocation,
    AllocationStatus,
    Obligation,
    ObligationKind,
    ObligationStatus,
    Plot,
    PlotStatus,
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


def allocate_plot(
    *,
    session: Session,
    plot: Plot,
    investor_id: int,
    unit_id: int | None = None,
    tenure: Tenure = Tenure.LEASE_TO_OWN,
    start_date: dt.date,
    contract_no: str | None = None,
    decision_ref: str | None = None,
    construction_start_months: int = 6,
) -> Allocation:
    """Create the active allocation of ``plot`` with its obligations, and mark the plot
    allocated; flush, do not commit. Every row is audited by the session's hook.

    Raises :class:`~zones.errors.PlotAlreadyAllocated` when the plot is held. The check
    here gives a clear message; the partial unique index on active allocations is what
    makes it true under concurrency (its violation is translated to the same error).
    An approval calls this on the plot row it locked.
    """
    if plot.valid_to is not None:
        raise errors.Conflict("the plot has been superseded", plot_id=plot.id)
    session.flush()  # the plot's own pending changes first
    held = session.scalar(sa.select(Allocation.id).where(
        Allocation.plot_id == plot.id, Allocation.status == AllocationStatus.ACTIVE))
    if held is not None or plot.status not in ALLOCATABLE:
        raise errors.PlotAlreadyAllocated(
            f"plot {plot.code} is {plot.status.value} and cannot be allocated", plot_id=plot.id)
    due = obligation_dues(start_date, plot.area_m2, construction_start_months)
    allocation = Allocation(
        plot_id=plot.id, investor_id=investor_id, unit_id=unit_id, tenure=tenure,
        status=AllocationStatus.ACTIVE, start_date=start_date, contract_no=contract_no,
        decision_ref=decision_ref,
        obligations=[Obligation(kind=kind, due_date=day, status=ObligationStatus.OPEN)
                     for kind, day in due.items()])
    session.add(allocation)
    plot.status = PlotStatus.ALLOCATED
    with translated_errors():
        session.flush()
    return allocation
