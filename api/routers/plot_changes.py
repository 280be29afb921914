"""Staff changes to a plot (status, land use, zoning) and the plot's history.

Inputs forbid unknown fields: geometry, area, codes and validity are server-controlled
(geometry changes arrive as plan revisions), so a client can never set them here.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from api.deps import SessionDep, WriteSessionDep
from api.params import Input
from api.security import CurrentUser, require_role
from zones.model import LandUse, PlotStatus, Role
from zones.services.plot_history import plot_history
from zones.services.plots import find_plot, update_plot

router = APIRouter(prefix="/plots", tags=["plots"])
Code = Annotated[str, Path(max_length=64)]


class PlotUpdate(Input):
    """What staff may change on a current plot; every change is audited with its reason.

    ``status`` and ``land_use`` may be left out but not sent as null (see Input).
    """

    status: PlotStatus = Field(None)
    land_use: LandUse = Field(None)
    max_coverage: float | None = Field(None, gt=0, le=1)
    far: float | None = Field(None, gt=0, le=20)
    name_fa: str | None = Field(None, max_length=200)
    name_en: str | None = Field(None, max_length=200)
    reason: str = Field(min_length=3, max_length=1000,
                        description="Why (a decision reference): kept in the audit trail")


class PlotVersion(BaseModel):
    id: int
    code: str
    status: str
    land_use: str
    area_m2: float
    valid_from: dt.datetime
    valid_to: dt.datetime | None


class LineageEdge(BaseModel):
    parent_id: int
    child_id: int
    kind: str
    at: dt.datetime


class Event(BaseModel):
    at: dt.datetime
    actor: str
    action: str
    plot_id: int
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None


class History(BaseModel):
    versions: list[PlotVersion]
    lineage: list[LineageEdge]
    events: list[Event]


@router.patch("/{district}/{code}", response_model=PlotVersion,
              summary="Change a plot's status, land use or zoning (staff and up)")
def patch_plot(district: Code, code: Code, change: PlotUpdate, user: CurrentUser,
               session: WriteSessionDep) -> PlotVersion:
    require_role(user, Role.STAFF, Role.WORKING_GROUP, Role.ADMIN)
    plot = find_plot(session=session, district_code=district, code=code)
    session.info.update(actor=user.username, actor_id=user.id, reason=change.reason)
    update_plot(session=session, plot=plot,
                changes=change.model_dump(exclude_unset=True, exclude={"reason"}))
    session.commit()
    return _version(plot)


@router.get("/{district}/{code}/history", response_model=History,
            summary="Versions, lineage and audited changes of a plot (staff and up)")
def get_history(district: Code, code: Code, user: CurrentUser,
                session: SessionDep) -> History:
    require_role(user, Role.STAFF, Role.WORKING_GROUP, Role.ADMIN)
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
