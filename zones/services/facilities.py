"""Bank facilities drawn by units that show no production.

The working group wants bank credit to go to units that produce. A facility is flagged
when money was disbursed (``disbursed_rial > 0``), it is not settled, and its unit is
either dormant or has reported no output (> 0) for a period ending within the window
before ``as_of``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from zones.model import (
    BankFacility,
    FacilityStatus,
    OutputReport,
    ProductionUnit,
    UnitStatus,
)
from zones.services.levies import add_months


@dataclass(frozen=True)
class Flag:
    facility: BankFacility
    unit: ProductionUnit
    reason: str  # "dormant" or "no_reported_output"
    last_output_on: dt.date | None


def flagged_facilities(*, session: Session, as_of: dt.date, window_months: int,
                       visible: sa.ColumnElement[bool] | None = None) -> list[Flag]:
    """Facilities drawn by units without production, biggest disbursement first."""
    since = add_months(as_of, -window_months)
    last_output = (sa.select(sa.func.max(OutputReport.period_end))
                   .where(OutputReport.unit_id == ProductionUnit.id, OutputReport.output > 0,
                          OutputReport.period_end <= as_of)
                   .scalar_subquery())
    stmt = (sa.select(BankFacility, ProductionUnit, last_output)
            .join(ProductionUnit, BankFacility.unit_id == ProductionUnit.id)
            .where(BankFacility.disbursed_rial > 0,
                   BankFacility.status != FacilityStatus.SETTLED)
            .order_by(BankFacility.disbursed_rial.desc(), BankFacility.id))
    if visible is not None:
        stmt = stmt.where(visible)
    flags = []
    for facility, unit, last in session.execute(stmt):
        if unit.status is UnitStatus.DORMANT:
            flags.append(Flag(facility, unit, "dormant", last))
        elif last is None or last < since:
            flags.append(Flag(facility, unit, "no_reported_output", last))
    return flags
