"""A validation report as JSON and as a GeoPackage for QGIS.

Both carry the same issues in the same (stable) order as the HTML page
(:mod:`maps.upload_report`). Locations are EPSG:4326.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from shapely.geometry.base import BaseGeometry

from zones.uploads.contract import Issue, Notice, Report, Severity

# GeoPackage layer per geometry kind (a GeoPackage layer has one geometry type).
GPKG_LAYERS = {0: "problems_points", 1: "problems_lines", 2: "problems_polygons"}
GPKG_UNLOCATED = "problems_unlocated"
_MULTI = {0: shapely.MultiPoint, 1: shapely.MultiLineString, 2: shapely.MultiPolygon}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item"):   # numpy scalars
        return value.item()
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def _issue_json(issue: Issue) -> dict[str, Any]:
    location = (json.loads(shapely.to_geojson(issue.location))
                if issue.location is not None else None)
    return {"code": issue.code, "severity": issue.severity.value,
            "message": {"fa": issue.message_fa, "en": issue.message_en},
            "layer": issue.layer.value, "feature": issue.feature, "location": location,
            "extra": _jsonable(issue.extra)}


def notice_json(notice: Notice) -> dict[str, Any]:
    """A reading notice as JSON: what was changed, in which layer, features and fields."""
    return {"code": notice.code, "message": {"fa": notice.message_fa, "en": notice.message_en},
            "layer": notice.layer, "count": notice.count, "extra": _jsonable(notice.extra)}


def report_json(report: Report) -> dict[str, Any]:
    """The report as plain JSON types, keys and order stable across runs.

    ``counts`` has ``by_code`` and ``by_severity`` (issues) and ``features`` (per role).
    """
    by_code = Counter(i.code for i in report.issues)
    by_severity = Counter(i.severity.value for i in report.issues)
    return {
        "blocking": report.blocking,
        "counts": {"by_code": dict(sorted(by_code.items())),
                   "by_severity": {s.value: by_severity.get(s.value, 0) for s in Severity},
                   "features": dict(report.counts)},
        "issues": [_issue_json(i) for i in report.issues],
        "notices": [notice_json(n) for n in report.notices],
    }


def _single_kind(geom: BaseGeometry) -> tuple[int, BaseGeometry]:
    """(dimension, Multi* geometry) keeping the highest-dimension parts of ``geom``."""
    parts = [p for p in shapely.get_parts(geom) if not p.is_empty]
    if any(p.geom_type == "GeometryCollection" for p in parts):
        parts = [q for p in parts for q in shapely.get_parts(p)]
    dim = max(shapely.get_dimensions(parts)) if parts else 0
    kept = [p for p in parts if shapely.get_dimensions(p) == dim]
    flat = [q for p in kept for q in shapely.get_parts(p)]
    return int(dim), _MULTI[int(dim)](flat)


def write_report_gpkg(report: Report, path: str | Path) -> list[str]:
    """Write the problems to a GeoPackage, one layer per geometry kind; returns the layers.

    Layers ``problems_points``, ``problems_lines``, ``problems_polygons`` (Multi* geometry,
    EPSG:4326) and, for problems without a location, the attribute table
    ``problems_unlocated``. Columns: code, severity, message_fa, message_en, layer,
    feature, extra (JSON text). Only non-empty layers are written.
    """
    path = Path(path)
    path.unlink(missing_ok=True)
    rows: dict[int | None, list[dict[str, Any]]] = {}
    for issue in report.issues:
        row = {"code": issue.code, "severity": issue.severity.value,
               "message_fa": issue.message_fa, "message_en": issue.message_en,
               "layer": issue.layer.value,
               "feature": issue.feature if issue.feature is not None else -1,
               "extra": json.dumps(_jsonable(issue.extra), ensure_ascii=False)}
        dim = None
        if issue.location is not None and not issue.location.is_empty:
            dim, row["geometry"] = _single_kind(issue.location)
        rows.setdefault(dim, []).append(row)
    written = []
    for dim, items in sorted(rows.items(), key=lambda kv: -1 if kv[0] is None else kv[0]):
        if dim is None:
            pyogrio.write_dataframe(pd.DataFrame(items), path, layer=GPKG_UNLOCATED,
                                    driver="GPKG")
            written.append(GPKG_UNLOCATED)
            continue
        gdf = gpd.GeoDataFrame(items, geometry="geometry", crs=4326)
        pyogrio.write_dataframe(gdf, path, layer=GPKG_LAYERS[dim], driver="GPKG")
        written.append(GPKG_LAYERS[dim])
    return written


# --- HTML ----------------------------------------------------------------------------
