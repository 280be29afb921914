"""Unit growth, revival plans, levies, flagged bank facilities and unit sheets (issue 7).

Who may do what: an investor sees only its own units' projects, plans, levies and
facilities (another investor's look missing: 404); staff and the working group manage
revival plans; only staff and admins appraise land, set tariffs and issue levies;
consultants get 403 and anonymous callers 401. Dates people read carry a Jalali twin.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Annotated, Any, Literal

import jinja2
import sqlalchemy as sa
from fastapi import APIRouter, File, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import Field, model_validator

from api.deps import SessionDep, SettingsDep, WriteSessionDep
from api.params import Input, RowId
from api.security import CurrentUser, require_role
from zones import errors
from zones.model import (
    ActionStatus,
    ExpansionProject,
    Levy,
    LevyStatus,
    LevyTariff,
    Obstacle,
    ObstacleKind,
    ObstacleStatus,
    OutputReport,
    PlanOutcome,
    PlanStatus,
    PlotAppraisal,
    ProductionUnit,
    ProjectKind,
    ProjectStatus,
    RevivalAction,
    RevivalPlan,
    Role,
    UnitStatus,
    User,
)
from zones.services import (
    facilities,
    levies,
    project_land,
    revival,
    unit_registry,
    unit_sheets,
)
from zones.services.access import visible_units
from zones.services.plots import find_plot
from zones.text import jalali, normalize, persian_digits

router = APIRouter(tags=["units"])
STAFF = (Role.STAFF, Role.WORKING_GROUP, Role.ADMIN)
LEVY_ROLES = (Role.STAFF, Role.ADMIN)


Body = Input  # unknown fields, non-finite numbers and control characters refused

# Bounds the databases can store: 32-bit ids, 64-bit money, dates a calendar can shift.
Id = RowId
Ref = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[^\x00]+$")]
Int32 = Annotated[int, Field(ge=0, le=2**31 - 1)]
Rial = Annotated[int, Field(ge=0, le=10**15)]
Day = Annotated[dt.date, Field(ge=dt.date(1900, 1, 1), le=dt.date(2200, 12, 31))]


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _dates(obj: Any, *names: str) -> dict[str, Any]:
    """ISO dates with their Jalali twins (``due_on`` and ``due_on_jalali``)."""
    out: dict[str, Any] = {}
    for name in names:
        value = getattr(obj, name)
        out[name] = value
        out[f"{name}_jalali"] = jalali(value, digits="latin") if value else None
    return out


def _unit(session: Any, user: User, ref: str) -> ProductionUnit:
    return unit_registry.find_unit(session=session, ref=normalize(ref) or ref,
                                   visible=visible_units(user))


def _act(session: Any, user: User, reason: str | None = None) -> None:
    session.info.update(actor=user.username, actor_id=user.id, reason=reason)


# --- expansion projects and capacity ------------------------------------------------------

class ProjectIn(Body):
    kind: ProjectKind
    title_fa: str = Field(min_length=1, max_length=300)
    title_en: str | None = Field(None, max_length=300)
    capacity_added: float | None = Field(None, ge=0)
    capacity_unit: str | None = Field(None, max_length=32)
    jobs: Int32 | None = None
    investment_rial: Rial | None = None
    land_needed_m2: float | None = Field(None, ge=0)
    status: ProjectStatus = ProjectStatus.PLANNED
    starts_on: Day | None = None
    completed_on: Day | None = None


def _project(p: ExpansionProject) -> dict[str, Any]:
    fields = ("id", "kind", "title_fa", "title_en", "capacity_added", "capacity_unit", "jobs",
              "investment_rial", "land_needed_m2", "status", "allocation_request_id")
    return {k: getattr(p, k) for k in fields} | _dates(p, "starts_on", "completed_on")


@router.get("/units/{ref}/projects", summary="A unit's expansion projects")
def list_projects(ref: Ref, session: SessionDep, user: CurrentUser) -> list[dict[str, Any]]:
    unit = _unit(session, user, ref)
    rows = session.scalars(sa.select(ExpansionProject).where(ExpansionProject.unit_id == unit.id)
                           .order_by(ExpansionProject.id))
    return [_project(p) for p in rows]


@router.post("/units/{ref}/projects", status_code=201,
             summary="Record an expansion project (staff, or the unit's investor)")
def add_project(ref: Ref, body: ProjectIn, session: WriteSessionDep,
                user: CurrentUser) -> dict[str, Any]:
    require_role(user, Role.INVESTOR, *STAFF)
    unit = _unit(session, user, ref)
    _act(session, user)
    values = body.model_dump()
    values["title_fa"], values["title_en"] = normalize(body.title_fa), normalize(body.title_en)
    project = ExpansionProject(unit_id=unit.id, **values)
    session.add(project)
    session.commit()
    return _project(project)


@router.post("/units/{ref}/projects/{project_id}/land-request",
             summary="Send the project's land need to the allocation workflow (adjacent "
                     "plots rank first); asking again returns the same request")
def request_project_land(ref: Ref, project_id: RowId,
                         session: WriteSessionDep, settings: SettingsDep,
                         user: CurrentUser) -> dict[str, Any]:
    require_role(user, Role.INVESTOR, *STAFF)
    unit = _unit(session, user, ref)
    project = session.scalar(sa.select(ExpansionProject).where(
        ExpansionProject.id == project_id, ExpansionProject.unit_id == unit.id))
    if project is None:
        raise errors.NotFound(f"unit {unit.ref} has no project {project_id}",
                              project=project_id)
    _act(session, user)
    request, created = project_land.request_land(
        session=session, project=project, actor=user.username, submitted_by_id=user.id,
        open_max=settings.requests_open_max)
    session.commit()
    return {"request_id": request.id, "status": request.status.value, "created": created,
            "links": {"request": f"/requests/{request.id}",
                      "matches": f"/requests/{request.id}/matches"}}


class OutputIn(Body):
    period_start: Day
    period_end: Day
    output: float = Field(ge=0)
    capacity: float | None = Field(None, ge=0)
    unit_of_measure: str = Field(min_length=1, max_length=32)

    @model_validator(mode="after")
    def _order(self) -> OutputIn:
        if self.period_end < self.period_start:
            raise ValueError("period_end is before period_start")
        return self


@router.post("/units/{ref}/output", status_code=201,
             summary="Report a period's capacity and output (staff, or the unit's investor)")
def add_output(ref: Ref, body: OutputIn, session: WriteSessionDep,
               user: CurrentUser) -> dict[str, Any]:
    require_role(user, Role.INVESTOR, *STAFF)
    unit = _unit(session, user, ref)
    if session.scalar(sa.select(OutputReport.id).where(OutputReport.unit_id == unit.id,
                                                       OutputReport.period_end == body.period_end)):
        raise errors.Conflict(f"output for the period ending {body.period_end} is reported",
                              unit=unit.ref)
    _act(session, user)
    session.add(OutputReport(unit_id=unit.id, **body.model_dump()))
    session.commit()
    return {"unit": unit.ref, **body.model_dump()}


@router.get("/units/{ref}/capacity", summary="Capacity over time: reports and completed projects")
def capacity(ref: Ref, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    unit = _unit(session, user, ref)
    reports = session.scalars(sa.select(OutputReport).where(OutputReport.unit_id == unit.id)
                              .order_by(OutputReport.period_end))
    done = session.scalars(sa.select(ExpansionProject).where(
        ExpansionProject.unit_id == unit.id, ExpansionProject.status == ProjectStatus.COMPLETED)
        .order_by(ExpansionProject.completed_on))
    return {"unit": unit.ref,
            "reports": [{"capacity": r.capacity, "output": r.output,
                         "unit_of_measure": r.unit_of_measure,
                         **_dates(r, "period_start", "period_end")} for r in reports],
            "capacity_added": [{"project": p.id, "capacity_added": p.capacity_added,
                                "capacity_unit": p.capacity_unit,
                                **_dates(p, "completed_on")} for p in done]}


# --- status history -----------------------------------------------------------------------

class StatusIn(Body):
    status: UnitStatus
    effective_on: Day
    reason: str = Field(min_length=3, max_length=1000)


@router.post("/units/{ref}/status", summary="Change a unit's status with a reason (staff)")
def set_status(ref: Ref, body: StatusIn, session: WriteSessionDep,
               user: CurrentUser) -> dict[str, Any]:
    require_role(user, *STAFF)
    unit = _unit(session, user, ref)
    _act(session, user, body.reason)
    unit_registry.change_status(session=session, unit=unit, to=body.status,
                                effective_on=body.effective_on, reason=normalize(body.reason),
                                changed_by_id=user.id)
    session.commit()
    return {"unit": unit.ref, "status": unit.status, **_dates(unit, "status_since")}


@router.get("/units/{ref}/status-history", summary="Who changed a unit's status, when, why")
def status_history(ref: Ref, session: SessionDep, user: CurrentUser) -> list[dict[str, Any]]:
    unit = _unit(session, user, ref)
    return [{"from": c.from_status, "to": c.to_status, "reason": c.reason,
             "changed_by_id": c.changed_by_id, "at": c.at,
             "at_jalali": jalali(c.at, digits="latin"), **_dates(c, "effective_on")}
            for c in unit.status_history]


# --- revival plans ------------------------------------------------------------------------

class PlanIn(Body):
    starts_on: Day | None = None
    ends_on: Day | None = None
    cooperative: bool | None = None
    cooperation_note: str | None = Field(None, max_length=1000)


class PlanPatch(PlanIn):
    status: Literal[PlanStatus.DRAFT, PlanStatus.ACTIVE] | None = None


class OutcomeIn(Body):
    outcome: PlanOutcome
    on: Day
    reason: str | None = Field(None, max_length=1000)


class ObstacleIn(Body):
    kind: str = Field(min_length=1, max_length=40)
    description: str | None = Field(None, max_length=1000)


class ObstaclePatch(Body):
    status: ObstacleStatus


class ActionIn(Body):
    agency: str = Field(min_length=1, max_length=200)
    representative: str | None = Field(None, max_length=200)
    due_on: Day
    notes: str | None = Field(None, max_length=2000)


class ActionPatch(Body):
    status: ActionStatus
    notes: str | None = Field(None, max_length=2000)
    due_on: Day | None = None


def _action(a: RevivalAction, today: dt.date) -> dict[str, Any]:
    late = a.status in revival.UNFINISHED and a.due_on < today
    return {"id": a.id, "agency": a.agency, "representative": a.representative,
            "status": a.status, "notes": a.notes, "overdue": late,
            **_dates(a, "due_on", "done_on")}


def _plan(plan: RevivalPlan) -> dict[str, Any]:
    today = _today()
    return {"id": plan.id, "unit": plan.unit.ref, "status": plan.status,
            "cooperative": plan.cooperative, "cooperation_note": plan.cooperation_note,
            "outcome": plan.outcome,
            **_dates(plan, "starts_on", "ends_on", "outcome_on"),
            "obstacles": [{"id": o.id, "kind": o.kind.code, "kind_fa": o.kind.name_fa,
                           "kind_en": o.kind.name_en, "description": o.description,
                           "status": o.status, "actions": [_action(a, today) for a in o.actions]}
                          for o in plan.obstacles]}


def _reload(session: Any, unit: ProductionUnit) -> dict[str, Any]:
    session.expire_all()
    return _plan(revival.load_plan(session=session, unit=unit))


@router.get("/units/{ref}/revival-plan", summary="A dormant unit's revival plan")
def get_plan(ref: Ref, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return _plan(revival.load_plan(session=session, unit=_unit(session, user, ref)))


@router.post("/units/{ref}/revival-plan", status_code=201,
             summary="Open the revival plan of a dormant unit (staff, working group)")
def create_plan(ref: Ref, body: PlanIn, session: WriteSessionDep,
                user: CurrentUser) -> dict[str, Any]:
    require_role(user, *STAFF)
    unit = _unit(session, user, ref)
    _act(session, user)
    revival.create_plan(session=session, unit=unit, **body.model_dump())
    session.commit()
    return _reload(session, unit)


@router.patch("/units/{ref}/revival-plan", summary="Timetable, cooperation, activation")
def patch_plan(ref: Ref, body: PlanPatch, session: WriteSessionDep,
               user: CurrentUser) -> dict[str, Any]:
    require_role(user, *STAFF)
    unit = _unit(session, user, ref)
    _act(session, user)
    revival.update_plan(session=session, plan=revival.load_plan(session=session, unit=unit),
                        changes=body.model_dump(exclude_unset=True))
    session.commit()
    return _reload(session, unit)


@router.post("/units/{ref}/revival-plan/outcome", summary="Close the plan with its outcome")
def plan_outcome(ref: Ref, body: OutcomeIn, session: WriteSessionDep,
                 user: CurrentUser) -> dict[str, Any]:
    require_role(user, *STAFF)
    unit = _unit(session, user, ref)
    _act(session, user, body.reason)
    revival.set_outcome(session=session, plan=revival.load_plan(session=session, unit=unit),
                        outcome=body.outcome, on=body.on, reason=normalize(body.reason),
                        changed_by_id=user.id)
    session.commit()
    return _reload(session, unit)


@router.post("/units/{ref}/revival-plan/obstacles", status_code=201,
             summary="Add an obstacle from the taxonomy")
def add_obstacle(ref: Ref, body: ObstacleIn, session: WriteSessionDep,
                 user: CurrentUser) -> dict[str, Any]:
    require_role(user, *STAFF)
    unit = _unit(session, user, ref)
    _act(session, user)
    revival.add_obstacle(session=session, plan=revival.load_plan(session=session, unit=unit),
                         kind_code=body.kind, description=body.description)
    session.commit()
    return _reload(session, unit)


def _obstacle(session: Any, user: User, obstacle_id: int) -> Obstacle:
    row = session.scalar(sa.select(Obstacle).join(RevivalPlan).join(ProductionUnit)
                         .where(Obstacle.id == obstacle_id, visible_units(user)))
    if row is None:
        raise errors.NotFound(f"no obstacle {obstacle_id}", obstacle=obstacle_id)
    return row


def _action_row(session: Any, user: User, action_id: int) -> RevivalAction:
    row = session.scalar(sa.select(RevivalAction).join(Obstacle).join(RevivalPlan)
                         .join(ProductionUnit)
                         .where(RevivalAction.id == action_id, visible_units(user)))
    if row is None:
        raise errors.NotFound(f"no action {action_id}", action=action_id)
    return row


@router.patch("/revival/obstacles/{obstacle_id}", summary="Resolve or reopen an obstacle")
def patch_obstacle(obstacle_id: Id, body: ObstaclePatch, session: WriteSessionDep,
                   user: CurrentUser) -> dict[str, Any]:
    require_role(user, *STAFF)
    obstacle = _obstacle(session, user, obstacle_id)
    _act(session, user)
    revival.move_obstacle(session=session, obstacle=obstacle, to=body.status)
    session.commit()
    return _reload(session, obstacle.plan.unit)


@router.post("/revival/obstacles/{obstacle_id}/actions", status_code=201,
             summary="Assign an action to an agency and its representative")
def add_action(obstacle_id: Id, body: ActionIn, session: WriteSessionDep,
               user: CurrentUser) -> dict[str, Any]:
    require_role(user, *STAFF)
    obstacle = _obstacle(session, user, obstacle_id)
    _act(session, user)
    action = revival.add_action(session=session, obstacle=obstacle, **body.model_dump())
    session.commit()
    return _action(action, _today())


@router.patch("/revival/actions/{action_id}", summary="Move an action (open → … → done)")
def patch_action(action_id: Id, body: ActionPatch, session: WriteSessionDep,
                 user: CurrentUser) -> dict[str, Any]:
    require_role(user, *STAFF)
    action = _action_row(session, user, action_id)
    _act(session, user)
    revival.move_action(session=session, action=action, to=body.status, on=_today(),
                        notes=body.notes, due_on=body.due_on)
    session.commit()
    return _action(action, _today())


@router.get("/revival/obstacle-kinds", summary="The obstacle taxonomy")
def obstacle_kinds(session: SessionDep, user: CurrentUser) -> list[dict[str, Any]]:
    rows = session.scalars(sa.select(ObstacleKind).where(ObstacleKind.active.is_(True))
                           .order_by(ObstacleKind.id))
    return [{"code": k.code, "name_fa": k.name_fa, "name_en": k.name_en} for k in rows]


@router.get("/revival/overdue", summary="Overdue actions, most overdue first (escalation)")
def overdue(session: SessionDep, user: CurrentUser) -> list[dict[str, Any]]:
    today = _today()
    rows = revival.overdue_actions(session=session, today=today, visible=visible_units(user))
    return [{"unit": o.unit.ref, "unit_name_fa": o.unit.name_fa, "obstacle": o.kind.code,
             "days_overdue": o.days_overdue, **_action(o.action, today)} for o in rows]


@router.get("/revival/point-zero", summary="Progress numbers toward point zero (staff)")
def point_zero(session: SessionDep, user: CurrentUser,
               months: Annotated[int, Query(ge=1, le=60)] = 12) -> dict[str, Any]:
    require_role(user, *STAFF)
    return revival.point_zero(session=session, today=_today(), months=months)


@cache
def _templates() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.PackageLoader("maps", "templates"),
                              autoescape=True)


@router.get("/revival/point-zero.html", response_class=HTMLResponse,
            summary="One-page printable point-zero report (Persian; ?lang=en for English)")
def point_zero_page(session: SessionDep, user: CurrentUser,
                    lang: Annotated[Literal["fa", "en"], Query()] = "fa") -> HTMLResponse:
    require_role(user, *STAFF)
    today = _today()
    numbers = revival.point_zero(session=session, today=today)
    late = revival.overdue_actions(session=session, today=today)
    digits = "fa" if lang == "fa" else "latin"
    html = _templates().get_template("point_zero.html").render(
        lang=lang, numbers=numbers, overdue=late,
        date=lambda d: jalali(d, digits=digits), num=lambda n: _num(n, lang))
    return HTMLResponse(html)


def _num(value: Any, lang: str) -> str:
    return persian_digits(value) if lang == "fa" else str(value)


# --- land appraisal, tariffs, levies --------------------------------------------------------

class AppraisalIn(Body):
    district: str = Field(min_length=1, max_length=32)
    plot: str = Field(min_length=1, max_length=64)
    valued_on: Day
    rial_per_m2: int = Field(gt=0, le=10**12)
    appraiser: str | None = Field(None, max_length=200)


@router.post("/appraisals", status_code=201, summary="Record a plot's appraised land value")
def add_appraisal(body: AppraisalIn, session: WriteSessionDep,
                  user: CurrentUser) -> dict[str, Any]:
    require_role(user, *LEVY_ROLES)
    plot = find_plot(session=session, district_code=body.district, code=body.plot)
    _act(session, user)
    session.add(PlotAppraisal(plot_id=plot.id, valued_on=body.valued_on,
                              rial_per_m2=body.rial_per_m2, appraiser=normalize(body.appraiser)))
    session.commit()
    return {"plot_id": plot.id, "area_m2": plot.area_m2, **body.model_dump()}


class Step(Body):
    from_year: int = Field(ge=1)
    share: float = Field(ge=0, le=1)


class TariffIn(Body):
    valid_from: Day
    schedule: list[Step] = Field(min_length=1, max_length=50)
    grace_months: int = Field(ge=0, le=120)
    terminate_after_years: int = Field(ge=1, le=100)
    note: str | None = Field(None, max_length=1000)


def _tariff(t: LevyTariff) -> dict[str, Any]:
    return {"version": t.version, "schedule": t.schedule, "grace_months": t.grace_months,
            "terminate_after_years": t.terminate_after_years, "note": t.note,
            **_dates(t, "valid_from")}


@router.get("/levies/tariffs", summary="Levy tariff versions (staff)")
def list_tariffs(session: SessionDep, user: CurrentUser) -> list[dict[str, Any]]:
    require_role(user, *STAFF)
    return [_tariff(t) for t in session.scalars(sa.select(LevyTariff)
                                                .order_by(LevyTariff.version))]


@router.post("/levies/tariffs", status_code=201, summary="Add a tariff version (staff, admin)")
def add_tariff(body: TariffIn, session: WriteSessionDep, user: CurrentUser) -> dict[str, Any]:
    require_role(user, *LEVY_ROLES)
    _act(session, user)
    data = body.model_dump()
    tariff = levies.create_tariff(session=session, **data)
    session.commit()
    return _tariff(tariff)


def _levy(levy: Levy) -> dict[str, Any]:
    return {"id": levy.id, "unit": levy.unit.ref, "year": levy.year,
            "amount_rial": levy.amount_rial, "tariff_version": levy.tariff_version,
            "idle_year": levy.idle_year, "share": levy.share,
            "land_value_rial": levy.land_value_rial, "days_charged": levy.days_charged,
            "recommend_termination": levy.recommend_termination, "status": levy.status,
            "events": [{"from": e.from_status, "to": e.to_status, "note": e.note,
                        "actor": e.actor, "at": e.at, "at_jalali": jalali(e.at, digits="latin")}
                       for e in levy.events]}


def _levy_row(session: Any, user: User, levy_id: int) -> Levy:
    row = session.scalar(sa.select(Levy).join(ProductionUnit)
                         .where(Levy.id == levy_id, visible_units(user)))
    if row is None:
        raise errors.NotFound(f"no levy {levy_id}", levy=levy_id)
    return row


@router.get("/levies", summary="Levies the caller may see (an investor: its own)")
def list_levies(session: SessionDep, user: CurrentUser,
                year: Annotated[int | None, Query(ge=1300, le=1600)] = None,
                status: Annotated[LevyStatus | None, Query()] = None) -> list[dict[str, Any]]:
    stmt = (sa.select(Levy).join(ProductionUnit).where(visible_units(user))
            .order_by(Levy.year, ProductionUnit.ref))
    if year is not None:
        stmt = stmt.where(Levy.year == year)
    if status is not None:
        stmt = stmt.where(Levy.status == status)
    return [_levy(x) for x in session.scalars(stmt)]


@router.get("/levies/{levy_id}", summary="A levy and its ledger")
def get_levy(levy_id: Id, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return _levy(_levy_row(session, user, levy_id))


class LevyIn(Body):
    unit: str = Field(min_length=1, max_length=32)
    year: int = Field(ge=1300, le=1600, description="Jalali year")
    note: str | None = Field(None, max_length=1000)


@router.post("/levies/quote", summary="Compute a levy without issuing it (staff)")
def quote_levy(body: LevyIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    require_role(user, *STAFF)
    q = levies.quote(session=session, unit=_unit(session, user, body.unit), year=body.year)
    return q.__dict__


@router.post("/levies", status_code=201, summary="Issue a levy (staff, admin)")
def issue_levy(body: LevyIn, session: WriteSessionDep, user: CurrentUser) -> dict[str, Any]:
    require_role(user, *LEVY_ROLES)
    unit = _unit(session, user, body.unit)
    _act(session, user, body.note)
    levy = levies.issue_levy(session=session, unit=unit, year=body.year, actor=user.username,
                             note=normalize(body.note))
    session.commit()
    return _levy(levy)


class LevyMove(Body):
    to: LevyStatus
    note: str | None = Field(None, max_length=1000)


@router.post("/levies/{levy_id}/transitions", summary="Paid, appealed, waived, re-issued")
def move_levy(levy_id: Id, body: LevyMove, session: WriteSessionDep,
              user: CurrentUser) -> dict[str, Any]:
    require_role(user, *LEVY_ROLES)
    levy = _levy_row(session, user, levy_id)
    _act(session, user, body.note)
    levies.move_levy(session=session, levy=levy, to=body.to, actor=user.username,
                     note=normalize(body.note))
    session.commit()
    session.refresh(levy)
    return _levy(levy)


# --- bank facilities ------------------------------------------------------------------------

@router.get("/facilities/flagged", summary="Facilities drawn by units without production")
def flagged(session: SessionDep, user: CurrentUser, settings: SettingsDep) -> list[dict[str, Any]]:
    rows = facilities.flagged_facilities(session=session, as_of=_today(),
                                         window_months=settings.facility_output_window_months,
                                         visible=visible_units(user))
    return [{"facility": f.facility.id, "unit": f.unit.ref, "bank": f.facility.bank,
             "purpose": f.facility.purpose, "amount_rial": f.facility.amount_rial,
             "disbursed_rial": f.facility.disbursed_rial, "reason": f.reason,
             **_dates(f, "last_output_on")} for f in rows]


# --- unit sheets ----------------------------------------------------------------------------

@router.post("/units/import", summary="Import investors and units from CSV/XLSX (staff)")
async def import_units(request: Request, session: WriteSessionDep, user: CurrentUser,
                       settings: SettingsDep, file: Annotated[UploadFile, File()],
                       dry_run: Annotated[bool, Query()] = True) -> dict[str, Any]:
    require_role(user, *STAFF)
    declared = int(request.headers.get("content-length") or 0)
    if declared > settings.unit_import_max_bytes + 64 * 1024:
        raise errors.PayloadTooLarge("the upload is too large",
                                     limit=settings.unit_import_max_bytes)
    data = await file.read(settings.unit_import_max_bytes + 1)
    _act(session, user, "bulk import")
    report = unit_sheets.import_sheets(
        session=session, data=data, filename=file.filename or "", dry_run=dry_run,
        actor_id=user.id, today=_today(), max_bytes=settings.unit_import_max_bytes,
        max_rows=settings.unit_import_max_rows)
    if report.written:
        session.commit()
    else:
        session.rollback()
    return {"dry_run": dry_run, "written": report.written, "rows": report.rows,
            "created": report.created, "updated": report.updated,
            "problems": [p.__dict__ for p in report.problems]}


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BINARY = {"schema": {"type": "string", "format": "binary"}}


@router.get("/units/export.xlsx", summary="Investors and units as a Persian workbook (staff)",
            response_class=Response,
            responses={200: {"description": "Workbook", "content": {XLSX: BINARY}}})
def export_xlsx(session: SessionDep, user: CurrentUser) -> Response:
    require_role(user, *STAFF)
    body = unit_sheets.to_xlsx(unit_sheets.export_rows(session=session))
    return Response(body, media_type=XLSX,
                    headers={"Content-Disposition": 'attachment; filename="units.xlsx"'})


@router.get("/units/export.csv", summary="Units (or ?sheet=investors) as CSV (staff)",
            response_class=Response,
            responses={200: {"description": "CSV", "content": {"text/csv": BINARY}}})
def export_csv(session: SessionDep, user: CurrentUser,
               sheet: Annotated[Literal["units", "investors"], Query()] = "units") -> Response:
    require_role(user, *STAFF)
    body = unit_sheets.to_csv(unit_sheets.export_rows(session=session)[sheet])
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{sheet}.csv"'})
