"""A unit's status changes, each kept in its history with who, when and why.

Going back to production from dormancy is a reactivation: it closes the unit's open
revival plan with the outcome ``reactivated`` on the same date, so the plan and the
registry never disagree.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from zones import errors
from zones.model import (
    PlanOutcome,
    PlanStatus,
    ProductionUnit,
    RevivalPlan,
    UnitStatus,
    UnitStatusChange,
)

PRODUCING = frozenset({UnitStatus.OPERATING, UnitStatus.PARTIALLY_ACTIVE})


def find_unit(*, session: Session, ref: str, visible: sa.ColumnElement[bool] | None = None
              ) -> ProductionUnit:
    """The unit ``ref``; ``visible`` (an access filter) makes others' units look missing."""
    stmt = sa.select(ProductionUnit).where(ProductionUnit.ref == ref)
    if visible is not None:
        stmt = stmt.where(visible)
    unit = session.scalar(stmt)
    if unit is None:
        raise errors.UnitNotFound(f"no unit {ref!r}", unit=ref)
    return unit


def change_status(*, session: Session, unit: ProductionUnit, to: UnitStatus,
                  effective_on: dt.date, reason: str | None, changed_by_id: int | None
                  ) -> UnitStatusChange:
    """Move ``unit`` to ``to`` and record the step; reactivation closes the revival plan."""
    if unit.status is to:
        raise errors.UnitStatusUnchanged(f"unit {unit.ref} is already {to.value}",
                                         unit=unit.ref, current=to.value)
    has_history = session.scalar(sa.select(sa.func.count()).select_from(UnitStatusChange)
                                 .where(UnitStatusChange.unit_id == unit.id))
    if not has_history and unit.status_since is not None:
        # Keep the status held before history began, so "dormant over time" stays exact.
        session.add(UnitStatusChange(unit_id=unit.id, from_status=None, to_status=unit.status,
                                     effective_on=unit.status_since,
                                     reason="status before history", changed_by_id=None))
    change = UnitStatusChange(unit_id=unit.id, from_status=unit.status, to_status=to,
                              effective_on=effective_on, reason=reason,
                              changed_by_id=changed_by_id)
    session.add(change)
    was_dormant = unit.status is UnitStatus.DORMANT
    unit.status, unit.status_since = to, effective_on
    if to is not UnitStatus.DORMANT:
        unit.dormancy_cause = None
    if was_dormant and to in PRODUCING:
        plan = session.scalar(sa.select(RevivalPlan).where(
            RevivalPlan.unit_id == unit.id, RevivalPlan.status != PlanStatus.CLOSED))
        if plan is not None:
            plan.status = PlanStatus.CLOSED
            plan.outcome, plan.outcome_on = PlanOutcome.REACTIVATED, effective_on
    session.flush()
    return change


def record_initial_status(*, session: Session, unit: ProductionUnit, reason: str,
                          changed_by_id: int | None, today: dt.date) -> None:
    """History's first row for a unit registered with a status (bulk import)."""
    session.add(UnitStatusChange(unit_id=unit.id, from_status=None, to_status=unit.status,
                                 effective_on=unit.status_since or today, reason=reason,
                                 changed_by_id=changed_by_id))
