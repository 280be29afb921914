"""OGC API – Features documents (landing page, conformance, collections) and their links.

Links are absolute URLs built from the request, so they stay right behind a proxy
(``root_path``) and on whatever host and port the client used.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from fastapi import Request
from geojson_pydantic import Feature, FeatureCollection
from pydantic import BaseModel, Field

from api.geojson import GEOJSON, page_links
from api.ogc_collections import CRS84, Collection

JSON = "application/json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.1"
# Only what is implemented: FastAPI serves OpenAPI 3.1, so the OAS 3.0 class is not claimed.
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
]


class Link(BaseModel):
    href: str
    rel: str
    type: str | None = None
    title: str | None = None


Feat = TypeVar("Feat", bound=Feature)


class FeaturePage(FeatureCollection[Feat], Generic[Feat]):
    """A page of features with its count and ``self``/``next`` links (the GeoJSON lists
    and OGC API items share it)."""

    numberReturned: int
    links: list[Link]


class LandingPage(BaseModel):
    title: str
    description: str
    links: list[Link]


class Conformance(BaseModel):
    conformsTo: list[str]


class SpatialExtent(BaseModel):
    bbox: list[list[float]]
    crs: str = CRS84


class Extent(BaseModel):
    """Spatial extent from the data; no temporal member (the collections are not temporal)."""

    spatial: SpatialExtent


class CollectionInfo(BaseModel):
    id: str
    title: str
    description: str
    itemType: str = "feature"
    extent: Extent | None = None
    links: list[Link]


class Collections(BaseModel):
    links: list[Link]
    collections: list[CollectionInfo] = Field(default_factory=list)


def url(request: Request, route: str, **params: str) -> str:
    return str(request.url_for(route, **params))


def landing_links(request: Request) -> list[Link]:
    openapi = str(request.base_url).rstrip("/") + (request.app.openapi_url or "/openapi.json")
    return [
        Link(href=url(request, "ogc_landing"), rel="self", type=JSON, title="This document"),
        Link(href=openapi, rel="service-desc", type=OPENAPI, title="The API definition"),
        Link(href=url(request, "ogc_conformance"), rel="conformance", type=JSON,
             title="Conformance classes implemented"),
        Link(href=url(request, "ogc_collections"), rel="data", type=JSON,
             title="Feature collections"),
    ]


def collection_info(request: Request, collection: Collection,
                    bounds: tuple[float, float, float, float] | None) -> CollectionInfo:
    href = url(request, "ogc_collection", collectionId=collection.id)
    return CollectionInfo(
        id=collection.id, title=collection.title, description=collection.description,
        extent=None if bounds is None else Extent(spatial=SpatialExtent(bbox=[list(bounds)])),
        links=[Link(href=href, rel="self", type=JSON, title=collection.title),
               Link(href=url(request, "ogc_items", collectionId=collection.id), rel="items",
                    type=GEOJSON, title=f"{collection.title} as GeoJSON")])


def items_links(request: Request, collection: Collection, *, limit: int, offset: int,
                has_more: bool) -> list[dict[str, Any]]:
    """self/next (as ``/plots`` pages), plus prev and the collection."""
    links = page_links(request, limit=limit, offset=offset, has_more=has_more)
    if offset > 0:
        prev = request.url.include_query_params(offset=max(0, offset - limit), limit=limit)
        links.append({"rel": "prev", "type": GEOJSON, "href": str(prev)})
    links.append({"rel": "collection", "type": JSON,
                  "href": url(request, "ogc_collection", collectionId=collection.id)})
    return links


def item_links(request: Request, collection: Collection, feature_id: int) -> list[dict[str, Any]]:
    return [{"rel": "self", "type": GEOJSON,
             "href": url(request, "ogc_item", collectionId=collection.id,
                         featureId=str(feature_id))},
            {"rel": "collection", "type": JSON,
             "href": url(request, "ogc_collection", collectionId=collection.id)}]
