"""A validation report as JSON, as a GeoPackage for QGIS and as an HTML page with a map.

All three carry the same issues in the same (stable) order. Locations are EPSG:4326.
The HTML page is built with the map pipeline of :mod:`maps` (folium with every asset
served by us, see :mod:`maps.assets`); those imports happen inside :func:`report_html`
so the domain package does not load folium until a page is asked for.
"""

from __future__ import annotations

import json
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import jinja2
import pandas as pd
import pyogrio
import shapely
from shapely.geometry.base import BaseGeometry

from zones.uploads.contract import Issue, Report, Severity

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
        "notices": [{"code": n.code, "message": {"fa": n.message_fa, "en": n.message_en},
                     "layer": n.layer, "count": n.count} for n in report.notices],
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

_TEXT = {
    "fa": {"title": "گزارش اعتبارسنجی", "code": "کد", "severity": "شدت", "layer": "لایه",
           "feature": "عارضه", "message": "شرح", "none": "مشکلی پیدا نشد.",
           "error": "خطا", "warning": "هشدار", "errors": "خطا", "warnings": "هشدار",
           "notices": "یادداشت‌های خواندن فایل", "blocking": "این بارگذاری به دلیل خطا قابل "
           "ارسال نیست.", "ok": "خطای مانع ارسال وجود ندارد."},
    "en": {"title": "Validation report", "code": "Code", "severity": "Severity",
           "layer": "Layer", "feature": "Feature", "message": "Message",
           "none": "No problems found.", "error": "error", "warning": "warning",
           "errors": "errors", "warnings": "warnings", "notices": "Notes from reading the file",
           "blocking": "This upload cannot be submitted: it has errors.",
           "ok": "No blocking errors."},
}
_COLOURS = {Severity.ERROR: "#c62828", Severity.WARNING: "#ef8f00"}

_PAGE = """<!DOCTYPE html>
<html lang="{{ lang }}" dir="{{ dir }}">
<head>
<meta charset="utf-8">
<title>{{ text.title }}</title>
{{ map.header }}
{% for href in page_css %}<link rel="stylesheet" href="{{ href }}">
{% endfor %}
<style>
body.report-page { overflow: auto; }
.report-map { position: relative; height: 60vh; }
.report-table { width: 100%; border-collapse: collapse; }
.report-table th, .report-table td { border-bottom: 1px solid #ddd; padding: 4px 8px;
  text-align: start; vertical-align: top; }
.sev-error { color: #c62828; } .sev-warning { color: #a15c00; }
</style>
</head>
<body class="report-page">
<header class="zones-header"><h1 class="zones-title">{{ text.title }}</h1></header>
<p class="report-summary">{{ summary }} — {{ text.blocking if blocking else text.ok }}</p>
<main class="report-map">
{{ map.html }}
</main>
{% if notices %}<h2>{{ text.notices }}</h2><ul>
{% for n in notices %}<li><code>{{ n.code }}</code> {{ n.message }}</li>
{% endfor %}</ul>{% endif %}
{% if rows %}
<table class="report-table">
<thead><tr><th>#</th><th>{{ text.code }}</th><th>{{ text.severity }}</th>
<th>{{ text.layer }}</th><th>{{ text.feature }}</th><th>{{ text.message }}</th></tr></thead>
<tbody>
{% for r in rows %}<tr class="sev-{{ r.severity }}"><td>{{ r.n }}</td>
<td><code>{{ r.code }}</code></td>
<td>{{ r.severity_label }}</td><td>{{ r.layer }}</td><td><bdi>{{ r.feature }}</bdi></td>
<td>{{ r.message }}</td></tr>
{% endfor %}</tbody></table>
{% else %}<p>{{ text.none }}</p>{% endif %}
<script>
{{ map.script }}
</script>
</body>
</html>
"""


@cache
def _page() -> jinja2.Template:
    # Autoescape: messages carry plot codes and names straight from the consultant's file.
    return jinja2.Environment(autoescape=True).from_string(_PAGE)


def _problem_map(report: Report, lang: str, static_prefix: str) -> Any:
    import folium

    from maps import popups
    from maps.overlays import geojson
    from maps.zone_map import base_map, use_local_assets

    m = base_map(lang=lang, static_prefix=static_prefix)
    located = [(n, i) for n, i in enumerate(report.issues, 1) if i.location is not None
               and not i.location.is_empty]
    if located:
        frame = gpd.GeoDataFrame(
            {"n": [n for n, _ in located], "issue": [i for _, i in located]},
            geometry=[i.location for _, i in located], crs=4326)

        def text(row: dict[str, Any], lang: str) -> tuple[Any, Any]:
            issue: Issue = row["issue"]
            message = issue.message_fa if lang == "fa" else issue.message_en
            tip = popups.tooltip(lang, f"#{row['n']}", issue.code, message)
            return tip, tip

        def style(row: dict[str, Any]) -> dict[str, Any]:
            colour = _COLOURS[row["issue"].severity]
            return {"color": colour, "fillColor": colour, "weight": 3, "fillOpacity": 0.35}

        marker = folium.CircleMarker(radius=7, fill=True)
        geojson(frame, text, style, lang, marker=marker).add_to(m)
        west, south, east, north = frame.total_bounds
        m.fit_bounds([[south, west], [north, east]], padding=(24, 24), max_zoom=18)
    use_local_assets(m, static_prefix=static_prefix, rtl=lang == "fa")
    return m


def report_html(report: Report, *, lang: str = "fa", static_prefix: str = "/static") -> str:
    """The report as one HTML page: summary, a map of every located problem, a table.

    ``lang="fa"`` gives a right-to-left Persian page, ``"en"`` left-to-right English.
    Every script and stylesheet is served by this service under ``static_prefix``; no
    CDN. Messages, codes and notices are escaped (they come from the uploaded file).
    """
    from maps.assets import page_css
    from maps.messages import check_lang, direction
    from maps.pages import render_map_parts

    check_lang(lang)
    text = _TEXT[lang]
    parts = render_map_parts(_problem_map(report, lang, static_prefix))
    counts = Counter(i.severity for i in report.issues)
    summary = (f"{counts.get(Severity.ERROR, 0)} {text['errors']}، "
               f"{counts.get(Severity.WARNING, 0)} {text['warnings']}" if lang == "fa" else
               f"{counts.get(Severity.ERROR, 0)} {text['errors']}, "
               f"{counts.get(Severity.WARNING, 0)} {text['warnings']}")
    rows = [{"n": n, "code": i.code, "severity": i.severity.value,
             "severity_label": text[i.severity.value], "layer": i.layer.value,
             "feature": "—" if i.feature is None else i.feature,
             "message": i.message_fa if lang == "fa" else i.message_en}
            for n, i in enumerate(report.issues, 1)]
    notices = [{"code": n.code, "message": n.message_fa if lang == "fa" else n.message_en}
               for n in report.notices]
    return _page().render(lang=lang, dir=direction(lang), text=text, map=parts,
                          page_css=page_css(static_prefix, rtl=direction(lang) == "rtl"),
                          summary=summary, blocking=report.blocking, rows=rows,
                          notices=notices)
