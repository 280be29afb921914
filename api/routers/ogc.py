"""OGC API – Features Part 1 (Core, GeoJSON) under ``/ogc``.

Every collection is a ``frames.*_select`` query encoded by ``api.geojson.feature_page``,
the same path as ``/plots``. Coordinates are CRS84 (lon/lat) throughout; no other CRS
is offered. Unknown query parameters are refused with 400, as the standard requires.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response

from api.deps import SessionDep
from api.geojson import GEOJSON, GeoJSONResponse, encode_feature, encode_page
from api.ogc_collections import COLLECTIONS, find
from api.ogc_schemas import (
    CONFORMANCE,
    JSON,
    CollectionInfo,
    Collections,
    Conformance,
    LandingPage,
    Link,
    collection_info,
    item_links,
    items_links,
    landing_links,
    url,
)
from api.paging import MAX_OFFSET, PageDep
from api.params import parse_bbox
from api.schemas.ogc import OgcFeature, OgcFeatureCollection
from zones import errors

router = APIRouter(prefix="/ogc", tags=["ogc"])

Format = Annotated[Literal["json"] | None,
                   Query(description="Response format; only JSON (GeoJSON for features)")]
CollectionId = Annotated[str, Path(description=f"One of: {', '.join(COLLECTIONS)}",
                                   max_length=64)]
FeatureId = Annotated[str, Path(description="The feature's integer id", max_length=64)]
PAGING = {"limit", "offset"}


def _only(request: Request, allowed: set[str]) -> None:
    """Refuse query parameters the operation does not define (OGC /req/core/query-param-unknown)."""
    unknown = sorted(set(request.query_params) - allowed - {"f"})
    if unknown:
        raise errors.InvalidParameter(f"unknown query parameter(s): {', '.join(unknown)}",
                                      parameter=unknown[0], allowed=sorted(allowed | {"f"}))


@router.get("", response_model=LandingPage, name="ogc_landing",
            summary="OGC API – Features landing page")
def landing(request: Request, f: Format = None) -> LandingPage:
    _only(request, set())
    return LandingPage(title="Anzali Free Zone — features",
                       description="Districts, plots, infrastructure, customs sites and "
                                   "protected areas as OGC API – Features (GeoJSON, CRS84).",
                       links=landing_links(request))


@router.get("/conformance", response_model=Conformance, name="ogc_conformance",
            summary="Conformance classes this API implements")
def conformance(request: Request, f: Format = None) -> Conformance:
    _only(request, set())
    return Conformance(conformsTo=CONFORMANCE)


@router.get("/collections", response_model=Collections, name="ogc_collections",
            summary="The feature collections, with their spatial extents")
def collections(request: Request, session: SessionDep, f: Format = None) -> Collections:
    _only(request, set())
    return Collections(
        links=[Link(href=url(request, "ogc_collections"), rel="self", type=JSON)],
        collections=[collection_info(request, c, c.extent(session))
                     for c in COLLECTIONS.values()])


@router.get("/collections/{collectionId}", response_model=CollectionInfo,
            name="ogc_collection", summary="One feature collection")
def describe(collectionId: CollectionId,
             request: Request, session: SessionDep, f: Format = None) -> CollectionInfo:
    _only(request, set())
    collection = find(collectionId)
    return collection_info(request, collection, collection.extent(session))


@router.get("/collections/{collectionId}/items", response_model=OgcFeatureCollection,
            response_class=GeoJSONResponse, name="ogc_items",
            summary="Features of a collection: bbox, property filters (plots), paging")
def items(
    collectionId: CollectionId,
    request: Request,
    session: SessionDep,
    page: PageDep,
    bbox: Annotated[str | None, Query(description="minLon,minLat,maxLon,maxLat (CRS84)",
                                      examples=["49.49,37.44,49.52,37.46"])] = None,
    district_code: Annotated[str | None, Query(description="plots: district code, e.g. D1",
                                               max_length=64)] = None,
    status: Annotated[str | None, Query(description="plots: status, e.g. vacant",
                                        max_length=64)] = None,
    land_use: Annotated[str | None, Query(description="plots: land use, e.g. industrial",
                                          max_length=64)] = None,
    isic4: Annotated[str | None, Query(description="units: ISIC Rev.4 class, e.g. 1079",
                                       max_length=4)] = None,
    f: Format = None,
) -> Response:
    collection = find(collectionId)
    _only(request, {"bbox", *PAGING, *collection.queryables})
    filters = {name: value for name, value in (("district_code", district_code),
                                               ("status", status), ("land_use", land_use),
                                               ("isic4", isic4))
               if value is not None}
    where = collection.where(session, bbox=None if bbox is None else parse_bbox(bbox),
                             filters=filters)
    found = collection.page(session, where=where, limit=page.limit, offset=page.offset)
    more = found.more
    links = items_links(request, collection, limit=page.limit, offset=page.offset,
                        has_more=more)
    matched = (page.offset + found.returned if not more and (found.returned or page.offset == 0)
               else collection.count(session, where=where))
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    body = encode_page(found, links=links,
                       members={"numberMatched": matched, "timeStamp": stamp})
    return Response(body, media_type=GEOJSON)


@router.get("/collections/{collectionId}/items/{featureId}", response_model=OgcFeature,
            response_class=GeoJSONResponse, name="ogc_item", summary="One feature by its id")
def item(
    collectionId: CollectionId,
    featureId: FeatureId,
    request: Request,
    session: SessionDep,
    f: Format = None,
) -> Response:
    collection = find(collectionId)
    _only(request, set())
    fid = int(featureId) if featureId.isascii() and featureId.isdigit() else None
    keys, row = (collection.feature(session, fid) if fid is not None and fid <= MAX_OFFSET
                 else ([], None))
    if row is None or fid is None:
        raise errors.FeatureNotFound(f"no feature {featureId!r} in {collection.id!r}",
                                     collection=collection.id, feature=featureId)
    return Response(encode_feature(keys, row, links=item_links(request, collection, fid)),
                    media_type=GEOJSON)
