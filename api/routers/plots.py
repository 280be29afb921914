"""Plots as GeoJSON, filtered by bbox, district, status and land use, paged."""

from __future__ import annotations

from typing import Annotated, cast

import sqlalchemy as sa
from fastapi import APIRouter, Query, Request, Response

from api.deps import SessionDep, SettingsDep
from api.geojson import (
    GEOJSON,
    GeoJSONResponse,
    encode_page,
    feature_page,
    features,
    page_links,
)
from api.params import parse_bbox
from api.schemas.plots import PlotCollection, PlotFeature
from zones import errors, frames
from zones.db import backend
from zones.model import District, LandUse, Plot, PlotStatus
from zones.text import fold, normalize

router = APIRouter(prefix="/plots", tags=["plots"])
MAX_OFFSET = 2**31 - 1  # past any real result set, and inside every backend's integer
PLOTS = cast(sa.Table, Plot.__table__)


@router.get("", response_model=PlotCollection, response_class=GeoJSONResponse,
            responses={200: {"content": {GEOJSON: {}}}},
            summary="Current plots as a GeoJSON FeatureCollection")
def list_plots(
    session: SessionDep,
    settings: SettingsDep,
    request: Request,
    bbox: Annotated[str | None, Query(description="minLon,minLat,maxLon,maxLat (EPSG:4326)",
                                      examples=["49.49,37.44,49.52,37.46"])] = None,
    district: Annotated[str | None, Query(description="District code, e.g. D1")] = None,
    status: Annotated[PlotStatus | None, Query()] = None,
    land_use: Annotated[LandUse | None, Query()] = None,
    limit: Annotated[int | None, Query(ge=1, le=MAX_OFFSET,
                                       description="Page size (capped by the server)")]
    = None,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> Response:
    page = min(limit or settings.page_size_default, settings.page_size_max)
    conditions = []
    if bbox is not None:
        conditions.append(backend.bbox_clause(session, PLOTS, PLOTS.c.geom,
                                              parse_bbox(bbox)))
    if district is not None:
        conditions.append(District.code == normalize(district))
    if status is not None:
        conditions.append(Plot.status == status)
    if land_use is not None:
        conditions.append(Plot.land_use == land_use)
    where = sa.and_(sa.true(), *conditions)
    found = feature_page(session, frames.plot_select(where=where, limit=page + 1,
                                                       offset=offset), limit=page)
    links = page_links(request, limit=page, offset=offset, has_more=found.more)
    return Response(encode_page(found, links=links), media_type=GEOJSON)


@router.get("/{district}/{code}", response_model=PlotFeature, response_class=GeoJSONResponse,
            summary="One current plot by district and code (Persian or Latin digits)")
def get_plot(district: str, code: str, session: SessionDep) -> GeoJSONResponse:
    frame = frames.plot_frame(session, where=sa.and_(District.code == normalize(district),
                                                     Plot.code_key == fold(code)))
    if frame.empty:
        raise errors.PlotNotFound(f"no current plot {normalize(code)!r} in {district!r}",
                                  district=normalize(district), plot_code=normalize(code))
    return GeoJSONResponse(features(frame)[0])
