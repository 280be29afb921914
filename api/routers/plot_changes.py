"""Staff changes to a plot (status, land use, zoning) and the plot's history.

Inputs forbid unknown fields: geometry, area, codes and validity are server-controlled
(geometry changes arrive as plan revisions), so a client can never set them here.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from api.deps import SessionDep, WriteSessionDep
from api.schemas.plots import Event, History, LineageEdge, PlotUpdate, PlotVersion
from api.security import require
from zones.model import Role, User
from zones.services.plot_history import plot_history
from zones.services.plots import find_plot, update_plot

router = APIRouter(prefix="/plots", tags=["plots"])
Code = Annotated[str, Path(max_length=64)]
Staff = Annotated[User, require(Role.STAFF, Role.WORKING_GROUP, Role.ADMIN)]


@router.patch("/{district}/{code}", response_model=PlotVersion,
              summary="Change a plot's status, land use or zoning (staff and up)")
def patch_plot(district: Code, code: Code, change: PlotUpdate, user: Staff,
               session: WriteSessionDep) -> PlotVersion:
    plot = find_plot(session=session, district_code=district, code=code)
    session.info.update(actor=user.username, actor_id=user.id, reason=change.reason)
    update_plot(session=session, plot=plot,
                changes=change.model_dump(exclude_unset=True, exclude={"reason"}))
    return _version(plot)


@router.get("/{district}/{code}/history", response_model=History,
            summary="Versions, lineage and audited changes of a plot (staff and up)")
def get_history(district: Code, code: Code, user: Staff,
                session: SessionDep) -> History:
    plot = find_plot(session=session, district_code=district, code=code)
    past = plot_history(session=session, plot=plot)
    return History(
        versions=[_version(v) for v in past.versions],
        lineage=[LineageEdge(parent_id=e.parent_id, child_id=e.child_id, kind=e.kind.value,
                             at=e.at) for e in past.lineage],
        events=[Event(at=e.at, actor=e.actor, action=e.action.value, plot_id=e.entity_id,
                      before=e.before, after=e.after, reason=e.reason) for e in past.events])


def _version(plot: Any) -> PlotVersion:
    return PlotVersion(id=plot.id, code=plot.code, status=plot.status.value,
                       land_use=plot.land_use.value, area_m2=plot.area_m2,
                       valid_from=plot.valid_from, valid_to=plot.valid_to)
