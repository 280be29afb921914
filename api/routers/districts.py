"""Districts (industrial estates) of the zone."""

from __future__ import annotations

from fastapi import APIRouter, Request

from api.deps import SessionDep
from api.geojson import GeoJSONResponse, collection
from api.schemas.districts import DistrictCollection
from zones import frames
from zones.spatial.measurement import metric_area

router = APIRouter(prefix="/districts", tags=["districts"])


@router.get("", response_model=DistrictCollection, response_class=GeoJSONResponse,
            summary="All districts as GeoJSON, with gross area in m² (metric CRS)")
def list_districts(session: SessionDep, request: Request) -> GeoJSONResponse:
    frame = frames.district_frame(session)
    srid = frames.zone_frame(session).metric_srid.iloc[0] if len(frame) else 32639
    frame["gross_area_m2"] = metric_area(frame.geometry, int(srid)).round(1) if len(frame) else []
    return GeoJSONResponse(collection(frame, request))
