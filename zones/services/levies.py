"""Levies on dormant units that will not return, computed from a versioned tariff.

Rule (the tariff is data; see docs/units.md for a worked example):

* a unit is liable once its revival plan closed as ``cannot_return`` or
  ``non_cooperative`` and it is still not producing;
* the levy year is the Jalali year; the tariff version is the one in force on the year's
  first day (latest ``valid_from`` on or before it);
* charging starts ``grace_months`` after the plan's outcome date; a year only partly
  charged is prorated by days;
* the idle year is counted from the Jalali year the unit became dormant (that year is
  idle year 1); the schedule step with the largest ``from_year`` ≤ it gives the share;
* the base is the plot's appraised land value: area (m², metric) × the latest appraisal
  (rial/m²) made on or before the year's last day;
* past ``terminate_after_years`` idle years the levy recommends terminating the allocation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import jdatetime
import sqlalchemy as sa
from sqlalchemy.orm import Session

from zones import errors
from zones.model import (
    Allocation,
    AllocationStatus,
    Levy,
    LevyEvent,
    LevyStatus,
    LevyTariff,
    PlanOutcome,
    PlanStatus,
    Plot,
    PlotAppraisal,
    ProductionUnit,
    RevivalPlan,
)
from zones.services.unit_registry import PRODUCING

LIABLE = (PlanOutcome.CANNOT_RETURN, PlanOutcome.NON_COOPERATIVE)
LEVY_MOVES: dict[LevyStatus, frozenset[LevyStatus]] = {
    LevyStatus.ISSUED: frozenset({LevyStatus.PAID, LevyStatus.APPEALED, LevyStatus.WAIVED}),
    LevyStatus.APPEALED: frozenset({LevyStatus.ISSUED, LevyStatus.WAIVED}),
    LevyStatus.PAID: frozenset(),
    LevyStatus.WAIVED: frozenset(),
}


def year_bounds(year: int) -> tuple[dt.date, dt.date]:
    """First and last Gregorian day of Jalali ``year`` (1 Farvardin … 29/30 Esfand)."""
    first = jdatetime.date(year, 1, 1).togregorian()
    last = jdatetime.date(year + 1, 1, 1).togregorian() - dt.timedelta(days=1)
    return first, last


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus whole months, clamped to the month's end (31 Jan + 1 → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    next_first = dt.date(year + month // 12, month % 12 + 1, 1)
    return min(day.replace(year=year, month=month, day=1) + dt.timedelta(days=day.day - 1),
               next_first - dt.timedelta(days=1))


def check_schedule(schedule: Any) -> list[dict[str, Any]]:
    """A schedule is a non-empty list of ``{"from_year": int >= 1, "share": 0..1}``."""
    if not isinstance(schedule, list) or not schedule:
        raise errors.TariffInvalid("schedule must be a non-empty list of steps",
                                   field="schedule")
    steps = []
    for i, step in enumerate(schedule):
        ok = (isinstance(step, dict) and set(step) == {"from_year", "share"}
              and isinstance(step["from_year"], int) and step["from_year"] >= 1
              and isinstance(step["share"], int | float) and 0 <= step["share"] <= 1)
        if not ok:
            raise errors.TariffInvalid(f"step {i} must be {{from_year: int>=1, share: 0..1}}",
                                       field="schedule", step=i)
        steps.append({"from_year": step["from_year"], "share": float(step["share"])})
    years = [s["from_year"] for s in steps]
    if len(set(years)) != len(years):
        raise errors.TariffInvalid("from_year repeats in the schedule", field="schedule")
    return sorted(steps, key=lambda s: s["from_year"])


def create_tariff(*, session: Session, valid_from: dt.date, schedule: Any, grace_months: int,
                  terminate_after_years: int, note: str | None) -> LevyTariff:
    """A new tariff version (versions are never edited: levies point at them)."""
    steps = check_schedule(schedule)
    if session.scalar(sa.select(LevyTariff.id).where(LevyTariff.valid_from == valid_from)):
        raise errors.Conflict(f"a tariff version already starts on {valid_from}",
                              valid_from=valid_from.isoformat())
    last = session.scalar(sa.select(sa.func.max(LevyTariff.version))) or 0
    tariff = LevyTariff(version=last + 1, valid_from=valid_from, schedule=steps,
                        grace_months=grace_months, terminate_after_years=terminate_after_years,
                        note=note)
    session.add(tariff)
    session.flush()
    return tariff


@dataclass(frozen=True)
class Quote:
    """What the levy for a unit and year would be, with every figure that made it."""

    unit_id: int
    plot_id: int
    year: int
    tariff_version: int
    idle_year: int
    share: float
    land_value_rial: int
    days_charged: int
    year_days: int
    amount_rial: int
    recommend_termination: bool


def _not_due(unit: ProductionUnit, year: int, reason: str) -> errors.LevyNotDue:
    return errors.LevyNotDue(f"no levy is due for unit {unit.ref} in {year}: {reason}",
                             unit=unit.ref, year=year, reason=reason)


def quote(*, session: Session, unit: ProductionUnit, year: int) -> Quote:
    """Compute (without writing) the levy for ``unit`` in Jalali ``year``."""
    first, last = year_bounds(year)
    plan = session.scalar(sa.select(RevivalPlan).where(RevivalPlan.unit_id == unit.id))
    if (plan is None or plan.status is not PlanStatus.CLOSED or plan.outcome not in LIABLE
            or plan.outcome_on is None):  # a closed plan always has its outcome date
        raise _not_due(unit, year, "no_liable_outcome")
    if unit.status in PRODUCING:
        raise _not_due(unit, year, "unit_producing")
    tariff = session.scalar(sa.select(LevyTariff).where(LevyTariff.valid_from <= first)
                            .order_by(LevyTariff.valid_from.desc()).limit(1))
    if tariff is None:
        raise errors.TariffMissing(f"no tariff version is in force on {first}",
                                   reason="no_tariff", year=year)
    charge_from = max(add_months(plan.outcome_on, tariff.grace_months), first)
    if charge_from > last:
        raise _not_due(unit, year, "grace_period")
    dormant_since = unit.status_since or plan.outcome_on
    idle_year = year - jdatetime.date.fromgregorian(date=dormant_since).year + 1
    steps = [s for s in tariff.schedule if s["from_year"] <= idle_year]
    if not steps or steps[-1]["share"] == 0:
        raise _not_due(unit, year, "no_share")
    share = steps[-1]["share"]
    plot = session.scalar(sa.select(Plot).join(Allocation, Allocation.plot_id == Plot.id)
                          .where(Allocation.unit_id == unit.id,
                                 Allocation.status == AllocationStatus.ACTIVE)
                          .order_by(Allocation.start_date.desc()).limit(1))
    if plot is None:
        raise _not_due(unit, year, "no_allocated_plot")
    rate = session.scalar(sa.select(PlotAppraisal.rial_per_m2)
                          .where(PlotAppraisal.plot_id == plot.id,
                                 PlotAppraisal.valued_on <= last)
                          .order_by(PlotAppraisal.valued_on.desc()).limit(1))
    if rate is None:
        raise errors.TariffMissing(f"plot {plot.code} has no appraisal on or before {last}",
                                   reason="no_appraisal", plot_id=plot.id, year=year)
    land_value = int((Decimal(str(plot.area_m2)) * rate).quantize(1, ROUND_HALF_UP))
    days, year_days = (last - charge_from).days + 1, (last - first).days + 1
    amount = (Decimal(land_value) * Decimal(str(share)) * days / year_days)
    return Quote(unit_id=unit.id, plot_id=plot.id, year=year, tariff_version=tariff.version,
                 idle_year=idle_year, share=share, land_value_rial=land_value,
                 days_charged=days, year_days=year_days,
                 amount_rial=int(amount.quantize(1, ROUND_HALF_UP)),
                 recommend_termination=idle_year > tariff.terminate_after_years)


def issue_levy(*, session: Session, unit: ProductionUnit, year: int, actor: str,
               note: str | None = None) -> Levy:
    """Issue the levy for ``unit`` and ``year`` with its first ledger row."""
    if session.scalar(sa.select(Levy.id).where(Levy.unit_id == unit.id, Levy.year == year)):
        raise errors.LevyExists(f"unit {unit.ref} already has a levy for {year}",
                                unit=unit.ref, year=year)
    q = quote(session=session, unit=unit, year=year)
    levy = Levy(unit_id=unit.id, plot_id=q.plot_id, year=year, amount_rial=q.amount_rial,
                tariff_version=q.tariff_version, idle_year=q.idle_year, share=q.share,
                land_value_rial=q.land_value_rial, days_charged=q.days_charged,
                recommend_termination=q.recommend_termination, status=LevyStatus.ISSUED)
    session.add(levy)
    session.flush()
    session.add(LevyEvent(levy_id=levy.id, from_status=None, to_status=LevyStatus.ISSUED,
                          note=note, actor=actor))
    session.flush()
    return levy


def move_levy(*, session: Session, levy: Levy, to: LevyStatus, actor: str,
              note: str | None) -> LevyEvent:
    """One ledger step; paid and waived are final, appealed goes back to issued or waived."""
    if to not in LEVY_MOVES[levy.status]:
        raise errors.LevyTransitionForbidden(
            f"levy {levy.id} cannot go from {levy.status.value} to {to.value}",
            levy=levy.id, current=levy.status.value, to=to.value,
            allowed=sorted(s.value for s in LEVY_MOVES[levy.status]))
    event = LevyEvent(levy_id=levy.id, from_status=levy.status, to_status=to, note=note,
                      actor=actor)
    levy.status = to
    session.add(event)
    session.flush()
    return event


def issue_year(*, session: Session, year: int, actor: str) -> tuple[list[Levy], dict[str, str]]:
    """Issue every due levy of ``year``; returns the levies and, per skipped unit, why."""
    liable = session.scalars(
        sa.select(ProductionUnit).join(RevivalPlan, RevivalPlan.unit_id == ProductionUnit.id)
        .where(RevivalPlan.outcome.in_(LIABLE),
               ~sa.exists().where(Levy.unit_id == ProductionUnit.id, Levy.year == year))
        .order_by(ProductionUnit.ref)).all()
    issued, skipped = [], {}
    for unit in liable:
        try:
            with session.begin_nested():
                issued.append(issue_levy(session=session, unit=unit, year=year, actor=actor))
        except (errors.LevyNotDue, errors.TariffMissing) as exc:
            skipped[unit.ref] = exc.extra.get("reason", exc.code)
    return issued, skipped
