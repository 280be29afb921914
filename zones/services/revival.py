"""Revival plans of dormant units: obstacles, agencies' actions, outcomes, escalation.

Every step is a guarded transition; a forbidden one is refused with a coded error, never
silently applied. An action is *overdue* when it is unfinished (``open`` or
``in_progress``: work begun but not delivered is just as late) past its due date; overdue
actions are the escalation list the working group reviews.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from zones import errors
from zones.model import (
    ActionStatus,
    Obstacle,
    ObstacleKind,
    ObstacleStatus,
    PlanOutcome,
    PlanStatus,
    ProductionUnit,
    RevivalAction,
    RevivalPlan,
    UnitStatus,
    UnitStatusChange,
)
from zones.services.unit_registry import change_status
from zones.text import normalize

UNFINISHED = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)
ACTION_MOVES: dict[ActionStatus, frozenset[ActionStatus]] = {
    ActionStatus.OPEN: frozenset({ActionStatus.IN_PROGRESS, ActionStatus.DONE,
                                  ActionStatus.CANCELLED}),
    ActionStatus.IN_PROGRESS: frozenset({ActionStatus.OPEN, ActionStatus.DONE,
                                         ActionStatus.CANCELLED}),
    ActionStatus.DONE: frozenset(),
    ActionStatus.CANCELLED: frozenset(),
}
OBSTACLE_MOVES = {ObstacleStatus.OPEN: frozenset({ObstacleStatus.RESOLVED}),
                  ObstacleStatus.RESOLVED: frozenset({ObstacleStatus.OPEN})}


def _refuse(what: str, ident: int | str, frm: str, to: str) -> errors.RevivalTransitionForbidden:
    return errors.RevivalTransitionForbidden(f"{what} {ident} cannot go from {frm} to {to}",
                                             entity=what, id=ident, current=frm, to=to)


def _editable(plan: RevivalPlan) -> None:
    if plan.status is PlanStatus.CLOSED:
        raise _refuse("revival_plan", plan.id, plan.status.value, "edit")


def create_plan(*, session: Session, unit: ProductionUnit, starts_on: dt.date | None,
                ends_on: dt.date | None, cooperative: bool | None,
                cooperation_note: str | None) -> RevivalPlan:
    """The unit's one plan, as a draft; only a dormant unit gets one."""
    if unit.status is not UnitStatus.DORMANT:
        raise errors.UnitNotDormant(f"unit {unit.ref} is {unit.status.value}, not dormant",
                                    unit=unit.ref, current=unit.status.value)
    if session.scalar(sa.select(RevivalPlan.id).where(RevivalPlan.unit_id == unit.id)):
        raise errors.RevivalPlanExists(f"unit {unit.ref} already has a revival plan",
                                       unit=unit.ref)
    _check_timetable(starts_on, ends_on)
    plan = RevivalPlan(unit_id=unit.id, status=PlanStatus.DRAFT, starts_on=starts_on,
                       ends_on=ends_on, cooperative=cooperative,
                       cooperation_note=normalize(cooperation_note))
    session.add(plan)
    session.flush()
    return plan


def _check_timetable(starts_on: dt.date | None, ends_on: dt.date | None) -> None:
    if starts_on and ends_on and ends_on < starts_on:
        raise errors.InvalidInput("the timetable ends before it starts", field="ends_on")


def update_plan(*, session: Session, plan: RevivalPlan, changes: dict[str, Any]) -> RevivalPlan:
    """Timetable, cooperation or ``status: active``; closing goes through an outcome."""
    _editable(plan)
    to = changes.pop("status", None)
    if to is not None and to is not plan.status:
        if not (plan.status is PlanStatus.DRAFT and to is PlanStatus.ACTIVE):
            raise _refuse("revival_plan", plan.id, plan.status.value, to.value)
        plan.status = to
    if "cooperation_note" in changes:
        changes["cooperation_note"] = normalize(changes["cooperation_note"])
    for key, value in changes.items():
        setattr(plan, key, value)
    _check_timetable(plan.starts_on, plan.ends_on)
    session.flush()
    return plan


def set_outcome(*, session: Session, plan: RevivalPlan, outcome: PlanOutcome, on: dt.date,
                reason: str | None, changed_by_id: int | None) -> RevivalPlan:
    """Close an active plan. Reactivation puts the unit back to operating on ``on``."""
    if plan.status is not PlanStatus.ACTIVE:
        raise _refuse("revival_plan", plan.id, plan.status.value, PlanStatus.CLOSED.value)
    unit = plan.unit
    if outcome is PlanOutcome.REACTIVATED:
        change_status(session=session, unit=unit, to=UnitStatus.OPERATING, effective_on=on,
                      reason=reason or "revival plan: reactivated", changed_by_id=changed_by_id)
    else:
        plan.status, plan.outcome, plan.outcome_on = PlanStatus.CLOSED, outcome, on
        if outcome is PlanOutcome.CANNOT_RETURN:
            unit.can_return = False
        else:
            plan.cooperative = False
    session.flush()
    return plan


