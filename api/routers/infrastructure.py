"""Infrastructure assets, customs candidate sites and expansion areas, and their updates.

Lists are GeoJSON with filters and ``next`` links, like ``/plots``. Staff mark network
work planned / under construction / complete (district-3 readiness reads these); the
working group decides which customs candidate is chosen. Geometry is not editable here:
it arrives through plan revisions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, Field

from api.deps import SessionDep, SettingsDep, WriteSessionDep
from api.geojson import GEOJSON, GeoJSONResponse, encode_feature, encode_page, feature_page
from api.geojson import page_links as geojson_links
from api.params import MAX_ID, Input, RowId, parse_bbox
from api.security import CurrentUser, require_role
from zones import errors, frames
from zones.db import backend
from zones.model import (
    CustomsSite,
    District,
    ExpansionArea,
    InfrastructureAsset,
    Network,
    Role,
    SiteStatus,
    WorkStatus,
)
from zones.text import normalize

router = APIRouter(tags=["infrastructure"])
STAFF = (Role.STAFF, Role.WORKING_GROUP, Role.ADMIN)
Limit = Annotated[int | None, Query(ge=1, le=MAX_ID, description="Page size (capped)")]
Offset = Annotated[int, Query(ge=0, le=MAX_ID)]
BBox = Annotated[str | None, Query(description="minLon,minLat,maxLon,maxLat (EPSG:4326)",
                                   examples=["49.49,37.44,49.52,37.46"])]
GEOJSON_200 = {200: {"content": {GEOJSON: {}}}}


def _geojson_page(session: SessionDep, request: Request,
                  stmt_for: Callable[[int, int], sa.Select[Any]], *, limit: int,
                  offset: int) -> Response:
    found = feature_page(session, stmt_for(limit + 1, offset), limit=limit)
    links = geojson_links(request, limit=limit, offset=offset, has_more=found.more)
    return Response(encode_page(found, links=links), media_type=GEOJSON)


def _one(session: SessionDep, stmt: sa.Select[Any], request: Request, missing: errors.ZonesError
         ) -> Response:
    result = session.execute(stmt)
    row = result.first()
    if row is None:
        raise missing
    links = [{"rel": "self", "type": GEOJSON, "href": str(request.url)}]
    return Response(encode_feature(list(result.keys()), row, links=links), media_type=GEOJSON)


# Infrastructure ------------------------------------------------------------------------

@router.get("/infrastructure", response_class=GeoJSONResponse, responses=GEOJSON_200,
            summary="Network assets (roads, power, water, gas, sewer, rail…) as GeoJSON")
def list_infrastructure(
    session: SessionDep, settings: SettingsDep, request: Request,
    bbox: BBox = None,
    network: Annotated[Network | None, Query()] = None,
    status: Annotated[WorkStatus | None, Query()] = None,
    district: Annotated[str | None, Query(max_length=64, description="District code")] = None,
    limit: Limit = None, offset: Offset = 0,
) -> Response:
    a = InfrastructureAsset
    conditions = []
    if bbox is not None:
        conditions.append(backend.bbox_clause(session, a.__table__, a.__table__.c.geom,
                                              parse_bbox(bbox)))
    if network is not None:
        conditions.append(a.network == network)
    if status is not None:
        conditions.append(a.status == status)
    if district is not None:
        conditions.append(District.code == normalize(district))
    where = sa.and_(sa.true(), *conditions)
    page = min(limit or settings.page_size_default, settings.page_size_max)
    return _geojson_page(session, request, lambda n, o: frames.infrastructure_select(
        where=where, limit=n, offset=o), limit=page, offset=offset)


@router.get("/infrastructure/{asset_id}", response_class=GeoJSONResponse,
            responses=GEOJSON_200, summary="One network asset")
def get_infrastructure(asset_id: RowId, session: SessionDep,
                       request: Request) -> Response:
    return _one(session, frames.infrastructure_select(
        where=InfrastructureAsset.id == asset_id), request,
        errors.NotFound(f"no infrastructure asset {asset_id}", asset=asset_id))


class AssetUpdate(Input):
    """What staff change as works progress; every change is audited with its reason.

    ``status`` may be left out but not sent as null (see Input).
    """

    status: WorkStatus = Field(None)
    planned_completion: dt.date | None = None
    completed_on: dt.date | None = None
    capacity: float | None = Field(None, ge=0)
    capacity_unit: str | None = Field(None, max_length=16)
    name_fa: str | None = Field(None, max_length=200)
    name_en: str | None = Field(None, max_length=200)
    reason: str = Field(min_length=3, max_length=1000,
                        description="Why (site report, decision reference): audited")


class AssetState(BaseModel):
    id: int
    network: Network
    kind: str
    status: WorkStatus
    planned_completion: dt.date | None
    completed_on: dt.date | None
    capacity: float | None
    capacity_unit: str | None


@router.patch("/infrastructure/{asset_id}", response_model=AssetState,
              summary="Record progress on a network asset (staff and up)")
def patch_infrastructure(asset_id: RowId,
                         change: AssetUpdate, user: CurrentUser,
                         session: WriteSessionDep) -> AssetState:
    require_role(user, *STAFF)
    asset = session.get(InfrastructureAsset, asset_id)
    if asset is None:
        raise errors.NotFound(f"no infrastructure asset {asset_id}", asset=asset_id)
    values = change.model_dump(exclude_unset=True, exclude={"reason"})
    for key in ("name_fa", "name_en", "capacity_unit"):
        if key in values:
            values[key] = normalize(values[key])
    status = values.get("status", asset.status)
    if status is WorkStatus.COMPLETE:
        values.setdefault("completed_on", asset.completed_on or dt.date.today())
    elif "status" in values:
        values["completed_on"] = None  # reopened works are not complete on any date
    if values.get("completed_on") and values["completed_on"] > dt.date.today():
        raise errors.InvalidInput("completed_on cannot be in the future",
                                  completed_on=values["completed_on"].isoformat())
    session.info.update(actor=user.username, actor_id=user.id, reason=change.reason)
    for key, value in values.items():
        setattr(asset, key, value)
    session.commit()
    return AssetState(id=asset.id, network=asset.network, kind=asset.kind, status=asset.status,
                      planned_completion=asset.planned_completion,
                      completed_on=asset.completed_on, capacity=asset.capacity,
                      capacity_unit=asset.capacity_unit)


# Customs sites --------------------------------------------------------------------------

@router.get("/customs-sites", response_class=GeoJSONResponse, responses=GEOJSON_200,
            summary="Customs candidate sites and the chosen one, as GeoJSON")
def list_customs_sites(session: SessionDep, settings: SettingsDep, request: Request,
                       status: Annotated[SiteStatus | None, Query()] = None,
                       limit: Limit = None, offset: Offset = 0) -> Response:
    where = None if status is None else CustomsSite.status == status
    page = min(limit or settings.page_size_default, settings.page_size_max)
    return _geojson_page(session, request, lambda n, o: frames.customs_select(
        where=where, limit=n, offset=o), limit=page, offset=offset)


@router.get("/customs-sites/{code}", response_class=GeoJSONResponse, responses=GEOJSON_200,
            summary="One customs candidate site")
def get_customs_site(code: Annotated[str, Path(max_length=32)], session: SessionDep,
                     request: Request) -> Response:
    return _one(session, frames.customs_select(where=CustomsSite.code == normalize(code)),
                request, errors.NotFound(f"no customs site {code!r}", site=normalize(code)))


class SiteDecision(Input):
    status: SiteStatus
    decision_ref: str = Field(min_length=3, max_length=200,
                              description="The working group's decision reference")


class SiteState(BaseModel):
    code: str
    status: SiteStatus


class CustomsSiteTaken(errors.Conflict):
    code = "customs_site_already_chosen"
    title = "Another customs site is already chosen"


@router.patch("/customs-sites/{code}", response_model=SiteState,
              summary="Choose or reject a customs candidate (working group)")
def decide_customs_site(code: Annotated[str, Path(max_length=32)], decision: SiteDecision,
                        user: CurrentUser, session: WriteSessionDep) -> SiteState:
    require_role(user, Role.WORKING_GROUP)
    site = session.scalar(sa.select(CustomsSite).where(CustomsSite.code == normalize(code)))
    if site is None:
        raise errors.NotFound(f"no customs site {code!r}", site=normalize(code))
    if decision.status is SiteStatus.CHOSEN:
        chosen = session.scalar(sa.select(CustomsSite.code).where(
            CustomsSite.status == SiteStatus.CHOSEN, CustomsSite.zone_id == site.zone_id,
            CustomsSite.id != site.id))
        if chosen is not None:
            raise CustomsSiteTaken(f"site {chosen} is already chosen; reject it first",
                                   chosen=chosen)
    session.info.update(actor=user.username, actor_id=user.id,
                        reason=normalize(decision.decision_ref))
    site.status = decision.status
    session.commit()
    return SiteState(code=site.code, status=site.status)


# Expansion areas ------------------------------------------------------------------------

@router.get("/expansion-areas", response_class=GeoJSONResponse, responses=GEOJSON_200,
            summary="Approved district expansions (e.g. district 2) with their decisions")
def list_expansion_areas(session: SessionDep, request: Request) -> Response:
    found = feature_page(session, frames.expansion_select(), limit=None)
    links = geojson_links(request, limit=found.returned, offset=0, has_more=False)
    return Response(encode_page(found, links=links), media_type=GEOJSON)


@router.get("/expansion-areas/{code}", response_class=GeoJSONResponse, responses=GEOJSON_200,
            summary="One expansion area")
def get_expansion_area(code: Annotated[str, Path(max_length=32)], session: SessionDep,
                       request: Request) -> Response:
    where = ExpansionArea.code == normalize(code)
    return _one(session, frames.expansion_select(where=where), request,
                errors.NotFound(f"no expansion area {code!r}", expansion=normalize(code)))
