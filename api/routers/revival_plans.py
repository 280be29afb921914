"""Revival plans of dormant units: obstacles, agencies' actions, outcomes, escalation.

Staff and the working group manage plans; anyone who may see the unit reads its plan
(another investor's unit looks missing: 404). The point-zero numbers and their printable
page are for staff.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from api.deps import SessionDep, WriteSessionDep
from api.params import RowId
from api.routers._programmes import Ref, Staff, act, dates, find_unit, today, written
from api.schemas.revival import (
    ObstacleCreate,
    ObstacleKindPublic,
    ObstaclePublic,
    ObstacleUpdate,
    OverdueActionPublic,
    PointZeroPublic,
    RevivalActionCreate,
    RevivalActionPublic,
    RevivalActionUpdate,
    RevivalOutcomeCreate,
    RevivalPlanCreate,
    RevivalPlanPublic,
    RevivalPlanUpdate,
)
from api.security import CurrentUser
from maps.programme_pages import render_point_zero
from zones import errors
from zones.model import (
    Obstacle,
    ObstacleKind,
    ProductionUnit,
    RevivalAction,
    RevivalPlan,
    User,
)
from zones.services import revival
from zones.services.access import visible_units
from zones.text import normalize

router = APIRouter(tags=["units"])


def action_public(a: RevivalAction, day: dt.date) -> RevivalActionPublic:
    late = a.status in revival.UNFINISHED and a.due_on < day
    return RevivalActionPublic.model_validate(
        {"id": a.id, "agency": a.agency, "representative": a.representative,
         "status": a.status, "notes": a.notes, "overdue": late,
         **dates(a, "due_on", "done_on")})


def plan_public(plan: RevivalPlan) -> RevivalPlanPublic:
    day = today()
    return RevivalPlanPublic.model_validate(
        {"id": plan.id, "unit": plan.unit.ref, "status": plan.status,
         "cooperative": plan.cooperative, "cooperation_note": plan.cooperation_note,
         "outcome": plan.outcome,
         **dates(plan, "starts_on", "ends_on", "outcome_on"),
         "obstacles": [ObstaclePublic(
             id=o.id, kind=o.kind.code, kind_fa=o.kind.name_fa, kind_en=o.kind.name_en,
             description=o.description, status=o.status,
             actions=[action_public(a, day) for a in o.actions]) for o in plan.obstacles]})


def _reload(session: Session, unit: ProductionUnit) -> RevivalPlanPublic:
    """The unit's plan as the database now holds it (after the handler's writes)."""
    written(session)
    return plan_public(revival.load_plan(session=session, unit=unit))


def _obstacle(session: Session, user: User, obstacle_id: int) -> Obstacle:
    row = session.scalar(sa.select(Obstacle).join(RevivalPlan).join(ProductionUnit)
                         .where(Obstacle.id == obstacle_id, visible_units(user)))
    if row is None:
        raise errors.NotFound(f"no obstacle {obstacle_id}", obstacle=obstacle_id)
    return row


def _action_row(session: Session, user: User, action_id: int) -> RevivalAction:
    row = session.scalar(sa.select(RevivalAction).join(Obstacle).join(RevivalPlan)
                         .join(ProductionUnit)
                         .where(RevivalAction.id == action_id, visible_units(user)))
    if row is None:
        raise errors.NotFound(f"no action {action_id}", action=action_id)
    return row


@router.get("/units/{ref}/revival-plan", response_model=RevivalPlanPublic,
            summary="A dormant unit's revival plan")
def get_plan(ref: Ref, session: SessionDep, user: CurrentUser) -> RevivalPlanPublic:
    return plan_public(revival.load_plan(session=session, unit=find_unit(session, user, ref)))


@router.post("/units/{ref}/revival-plan", status_code=201, response_model=RevivalPlanPublic,
             summary="Open the revival plan of a dormant unit (staff, working group)")
def create_plan(ref: Ref, body: RevivalPlanCreate, session: WriteSessionDep,
                user: Staff) -> RevivalPlanPublic:
    unit = find_unit(session, user, ref)
    act(session, user)
    revival.create_plan(session=session, unit=unit, **body.model_dump())
    return _reload(session, unit)


@router.patch("/units/{ref}/revival-plan", response_model=RevivalPlanPublic,
              summary="Timetable, cooperation, activation")
def patch_plan(ref: Ref, body: RevivalPlanUpdate, session: WriteSessionDep,
               user: Staff) -> RevivalPlanPublic:
    unit = find_unit(session, user, ref)
    act(session, user)
    revival.update_plan(session=session, plan=revival.load_plan(session=session, unit=unit),
                        changes=body.model_dump(exclude_unset=True))
    return _reload(session, unit)


@router.post("/units/{ref}/revival-plan/outcome", response_model=RevivalPlanPublic,
             summary="Close the plan with its outcome")
def plan_outcome(ref: Ref, body: RevivalOutcomeCreate, session: WriteSessionDep,
                 user: Staff) -> RevivalPlanPublic:
    unit = find_unit(session, user, ref)
    act(session, user, body.reason)
    revival.set_outcome(session=session, plan=revival.load_plan(session=session, unit=unit),
                        outcome=body.outcome, on=body.on, reason=normalize(body.reason),
                        changed_by_id=user.id)
    return _reload(session, unit)


@router.post("/units/{ref}/revival-plan/obstacles", status_code=201,
             response_model=RevivalPlanPublic, summary="Add an obstacle from the taxonomy")
def add_obstacle(ref: Ref, body: ObstacleCreate, session: WriteSessionDep,
                 user: Staff) -> RevivalPlanPublic:
    unit = find_unit(session, user, ref)
    act(session, user)
    revival.add_obstacle(session=session, plan=revival.load_plan(session=session, unit=unit),
                         kind_code=body.kind, description=body.description)
    return _reload(session, unit)


@router.patch("/revival/obstacles/{obstacle_id}", response_model=RevivalPlanPublic,
              summary="Resolve or reopen an obstacle")
def patch_obstacle(obstacle_id: RowId, body: ObstacleUpdate, session: WriteSessionDep,
                   user: Staff) -> RevivalPlanPublic:
    obstacle = _obstacle(session, user, obstacle_id)
    act(session, user)
    revival.move_obstacle(session=session, obstacle=obstacle, to=body.status)
    return _reload(session, obstacle.plan.unit)


@router.post("/revival/obstacles/{obstacle_id}/actions", status_code=201,
             response_model=RevivalActionPublic,
             summary="Assign an action to an agency and its representative")
def add_action(obstacle_id: RowId, body: RevivalActionCreate, session: WriteSessionDep,
               user: Staff) -> RevivalActionPublic:
    obstacle = _obstacle(session, user, obstacle_id)
    act(session, user)
    action = revival.add_action(session=session, obstacle=obstacle, **body.model_dump())
    written(session)
    return action_public(action, today())


@router.patch("/revival/actions/{action_id}", response_model=RevivalActionPublic,
              summary="Move an action (open → … → done)")
def patch_action(action_id: RowId, body: RevivalActionUpdate, session: WriteSessionDep,
                 user: Staff) -> RevivalActionPublic:
    action = _action_row(session, user, action_id)
    act(session, user)
    revival.move_action(session=session, action=action, to=body.status, on=today(),
                        notes=body.notes, due_on=body.due_on)
    written(session)
    return action_public(action, today())


@router.get("/revival/obstacle-kinds", response_model=list[ObstacleKindPublic],
            summary="The obstacle taxonomy")
def obstacle_kinds(session: SessionDep, user: CurrentUser) -> list[ObstacleKindPublic]:
    rows = session.scalars(sa.select(ObstacleKind).where(ObstacleKind.active.is_(True))
                           .order_by(ObstacleKind.id))
    return [ObstacleKindPublic(code=k.code, name_fa=k.name_fa, name_en=k.name_en)
            for k in rows]


@router.get("/revival/overdue", response_model=list[OverdueActionPublic],
            summary="Overdue actions, most overdue first (escalation)")
def overdue(session: SessionDep, user: CurrentUser) -> list[OverdueActionPublic]:
    day = today()
    rows = revival.overdue_actions(session=session, today=day, visible=visible_units(user))
    return [OverdueActionPublic.model_validate(
        {"unit": o.unit.ref, "unit_name_fa": o.unit.name_fa, "obstacle": o.kind.code,
         "days_overdue": o.days_overdue, **action_public(o.action, day).model_dump()})
        for o in rows]


@router.get("/revival/point-zero", response_model=PointZeroPublic,
            summary="Progress numbers toward point zero (staff)")
def point_zero(session: SessionDep, user: Staff,
               months: Annotated[int, Query(ge=1, le=60)] = 12) -> PointZeroPublic:
    return PointZeroPublic.model_validate(
        revival.point_zero(session=session, today=today(), months=months))


@router.get("/revival/point-zero.html", response_class=HTMLResponse,
            summary="One-page printable point-zero report (Persian; ?lang=en for English)")
def point_zero_page(session: SessionDep, user: Staff,
                    lang: Annotated[Literal["fa", "en"], Query()] = "fa") -> HTMLResponse:
    day = today()
    numbers = revival.point_zero(session=session, today=day)
    late = revival.overdue_actions(session=session, today=day)
    return HTMLResponse(render_point_zero(numbers, late, lang=lang))
