"""A unit's expansion projects, their land requests, and its reported output and capacity.

Staff or the unit's own investor record projects and output; anyone who may see the unit
reads them (another investor's unit looks missing: 404).
"""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter

from api.deps import SessionDep, SettingsDep, WriteSessionDep
from api.params import RowId
from api.routers._programmes import Ref, UnitEditor, act, dates, find_unit, written
from api.schemas.unit_projects import (
    CapacityAdded,
    CapacityPublic,
    CapacityReport,
    ExpansionProjectCreate,
    ExpansionProjectPublic,
    LandRequestLinks,
    LandRequestPublic,
    OutputReportCreate,
    OutputReportPublic,
)
from api.security import CurrentUser
from zones import errors
from zones.model import ExpansionProject, OutputReport, ProjectStatus
from zones.services import project_land
from zones.text import normalize

router = APIRouter(tags=["units"])

PROJECT_FIELDS = ("id", "kind", "title_fa", "title_en", "capacity_added", "capacity_unit",
                  "jobs", "investment_rial", "land_needed_m2", "status",
                  "allocation_request_id")


def project_public(p: ExpansionProject) -> ExpansionProjectPublic:
    return ExpansionProjectPublic.model_validate(
        {k: getattr(p, k) for k in PROJECT_FIELDS} | dates(p, "starts_on", "completed_on"))


@router.get("/units/{ref}/projects", response_model=list[ExpansionProjectPublic],
            summary="A unit's expansion projects")
def list_projects(ref: Ref, session: SessionDep,
                  user: CurrentUser) -> list[ExpansionProjectPublic]:
    unit = find_unit(session, user, ref)
    rows = session.scalars(sa.select(ExpansionProject).where(ExpansionProject.unit_id == unit.id)
                           .order_by(ExpansionProject.id))
    return [project_public(p) for p in rows]


@router.post("/units/{ref}/projects", status_code=201, response_model=ExpansionProjectPublic,
             summary="Record an expansion project (staff, or the unit's investor)")
def add_project(ref: Ref, body: ExpansionProjectCreate, session: WriteSessionDep,
                user: UnitEditor) -> ExpansionProjectPublic:
    unit = find_unit(session, user, ref)
    act(session, user)
    values = body.model_dump()
    values["title_fa"], values["title_en"] = normalize(body.title_fa), normalize(body.title_en)
    project = ExpansionProject(unit_id=unit.id, **values)
    session.add(project)
    written(session)
    return project_public(project)


@router.post("/units/{ref}/projects/{project_id}/land-request",
             response_model=LandRequestPublic,
             summary="Send the project's land need to the allocation workflow (adjacent "
                     "plots rank first); asking again returns the same request")
def request_project_land(ref: Ref, project_id: RowId, session: WriteSessionDep,
                         settings: SettingsDep, user: UnitEditor) -> LandRequestPublic:
    unit = find_unit(session, user, ref)
    project = session.scalar(sa.select(ExpansionProject).where(
        ExpansionProject.id == project_id, ExpansionProject.unit_id == unit.id))
    if project is None:
        raise errors.NotFound(f"unit {unit.ref} has no project {project_id}",
                              project=project_id)
    act(session, user)
    request, created = project_land.request_land(
        session=session, project=project, actor=user.username, submitted_by_id=user.id,
        open_max=settings.requests_open_max)
    written(session)
    return LandRequestPublic(
        request_id=request.id, status=request.status.value, created=created,
        links=LandRequestLinks(request=f"/requests/{request.id}",
                               matches=f"/requests/{request.id}/matches"))


@router.post("/units/{ref}/output", status_code=201, response_model=OutputReportPublic,
             summary="Report a period's capacity and output (staff, or the unit's investor)")
def add_output(ref: Ref, body: OutputReportCreate, session: WriteSessionDep,
               user: UnitEditor) -> OutputReportPublic:
    unit = find_unit(session, user, ref)
    if session.scalar(sa.select(OutputReport.id).where(OutputReport.unit_id == unit.id,
                                                       OutputReport.period_end == body.period_end)):
        raise errors.Conflict(f"output for the period ending {body.period_end} is reported",
                              unit=unit.ref)
    act(session, user)
    session.add(OutputReport(unit_id=unit.id, **body.model_dump()))
    written(session)
    return OutputReportPublic(unit=unit.ref, **body.model_dump())


@router.get("/units/{ref}/capacity", response_model=CapacityPublic,
            summary="Capacity over time: reports and completed projects")
def capacity(ref: Ref, session: SessionDep, user: CurrentUser) -> CapacityPublic:
    unit = find_unit(session, user, ref)
    reports = session.scalars(sa.select(OutputReport).where(OutputReport.unit_id == unit.id)
                              .order_by(OutputReport.period_end))
    done = session.scalars(sa.select(ExpansionProject).where(
        ExpansionProject.unit_id == unit.id, ExpansionProject.status == ProjectStatus.COMPLETED)
        .order_by(ExpansionProject.completed_on))
    return CapacityPublic(
        unit=unit.ref,
        reports=[CapacityReport.model_validate(
            {"capacity": r.capacity, "output": r.output, "unit_of_measure": r.unit_of_measure,
             **dates(r, "period_start", "period_end")}) for r in reports],
        capacity_added=[CapacityAdded.model_validate(
            {"project": p.id, "capacity_added": p.capacity_added,
             "capacity_unit": p.capacity_unit, **dates(p, "completed_on")}) for p in done])
