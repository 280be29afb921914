"""A plot's page: what anyone may know, plus the allocation for those allowed to see it."""

from __future__ import annotations

from typing import Annotated, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse
from geoalchemy2.shape import to_shape
from sqlalchemy.orm import selectinload

from api.deps import SessionDep, SettingsDep
from api.security import MaybeUser
from maps.plot_page import PlotView, render_plot_page
from zones.model import Allocation, AllocationStatus, User
from zones.security import STAFF_ROLES
from zones.services.plot_history import plot_history
from zones.services.plots import find_plot

router = APIRouter(tags=["pages"])
Code = Annotated[str, Path(max_length=64)]


def _may_see_allocation(user: User | None, allocation: Allocation) -> bool:
    return user is not None and (user.role in STAFF_ROLES
                                 or user.investor_id == allocation.investor_id)


@router.get("/plots/{district}/{code}/page", response_class=HTMLResponse,
            summary="A plot's page: details, map, versions; allocation for those allowed")
def plot_page(district: Code, code: Code, session: SessionDep, settings: SettingsDep,
              user: MaybeUser,
              lang: Annotated[Literal["fa", "en"], Query()] = "fa") -> HTMLResponse:
    plot = find_plot(session=session, district_code=district, code=code)
    past = plot_history(session=session, plot=plot)
    allocation = session.scalar(
        sa.select(Allocation).where(Allocation.plot_id == plot.id,
                                    Allocation.status == AllocationStatus.ACTIVE)
        .options(selectinload(Allocation.investor), selectinload(Allocation.unit),
                 selectinload(Allocation.obligations)))
    shown = None
    if allocation is not None and _may_see_allocation(user, allocation):
        name = allocation.investor.name_fa if lang == "fa" else (
            allocation.investor.name_en or allocation.investor.name_fa)
        shown = {"investor": name,
                 "unit": allocation.unit and (allocation.unit.name_fa if lang == "fa"
                                              else allocation.unit.name_en
                                              or allocation.unit.name_fa),
                 "start_date": allocation.start_date,
                 "obligations": [{"kind": o.kind.value, "due_date": o.due_date,
                                  "status": o.status.value} for o in allocation.obligations]}
    staff = user is not None and user.role in STAFF_ROLES
    view = PlotView(
        district_code=plot.district.code, code=plot.code, status=plot.status.value,
        land_use=plot.land_use.value, area_m2=plot.area_m2, max_coverage=plot.max_coverage,
        far=plot.far, geometry=to_shape(plot.geom),
        versions=[{"code": v.code, "area_m2": v.area_m2, "valid_from": v.valid_from,
                   "valid_to": v.valid_to} for v in past.versions],
        lineage=[{"kind": e.kind.value, "parent_id": e.parent_id, "child_id": e.child_id,
                  "at": e.at} for e in past.lineage],
        allocation=shown,
        events=[{"at": e.at, "actor": e.actor, "action": e.action.value, "reason": e.reason}
                for e in past.events] if staff else None)
    return HTMLResponse(render_plot_page(view, lang=lang,
                                         static_prefix=settings.static_prefix))
