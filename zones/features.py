"""GeoJSON Features (RFC 7946) as JSON text, straight from ``frames.*_select`` queries.

A page of Features is written by the database where it can (PostGIS:
:func:`zones.db.backend.geojson_page`), otherwise from the rows here, the geometry
encoded by GEOS in one vectorized call and spliced in as text. The web layer
(``api/geojson.py``) adds the FeatureCollection around it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import shapely
import sqlalchemy as sa
from sqlalchemy.orm import Session

from zones.db import backend


def json_default(value: Any) -> Any:
    """``json.dumps`` ``default`` for dates and datetimes (ISO 8601)."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def feature_texts(keys: list[str], rows: Sequence[Any]) -> list[str]:
    """Each row (WKB last) as the text of one GeoJSON Feature, minus its closing brace.

    Geometry is written by GEOS in one vectorized call and spliced in as text.
    """
    geometries: Any = (
        shapely.to_geojson(shapely.from_wkb([r[-1] for r in rows])) if rows else [])
    names = keys[:-1]
    dumps = json.dumps
    parts = []
    for row, geometry in zip(rows, geometries, strict=True):
        props = dict(zip(names, row[:-1], strict=True))
        parts.append(f'{{"type":"Feature","id":{dumps(props.get("id"))},'
                     f'"geometry":{geometry},'
                     f'"properties":{dumps(props, ensure_ascii=False, default=json_default)}')
    return parts


def joined(parts: list[str]) -> str:
    """Texts from :func:`feature_texts` closed and joined with commas."""
    return "".join(f"{p}}}," for p in parts)[:-1]


@dataclass(frozen=True)
class FeaturePage:
    """Up to ``limit`` Features as one JSON text (comma-separated), and whether more follow."""

    features: str
    returned: int
    more: bool


def feature_page(session: Session, stmt: sa.Select[Any], *, limit: int | None
                 ) -> FeaturePage:
    """Run ``stmt`` (``id`` first, ``wkb(...)`` last; paged to ``limit + 1`` rows by the
    caller) → the first ``limit`` Features as text, and whether more follow.

    The hot path of ``/plots`` and OGC items. On PostGIS the database already holds the
    rows, so it writes the JSON too and returns the page as a single text.
    """
    written = backend.geojson_page(session, stmt, limit)
    if written is not None:
        text, count = written
        returned = count if limit is None else min(count, limit)
        return FeaturePage(text, returned, count > returned)
    result = session.execute(stmt)
    parts = feature_texts(list(result.keys()), result.all())
    more = limit is not None and len(parts) > limit
    parts = parts[:limit] if more else parts
    return FeaturePage(joined(parts), len(parts), more)
