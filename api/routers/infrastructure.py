"""Infrastructure assets, customs candidate sites and expansion areas, and their updates.

Lists are GeoJSON with filters and ``next`` links, like ``/plots``. Staff mark network
work planned / under construction / complete (district-3 readiness reads these); the
working group decides which customs candidate is chosen. Geometry is not editable here:
it arrives through plan revisions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, cast

import sqlalchemy as sa
from fastapi import APIRouter, Path, Query, Request, Response

from api.deps import SessionDep, SettingsDep, WriteSessionDep
from api.geojson import GEOJSON, GeoJSONResponse, encode_feature, encode_page, feature_page
from api.geojson import page_links as geojson_links
from api.params import MAX_ID, RowId, parse_bbox
from api.schemas.infrastructure import (
    AssetCollection,
    AssetFeature,
    AssetState,
    AssetUpdate,
    ExpansionCollection,
    ExpansionFeature,
    SiteCollection,
    SiteDecision,
    SiteFeature,
    SiteState,
)
from api.security import require
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
    User,
    WorkStatus,
)
from zones.text import normalize

router = APIRouter(tags=["infrastructure"])
STAFF = (Role.STAFF, Role.WORKING_GROUP, Role.ADMIN)
ASSETS = cast(sa.Table, InfrastructureAsset.__table__)
Staff = Annotated[User, require(*STAFF)]
WorkingGroup = Annotated[User, require(Role.WORKING_GROUP)]
Limit = Annotated[int | None, Query(ge=1, le=MAX_ID, description="Page size (capped)")]
Offset = Annotated[int, Query(ge=0, le=MAX_ID)]
BBox = Annotated[str | None, Query(description="minLon,minLat,maxLon,maxLat (EPSG:4326)",
                                   examples=["49.49,37.44,49.52,37.46"])]


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

@router.get("/infrastructure", response_model=AssetCollection, response_class=GeoJSONResponse,
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
        conditions.append(backend.bbox_clause(session, ASSETS, ASSETS.c.geom,
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


@router.get("/infrastructure/{asset_id}", response_model=AssetFeature,
            response_class=GeoJSONResponse, summary="One network asset")
def get_infrastructure(asset_id: RowId, session: SessionDep,
                       request: Request) -> Response:
    return _one(session, frames.infrastructure_select(
        where=InfrastructureAsset.id == asset_id), request,
        errors.NotFound(f"no infrastructure asset {asset_id}", asset=asset_id))


@router.patch("/infrastructure/{asset_id}", response_model=AssetState,
              summary="Record progress on a network asset (staff and up)")
def patch_infrastructure(asset_id: RowId,
                         change: AssetUpdate, user: Staff,
                         session: WriteSessionDep) -> AssetState:
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
    return AssetState(id=asset.id, network=asset.network, kind=asset.kind, status=asset.status,
                      planned_completion=asset.planned_completion,
                      completed_on=asset.completed_on, capacity=asset.capacity,
                      capacity_unit=asset.capacity_unit)


# Customs sites --------------------------------------------------------------------------

@router.get("/customs-sites", response_model=SiteCollection, response_class=GeoJSONResponse,
            summary="Customs candidate sites and the chosen one, as GeoJSON")
def list_customs_sites(session: SessionDep, settings: SettingsDep, request: Request,
                       status: Annotated[SiteStatus | None, Query()] = None,
                       limit: Limit = None, offset: Offset = 0) -> Response:
    where = None if status is None else CustomsSite.status == status
    page = min(limit or settings.page_size_default, settings.page_size_max)
    return _geojson_page(session, request, lambda n, o: frames.customs_select(
        where=where, limit=n, offset=o), limit=page, offset=offset)


@router.get("/customs-sites/{code}", response_model=SiteFeature, response_class=GeoJSONResponse,
            summary="One customs candidate site")
def get_customs_site(code: Annotated[str, Path(max_length=32)], session: SessionDep,
                     request: Request) -> Response:
    return _one(session, frames.customs_select(where=CustomsSite.code == normalize(code)),
                request, errors.NotFound(f"no customs site {code!r}", site=normalize(code)))


@router.patch("/customs-sites/{code}", response_model=SiteState,
              summary="Choose or reject a customs candidate (working group)")
def decide_customs_site(code: Annotated[str, Path(max_length=32)], decision: SiteDecision,
                        user: WorkingGroup, session: WriteSessionDep) -> SiteState:
    site = session.scalar(sa.select(CustomsSite).where(CustomsSite.code == normalize(code)))
    if site is None:
        raise errors.NotFound(f"no customs site {code!r}", site=normalize(code))
    if decision.status is SiteStatus.CHOSEN:
        chosen = session.scalar(sa.select(CustomsSite.code).where(
            CustomsSite.status == SiteStatus.CHOSEN, CustomsSite.zone_id == site.zone_id,
            CustomsSite.id != site.id))
        if chosen is not None:
            raise errors.CustomsSiteTaken(f"site {chosen} is already chosen; reject it first",
                                   chosen=chosen)
    session.info.update(actor=user.username, actor_id=user.id,
                        reason=normalize(decision.decision_ref))
    site.status = decision.status
    return SiteState(code=site.code, status=site.status)


# Expansion areas ------------------------------------------------------------------------

@router.get("/expansion-areas", response_model=ExpansionCollection,
            response_class=GeoJSONResponse,
            summary="Approved district expansions (e.g. district 2) with their decisions")
def list_expansion_areas(session: SessionDep, request: Request) -> Response:
    found = feature_page(session, frames.expansion_select(), limit=None)
    links = geojson_links(request, limit=found.returned, offset=0, has_more=False)
    return Response(encode_page(found, links=links), media_type=GEOJSON)


@router.get("/expansion-areas/{code}", response_model=ExpansionFeature,
            response_class=GeoJSONResponse,
            summary="One expansion area")
def get_expansion_area(code: Annotated[str, Path(max_length=32)], session: SessionDep,
                       request: Request) -> Response:
    where = ExpansionArea.code == normalize(code)
    return _one(session, frames.expansion_select(where=where), request,
                errors.NotFound(f"no expansion area {code!r}", expansion=normalize(code)))
