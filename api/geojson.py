"""GeoJSON (RFC 7946) responses built from GeoDataFrames, served as ``application/geo+json``."""

from __future__ import annotations

import json
import math
from typing import Any

import geopandas as gpd
import shapely
from fastapi import Request
from fastapi.responses import JSONResponse

# The Features' text is built in zones (SQL on PostGIS, GEOS otherwise); re-exported here
# for the routers, which add the FeatureCollection around it.
from zones.features import FeaturePage, feature_page, feature_texts, joined, json_default

__all__ = ["GEOJSON", "FeaturePage", "GeoJSONResponse", "collection", "encode_feature",
           "encode_page", "encode_rows", "feature_page", "features", "page_links"]

GEOJSON = "application/geo+json"


class GeoJSONResponse(JSONResponse):
    media_type = GEOJSON


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value


def features(frame: gpd.GeoDataFrame, *, id_column: str = "id") -> list[dict[str, Any]]:
    """Features of ``frame`` (EPSG:4326); geometry encoded by shapely in one vectorized call."""
    geometries = shapely.to_geojson(frame.geometry.to_numpy()) if len(frame) else []
    columns = [c for c in frame.columns if c != frame.geometry.name]
    out = []
    for geometry, row in zip(geometries, frame[columns].itertuples(index=False, name=None),
                             strict=True):
        props = {c: _plain(v) for c, v in zip(columns, row, strict=True)}
        out.append({"type": "Feature", "id": props.get(id_column),
                    "geometry": json.loads(geometry), "properties": props})
    return out


def encode_page(page: FeaturePage, *, links: list[dict[str, Any]],
                members: dict[str, Any] | None = None) -> bytes:
    """A FeatureCollection from a :class:`FeaturePage`, as UTF-8 bytes.

    ``members`` adds top-level members (OGC ``numberMatched``, ``timeStamp``).
    """
    tail = json.dumps({"numberReturned": page.returned, **(members or {}), "links": links},
                      ensure_ascii=False, default=json_default)
    return ('{"type":"FeatureCollection","features":[' + page.features + "],"
            + tail[1:]).encode()


def encode_rows(keys: list[str], rows: list[Any], *, links: list[dict[str, Any]],
                members: dict[str, Any] | None = None) -> bytes:
    """A FeatureCollection from result rows whose last column is WKB, as UTF-8 bytes."""
    parts = feature_texts(keys, rows)
    page = FeaturePage(joined(parts), len(parts), False)
    return encode_page(page, links=links, members=members)


def encode_feature(keys: list[str], row: Any, *, links: list[dict[str, Any]]) -> bytes:
    """One Feature (with OGC ``links``) from a result row whose last column is WKB."""
    (part,) = feature_texts(keys, [row])
    return (part + ',"links":' + json.dumps(links, ensure_ascii=False) + "}").encode()


def page_links(request: Request, *, limit: int, offset: int, has_more: bool
               ) -> list[dict[str, Any]]:
    links = [{"rel": "self", "type": GEOJSON, "href": str(request.url)}]
    if has_more:
        links.append({"rel": "next", "type": GEOJSON,
                      "href": str(request.url.include_query_params(offset=offset + limit,
                                                                   limit=limit))})
    return links


def collection(frame: gpd.GeoDataFrame, request: Request, *, limit: int | None = None,
               offset: int = 0, has_more: bool = False) -> dict[str, Any]:
    """A FeatureCollection with OGC-style ``links`` (self, next) and counts."""
    links = [{"rel": "self", "type": GEOJSON, "href": str(request.url)}]
    if has_more and limit is not None:
        links.append({"rel": "next", "type": GEOJSON,
                      "href": str(request.url.include_query_params(offset=offset + limit,
                                                                   limit=limit))})
    return {"type": "FeatureCollection", "features": features(frame),
            "numberReturned": len(frame), "links": links}
