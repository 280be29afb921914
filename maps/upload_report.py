"""A validation report as an HTML page: summary, a map of every located problem, a table.

The JSON and GeoPackage forms live with the domain (:mod:`zones.uploads.report`); this
page is built with the map pipeline (folium, every asset served by us).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

import folium
import geopandas as gpd
from markupsafe import Markup

from maps import popups
from maps.assets import page_css
from maps.messages import check_lang, direction
from maps.overlays import geojson
from maps.pages import _environment, render_map_parts
from maps.zone_map import base_map, use_local_assets
from zones.uploads.contract import Issue, Report, Severity

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
SHOWN_FEATURES = 20


def notice_where(layer: str | None, extra: dict, layer_label: str, feature_label: str
                 ) -> str:
    """Where a reading notice applies: ``layer: L; feature: 0, 5 …`` (empty when unknown)."""
    parts = [f"{layer_label}: {layer}"] if layer else []
    features = list(extra.get("features") or [])
    if features:
        more = " …" if len(features) > SHOWN_FEATURES else ""
        parts.append(f"{feature_label}: {', '.join(map(str, features[:SHOWN_FEATURES]))}{more}")
    return "; ".join(parts)





def _problem_map(report: Report, lang: str, static_prefix: str) -> Any:
    m = base_map(lang=lang, static_prefix=static_prefix)
    located = [(n, i) for n, i in enumerate(report.issues, 1) if i.location is not None
               and not i.location.is_empty]
    if located:
        frame = gpd.GeoDataFrame(
            {"n": [n for n, _ in located], "issue": [i for _, i in located]},
            geometry=[i.location for _, i in located], crs=4326)

        def text(row: Mapping[str, Any], lang: str) -> tuple[Markup, Markup]:
            issue: Issue = row["issue"]
            message = issue.message_fa if lang == "fa" else issue.message_en
            tip = popups.tooltip(lang, f"#{row['n']}", issue.code, message)
            return tip, tip

        def style(row: Mapping[str, Any]) -> dict[str, Any]:
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
    notices = [{"code": n.code, "message": n.message_fa if lang == "fa" else n.message_en,
                "where": notice_where(n.layer, n.extra, text["layer"], text["feature"])}
               for n in report.notices]
    # Autoescaped: messages carry codes and names straight from the consultant's file.
    return _environment().get_template("upload_report.html").render(
        lang=lang, dir=direction(lang), text=text, map=parts,
        page_css=page_css(static_prefix, rtl=direction(lang) == "rtl"), summary=summary,
        blocking=report.blocking, rows=rows, notices=notices)
