"""The working group's dashboard page: figures as tables and Chart.js charts, no CDN.

Figures are rendered into the page (a table people can read and a JSON block the chart
script draws from), so the numbers on the chart are the numbers in the table.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from maps.assets import CHART_JS, mount_url, page_css
from maps.messages import check_lang, direction, other_lang, t
from maps.pages import _environment
from maps.popups import format_date, format_number, format_percent
from zones.services.statistics import CLASSES, DistrictOccupancy


def render_dashboard(occupancy: list[DistrictOccupancy], *, lang: str = "fa",
                     static_prefix: str = "/static", now: dt.datetime | None = None) -> str:
    check_lang(lang)
    now = now or dt.datetime.now(dt.UTC)
    name = "name_fa" if lang == "fa" else "name_en"
    rows: list[dict[str, Any]] = []
    for d in occupancy:
        rows.append({
            "label": getattr(d, name) or d.district_code,
            "cells": [format_number(d.area_m2[k] / 10_000, lang, decimals=2) for k in CLASSES],
            "total": format_number(d.total_m2 / 10_000, lang, decimals=2),
            "share": format_percent(d.occupied_share, lang),
        })
    chart = {
        "rtl": direction(lang) == "rtl",
        "locale": "fa-IR" if lang == "fa" else "en-GB",
        "labels": [r["label"] for r in rows],
        "series": [{"label": t(f"dash.{k}", lang),
                    "data": [round(d.area_m2[k] / 10_000, 4) for d in occupancy]}
                   for k in CLASSES],
    }
    return _environment().get_template("dashboard.html").render(
        lang=lang, dir=direction(lang), title=t("dash.title", lang),
        as_of=(t("dash.as_of", lang) + " "
               + format_date(now, lang)),
        occupancy_title=t("dash.occupancy", lang),
        headers=[t("dash.district", lang), *[t(f"dash.{k}", lang) for k in CLASSES],
                 t("dash.total", lang), t("dash.occupied_share", lang)],
        rows=rows, chart=chart, switch_lang=other_lang(lang),
        switch_label=t("page.switch_language", lang), map_label=t("dash.map", lang),
        page_css=page_css(static_prefix, rtl=direction(lang) == "rtl"),
        chart_js=CHART_JS.url(static_prefix),
        dashboard_js=f"{mount_url('maps', static_prefix)}/dashboard.js")
