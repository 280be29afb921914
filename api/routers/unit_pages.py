"""A production unit's page for its investor and staff (404 for anyone else's unit)."""

from __future__ import annotations

from typing import Annotated, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse

from api.deps import SessionDep, SettingsDep
from api.security import CurrentUser
from maps.unit_page import render_unit_page
from zones.model import ExpansionProject, OutputReport, UnitStatusChange
from zones.services import unit_registry
from zones.services.access import visible_units
from zones.text import normalize

router = APIRouter(tags=["pages"])


@router.get("/units/{ref}/page", response_class=HTMLResponse,
            summary="A unit's page: record, status history, projects, capacity over time")
def unit_page(ref: Annotated[str, Path(max_length=32)], session: SessionDep,
              settings: SettingsDep, user: CurrentUser,
              lang: Annotated[Literal["fa", "en"], Query()] = "fa") -> HTMLResponse:
    unit = unit_registry.find_unit(session=session, ref=normalize(ref) or ref,
                                   visible=visible_units(user))
    reports = session.scalars(sa.select(OutputReport).where(OutputReport.unit_id == unit.id)
                              .order_by(OutputReport.period_end)).all()
    projects = session.scalars(sa.select(ExpansionProject).where(
        ExpansionProject.unit_id == unit.id).order_by(ExpansionProject.id)).all()
    history = session.scalars(sa.select(UnitStatusChange).where(
        UnitStatusChange.unit_id == unit.id).order_by(UnitStatusChange.at)).all()
    fields = ("name_fa", "name_en", "isic4", "status_since", "employment_licensed",
              "employment_actual")
    html = render_unit_page(
        {**{f: getattr(unit, f) for f in fields}, "status": unit.status.value},
        reports=[{"period_end": r.period_end, "capacity": r.capacity, "output": r.output,
                  "unit_of_measure": r.unit_of_measure} for r in reports],
        projects=[{"kind": p.kind.value, "title_fa": p.title_fa, "title_en": p.title_en,
                   "status": p.status.value, "capacity_added": p.capacity_added,
                   "land_needed_m2": p.land_needed_m2} for p in projects],
        history=[{"at": h.effective_on or h.at, "to": h.to_status.value, "reason": h.reason}
                 for h in history],
        lang=lang, static_prefix=settings.static_prefix)
    return HTMLResponse(html)
