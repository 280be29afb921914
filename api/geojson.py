"""GeoJSON (RFC 7946) responses built from GeoDataFrames, served as ``application/geo+json``."""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import shapely
import sqlalchemy as sa
from fastapi import Request
from fastapi.responses import JSONResponse
from sqlalchemy import func
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from zones.db import backend

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


def _json_default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _feature_texts(keys: list[str], rows: list[Any]) -> list[str]:
    """Each row (WKB last) as the text of one GeoJSON Feature, minus its closing brace.

    Geometry is written by GEOS in one vectorized call and spliced in as text.
    """
    geometries = shapely.to_geojson(shapely.from_wkb([r[-1] for r in rows])) if rows else []
    names = keys[:-1]
    dumps = json.dumps
    parts = []
    for row, geometry in zip(rows, geometries, strict=True):
        props = dict(zip(names, row[:-1], strict=True))
        parts.append(f'{{"type":"Feature","id":{dumps(props.get("id"))},'
                     f'"geometry":{geometry},'
                     f'"properties":{dumps(props, ensure_ascii=False, default=_json_default)}')
    return parts


def _geometry_column(stmt: sa.Select[Any]) -> Any:
    """The geometry column behind the ``wkb(...)`` column that ends every ``*_select``."""
    *_, last = stmt.selected_columns
    return next(iter(last.element.clause.clauses))  # Label → TypeCoerce → ST_AsBinary(geom)


@dataclass(frozen=True)
class FeaturePage:
    """Up to ``limit`` Features as one JSON text (comma-separated), and whether more follow."""

    features: str
    returned: int
    more: bool


def _postgis_page(session: Session, stmt: sa.Select[Any], limit: int | None) -> FeaturePage:
    """The page written by PostgreSQL (``ST_AsGeoJSON``, ``json_build_object``, ``string_agg``).

    The hot path of ``/plots`` and OGC items on PostGIS: the database already holds the
    rows, so it writes the JSON too and returns the page as a single text; Python adds the
    collection's head and tail. The geometry is written straight from the column (no WKB
    round trip) and concatenated as text, not cast to ``json`` and re-serialised.
    Coordinates have 9 decimals (about 0.1 mm).
    """
    *columns, _ = stmt.selected_columns
    stmt = stmt.with_only_columns(
        *columns, func.ST_AsGeoJSON(_geometry_column(stmt), 9).label("geojson"))
    rows = stmt.subquery("page")
    names = [c.name for c in rows.c if c.name != "geojson"]
    properties = func.json_build_object(
        *itertools.chain.from_iterable((sa.literal(n, sa.String), rows.c[n]) for n in names))
    head = sa.literal('{"type":"Feature","id":', sa.Text)
    feature = (head + sa.cast(rows.c.id, sa.Text) + sa.literal(',"geometry":', sa.Text)
               + rows.c.geojson + sa.literal(',"properties":', sa.Text)
               + sa.cast(properties, sa.Text) + sa.literal("}", sa.Text))
    # Numbered in the subquery's ORDER BY; the extra (limit + 1)th row only says "more".
    numbered = sa.select(feature.label("f"), func.row_number().over().label("n")).subquery()
    joined = func.string_agg(numbered.c.f, postgresql.aggregate_order_by(
        sa.literal_column("','"), numbered.c.n))
    if limit is not None:
        joined = joined.filter(numbered.c.n <= limit)
    text, count = session.execute(sa.select(joined, func.count())).one()
    returned = count if limit is None else min(count, limit)
    return FeaturePage(text or "", returned, count > returned)


def feature_page(session: Session, stmt: sa.Select[Any], *, limit: int | None
                 ) -> FeaturePage:
    """Run ``stmt`` (``id`` first, ``wkb(...)`` last; paged to ``limit + 1`` rows by the
    caller) → the first ``limit`` Features as text, and whether more follow."""
    if backend.name(session) == "postgis":
        return _postgis_page(session, stmt, limit)
    result = session.execute(stmt)
    parts = _feature_texts(list(result.keys()), result.all())
    more = limit is not None and len(parts) > limit
    parts = parts[:limit] if more else parts
    return FeaturePage("".join(f"{p}}}," for p in parts)[:-1], len(parts), more)


def encode_page(page: FeaturePage, *, links: list[dict[str, Any]],
                members: dict[str, Any] | None = None) -> bytes:
    """A FeatureCollection from a :class:`FeaturePage`, as UTF-8 bytes.

    ``members`` adds top-level members (OGC ``numberMatched``, ``timeStamp``).
    """
    tail = json.dumps({"numberReturned": page.returned, **(members or {}), "links": links},
                      ensure_ascii=False, default=_json_default)
    return ('{"type":"FeatureCollection","features":[' + page.features + "],"
            + tail[1:]).encode()


def encode_rows(keys: list[str], rows: list[Any], *, links: list[dict[str, Any]],
                members: dict[str, Any] | None = None) -> bytes:
    """A FeatureCollection from result rows whose last column is WKB, as UTF-8 bytes."""
    parts = _feature_texts(keys, rows)
    page = FeaturePage("".join(f"{p}}}," for p in parts)[:-1], len(parts), False)
    return encode_page(page, links=links, members=members)


def encode_feature(keys: list[str], row: Any, *, links: list[dict[str, Any]]) -> bytes:
    """One Feature (with OGC ``links``) from a result row whose last column is WKB."""
    (part,) = _feature_texts(keys, [row])
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