def obstacle_kind(*, session: Session, code: str) -> ObstacleKind:
    kind = session.scalar(sa.select(ObstacleKind).where(ObstacleKind.code == code,
                                                        ObstacleKind.active.is_(True)))
    if kind is None:
        codes = session.scalars(sa.select(ObstacleKind.code)
                                .where(ObstacleKind.active.is_(True))).all()
        raise errors.InvalidInput(f"unknown obstacle kind {code!r}", field="kind",
                                  allowed=sorted(codes))
    return kind


def add_obstacle(*, session: Session, plan: RevivalPlan, kind_code: str,
                 description: str | None) -> Obstacle:
    _editable(plan)
    obstacle = Obstacle(plan=plan, kind=obstacle_kind(session=session, code=kind_code),
                        description=normalize(description), status=ObstacleStatus.OPEN)
    session.add(obstacle)
    session.flush()
    return obstacle


def move_obstacle(*, session: Session, obstacle: Obstacle, to: ObstacleStatus) -> Obstacle:
    _editable(obstacle.plan)
    if to not in OBSTACLE_MOVES[obstacle.status]:
        raise _refuse("obstacle", obstacle.id, obstacle.status.value, to.value)
    obstacle.status = to
    session.flush()
    return obstacle


def add_action(*, session: Session, obstacle: Obstacle, agency: str, representative: str | None,
               due_on: dt.date, notes: str | None) -> RevivalAction:
    _editable(obstacle.plan)
    action = RevivalAction(obstacle=obstacle, agency=normalize(agency),
                           representative=normalize(representative), due_on=due_on,
                           status=ActionStatus.OPEN, notes=normalize(notes))
    session.add(action)
    session.flush()
    return action


def move_action(*, session: Session, action: RevivalAction, to: ActionStatus, on: dt.date,
                notes: str | None = None, due_on: dt.date | None = None) -> RevivalAction:
    """Advance an action; ``done`` records the date; done and cancelled are final."""
    _editable(action.obstacle.plan)
    if to is not action.status and to not in ACTION_MOVES[action.status]:
        raise _refuse("action", action.id, action.status.value, to.value)
    if to is action.status and to not in UNFINISHED:
        raise _refuse("action", action.id, action.status.value, to.value)
    action.status = to
    action.done_on = on if to is ActionStatus.DONE else None
    if notes is not None:
        action.notes = normalize(notes)
    if due_on is not None:
        action.due_on = due_on
    session.flush()
    return action


@dataclass(frozen=True)
class Overdue:
    action: RevivalAction
    unit: ProductionUnit
    kind: ObstacleKind
    days_overdue: int


def overdue_actions(*, session: Session, today: dt.date,
                    visible: sa.ColumnElement[bool] | None = None) -> list[Overdue]:
    """Unfinished actions past due on open plans, most overdue first (the escalation list)."""
    stmt = (sa.select(RevivalAction, ProductionUnit, ObstacleKind)
            .join(Obstacle, RevivalAction.obstacle_id == Obstacle.id)
            .join(ObstacleKind, Obstacle.kind_id == ObstacleKind.id)
            .join(RevivalPlan, Obstacle.plan_id == RevivalPlan.id)
            .join(ProductionUnit, RevivalPlan.unit_id == ProductionUnit.id)
            .where(RevivalAction.status.in_(UNFINISHED), RevivalAction.due_on < today,
                   RevivalPlan.status != PlanStatus.CLOSED)
            .order_by(RevivalAction.due_on, RevivalAction.id))
    if visible is not None:
        stmt = stmt.where(visible)
    return [Overdue(action=a, unit=u, kind=k, days_overdue=(today - a.due_on).days)
            for a, u, k in session.execute(stmt)]


def load_plan(*, session: Session, unit: ProductionUnit) -> RevivalPlan:
    plan = session.scalar(
        sa.select(RevivalPlan).where(RevivalPlan.unit_id == unit.id)
        .options(selectinload(RevivalPlan.obstacles).selectinload(Obstacle.actions),
                 selectinload(RevivalPlan.obstacles).selectinload(Obstacle.kind)))
    if plan is None:
        raise errors.RevivalPlanNotFound(f"unit {unit.ref} has no revival plan", unit=unit.ref)
    return plan


