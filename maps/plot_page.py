"""A plot's page: details, a small map, versions and lineage for everyone; the allocation
for the holding investor and staff; audited changes for staff.

The caller decides what the viewer may see and passes only that (``allocation`` and
``events`` are ``None`` when hidden), so the template cannot leak what it was not given.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import folium
import shapely

from maps.assets import page_css
from maps.messages import check_lang, direction, label, other_lang, t
from maps.pages import _environment, render_map_parts
from maps.popups import format_date, format_number, format_percent
from maps.zone_map import base_map, use_local_assets
from zones.text import persian_digits


@dataclass(frozen=True)
class PlotView:
    district_code: str
    code: str
    status: str
    land_use: str
    area_m2: float
    max_coverage: float | None
    far: float | None
    geometry: shapely.Geometry
    versions: list[dict[str, Any]]
    lineage: list[dict[str, Any]]
    allocation: dict[str, Any] | None = None   # shown to staff and the holding investor
    events: list[dict[str, Any]] | None = None  # shown to staff


def _plot_map(view: PlotView, *, lang: str, static_prefix: str) -> folium.Map:
    m = base_map(lang=lang, static_prefix=static_prefix)
    folium.GeoJson(shapely.geometry.mapping(view.geometry),
                   style_function=lambda _: {"color": "#08306b", "weight": 2,
                                             "fillOpacity": 0.25}).add_to(m)
    minx, miny, maxx, maxy = view.geometry.bounds
    m.fit_bounds([[miny, minx], [maxy, maxx]], max_zoom=18)
    use_local_assets(m, static_prefix=static_prefix, rtl=direction(lang) == "rtl")
    return m


def render_plot_page(view: PlotView, *, lang: str = "fa", static_prefix: str = "/static"
                     ) -> str:
    check_lang(lang)
    code = persian_digits(view.code) if lang == "fa" else view.code
    details = [
        (t("plot.district", lang), view.district_code),
        (t("plot.status", lang), label("status", view.status, lang)),
        (t("plot.land_use", lang), label("land_use", view.land_use, lang)),
        (t("plot.area", lang), format_number(view.area_m2, lang)),
        (t("plot.coverage", lang), format_percent(view.max_coverage, lang)),
        (t("plot.far", lang), format_number(view.far, lang, decimals=2)),
    ]
    versions = [{"code": persian_digits(v["code"]) if lang == "fa" else v["code"],
                 "area": format_number(v["area_m2"], lang),
                 "from": format_date(v["valid_from"], lang),
                 "to": format_date(v["valid_to"], lang) or t("plot.current", lang)}
                for v in view.versions]
    lineage = [{"kind": e["kind"], "parent": e["parent_id"], "child": e["child_id"],
                "at": format_date(e["at"], lang)} for e in view.lineage]
    allocation = None
    if view.allocation is not None:
        a = view.allocation
        allocation = {"investor": a["investor"], "unit": a.get("unit") or "",
                      "start": format_date(a["start_date"], lang),
                      "obligations": [{"kind": o["kind"],
                                       "due": format_date(o["due_date"], lang),
                                       "status": o["status"]} for o in a["obligations"]]}
    events = None if view.events is None else [
        {"at": format_date(e["at"], lang), "actor": e["actor"], "action": e["action"],
         "reason": e.get("reason") or ""} for e in view.events]
    return _environment().get_template("plot_page.html").render(
        lang=lang, dir=direction(lang), title=f"{t('plot.title', lang)} {code}",
        t=lambda key: t(key, lang), details=details, versions=versions, lineage=lineage,
        allocation=allocation, events=events, switch_lang=other_lang(lang),
        switch_label=t("page.switch_language", lang),
        page_css=page_css(static_prefix, rtl=direction(lang) == "rtl"),
        map=render_map_parts(_plot_map(view, lang=lang, static_prefix=static_prefix)))