def month_ends(today: dt.date, months: int) -> list[dt.date]:
    """The last day of each of the ``months`` months up to ``today`` (today for this one)."""
    ends = [today]
    first = today.replace(day=1)
    for _ in range(months - 1):
        first_prev = (first - dt.timedelta(days=1)).replace(day=1)
        ends.append(first - dt.timedelta(days=1))
        first = first_prev
    return sorted(ends)


def dormant_on(*, session: Session, days: list[dt.date]) -> dict[dt.date, int]:
    """How many units were dormant on each day, from status history.

    A unit's timeline is its dated history rows, or, before any history exists, one
    implied row (current status, ``status_since``). Its status on a day is the latest row
    dated on or before it (ties: the later row).
    """
    rows: dict[int, list[tuple[dt.date, int, UnitStatus]]] = {}
    for unit_id, day, ident, to in session.execute(
            sa.select(UnitStatusChange.unit_id, UnitStatusChange.effective_on,
                      UnitStatusChange.id, UnitStatusChange.to_status)
            .where(UnitStatusChange.effective_on.is_not(None))):
        rows.setdefault(unit_id, []).append((day, ident, to))
    for unit_id, status, since in session.execute(
            sa.select(ProductionUnit.id, ProductionUnit.status, ProductionUnit.status_since)):
        if unit_id not in rows and since is not None:
            rows[unit_id] = [(since, 0, status)]
    counts = dict.fromkeys(days, 0)
    for timeline in rows.values():
        timeline.sort()
        for day in days:
            held = [to for when, _, to in timeline if when <= day]
            if held and held[-1] is UnitStatus.DORMANT:
                counts[day] += 1
    return counts


def point_zero(*, session: Session, today: dt.date, months: int = 12) -> dict[str, Any]:
    """The numbers the working group reviews: dormancy over time, obstacles, agencies."""
    open_plan = RevivalPlan.status != PlanStatus.CLOSED
    by_kind = session.execute(
        sa.select(ObstacleKind.code, ObstacleKind.name_fa, ObstacleKind.name_en,
                  sa.func.count(Obstacle.id))
        .select_from(ObstacleKind)
        .outerjoin(Obstacle, sa.and_(Obstacle.kind_id == ObstacleKind.id,
                                     Obstacle.status == ObstacleStatus.OPEN,
                                     Obstacle.plan_id.in_(sa.select(RevivalPlan.id)
                                                          .where(open_plan))))
        .group_by(ObstacleKind.code, ObstacleKind.name_fa, ObstacleKind.name_en)
        .order_by(ObstacleKind.code)).all()
    late = sa.case((RevivalAction.due_on < today, 1), else_=0)
    by_agency = session.execute(
        sa.select(RevivalAction.agency, sa.func.count(), sa.func.sum(late))
        .join(Obstacle, RevivalAction.obstacle_id == Obstacle.id)
        .join(RevivalPlan, Obstacle.plan_id == RevivalPlan.id)
        .where(open_plan, RevivalAction.status.in_(UNFINISHED))
        .group_by(RevivalAction.agency).order_by(RevivalAction.agency)).all()
    plans: dict[PlanStatus, int] = {
        s: n for s, n in session.execute(sa.select(RevivalPlan.status, sa.func.count())
                                         .group_by(RevivalPlan.status))}
    outcomes: dict[PlanOutcome | None, int] = {
        o: n for o, n in session.execute(sa.select(RevivalPlan.outcome, sa.func.count())
                                         .where(RevivalPlan.outcome.is_not(None))
                                         .group_by(RevivalPlan.outcome))}
    days = month_ends(today, months)
    over_time = dormant_on(session=session, days=days)
    return {
        "as_of": today,
        "dormant_now": session.scalar(sa.select(sa.func.count()).select_from(ProductionUnit)
                                      .where(ProductionUnit.status == UnitStatus.DORMANT)),
        "dormant_over_time": [{"date": d, "dormant": over_time[d]} for d in days],
        "by_obstacle": [{"kind": c, "name_fa": fa, "name_en": en, "open": n}
                        for c, fa, en, n in by_kind],
        "by_agency": [{"agency": a, "unfinished": n, "overdue": int(late_n or 0)}
                      for a, n, late_n in by_agency],
        "overdue_actions": sum(int(r[2] or 0) for r in by_agency),
        "plans": {s.value: plans.get(s, 0) for s in PlanStatus},
        "outcomes": {o.value: outcomes.get(o, 0) for o in PlanOutcome},
    }
