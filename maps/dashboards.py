"""The working group's dashboard page: figures as tables and Chart.js charts, no CDN.

Figures are rendered into the page (a table people can read and a JSON block the chart
script draws from), so the numbers on the chart are the numbers in the table. Each
section is built by one function returning ``(table, chart)``; a section whose figures
were not given (``None``: not allowed, or no such district) is left out.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from maps.assets import CHART_JS, mount_url, page_css
from maps.messages import MESSAGES, check_lang, direction, label, other_lang, t
from maps.pages import _environment
from maps.popups import format_date, format_number, format_percent
from zones.services.statistics import (
    CLASSES,
    PIPELINE,
    WORK_STATUSES,
    DistrictOccupancy,
    DistrictReadiness,
    Dormancy,
    DormancyObstacles,
    Pipeline,
)

Section = dict[str, Any]

# Colours that mean the same on every chart: work done is green, work ahead grey, a
# refusal red; a request still open is blue.
WORK_COLOURS = {"planned": "#bdbdbd", "under_construction": "#fd8d3c", "complete": "#31a354"}
REQUEST_COLOURS = {"submitted": "#6baed6", "under_review": "#3182bd", "reserved": "#08519c",
                   "approved": "#31a354", "rejected": "#de2d26", "withdrawn": "#969696",
                   "expired": "#636363"}
OBSTACLE_COLOUR, NO_PLAN_COLOUR = "#e6550d", "#969696"


def _chart(chart_id: str, title: str, labels: list[str], series: list[dict[str, Any]], *,
           kind: str = "bar", horizontal: bool = False, stacked: bool = False,
           percent: bool = False) -> dict[str, Any]:
    """What dashboard.js needs to draw one chart (direction and locale are page-wide)."""
    return {"id": chart_id, "title": title, "kind": kind, "horizontal": horizontal,
            "stacked": stacked, "percent": percent, "labels": labels, "series": series}


def occupancy_section(occupancy: list[DistrictOccupancy], lang: str) -> Section:
    """Area per district and occupancy class (ha)."""
    name = "name_fa" if lang == "fa" else "name_en"
    labels = [getattr(d, name) or d.district_code for d in occupancy]
    rows = [{"label": label_, "cells": [
        *[format_number(d.area_m2[k] / 10_000, lang, decimals=2) for k in CLASSES],
        format_number(d.total_m2 / 10_000, lang, decimals=2),
        format_percent(d.occupied_share, lang)]} for label_, d in zip(labels, occupancy,
                                                                       strict=True)]
    title = t("dash.occupancy", lang)
    return {"id": "occupancy", "title": title, "rows": rows, "notes": [],
            "headers": [t("dash.district", lang), *[t(f"dash.{k}", lang) for k in CLASSES],
                        t("dash.total", lang), t("dash.occupied_share", lang)],
            "chart": _chart("occupancy-chart", title, labels, [
                {"label": t(f"dash.{k}", lang),
                 "data": [round(d.area_m2[k] / 10_000, 4) for d in occupancy]}
                for k in CLASSES], horizontal=True, stacked=True)}


def dormancy_section(dormancy: Dormancy, lang: str) -> Section:
    """Dormant units at each month end, as a line over time."""
    labels = [format_date(p.day, lang) for p in dormancy.over_time]
    title = t("dash.dormancy_title", lang)
    return {"id": "dormancy", "title": title,
            "notes": [f"{t('dash.dormant_now', lang)}: "
                      f"{format_number(dormancy.dormant_now, lang)}"],
            "headers": [t("dash.month_end", lang), t("dash.dormant_units", lang)],
            "rows": [{"label": day, "cells": [format_number(p.dormant, lang)]}
                     for day, p in zip(labels, dormancy.over_time, strict=True)],
            "chart": _chart("dormancy-chart", title, labels, [
                {"label": t("dash.dormant_units", lang),
                 "data": [p.dormant for p in dormancy.over_time]}], kind="line")}


def obstacle_label(kind: str, stored: str, lang: str) -> str:
    """An obstacle kind in the catalogue's words, else as the database names it."""
    return label("dash.obstacle", kind, lang) if f"dash.obstacle.{kind}" in MESSAGES else stored


def obstacles_section(obstacles: DormancyObstacles, lang: str) -> Section:
    """Dormant units per open obstacle kind, and those with no revival plan yet."""
    labels = [obstacle_label(o.kind, o.name_fa if lang == "fa" else o.name_en, lang)
              for o in obstacles.by_obstacle] + [t("dash.without_plan", lang)]
    counts = [o.units for o in obstacles.by_obstacle] + [obstacles.without_plan]
    title = t("dash.obstacles_title", lang)
    return {"id": "obstacles", "title": title, "notes": [t("dash.obstacles_note", lang)],
            "headers": [t("dash.obstacle", lang), t("dash.dormant_units", lang)],
            "rows": [{"label": name, "cells": [format_number(n, lang)]}
                     for name, n in zip(labels, counts, strict=True)],
            "chart": _chart("obstacles-chart", title, labels, [
                {"label": t("dash.dormant_units", lang), "data": counts,
                 "colours": [OBSTACLE_COLOUR] * (len(counts) - 1) + [NO_PLAN_COLOUR]}],
                horizontal=True)}


def readiness_section(readiness: DistrictReadiness, lang: str) -> Section:
    """Per network: share of line length planned / building / complete (stacked, %)."""
    name = (readiness.name_fa if lang == "fa" else readiness.name_en) or readiness.district_code
    labels = [label("network", n.network, lang) for n in readiness.networks]
    rows = [{"label": label_, "cells": [
        *[format_number(n.length_by_status[s] / 1000, lang, decimals=2) for s in WORK_STATUSES],
        format_percent(n.share_length, lang),
        *[format_number(n.assets_by_status[s], lang) for s in WORK_STATUSES]]}
        for label_, n in zip(labels, readiness.networks, strict=True)]
    shares = [n.length_shares or n.count_shares for n in readiness.networks]
    title = f"{t('dash.readiness_title', lang)}: {name}"
    return {"id": "readiness", "title": title, "rows": rows,
            "notes": [t("dash.readiness_note", lang)],
            "headers": [t("dash.network", lang),
                        *[t(f"dash.{s}_km", lang) for s in WORK_STATUSES],
                        t("dash.complete_share", lang),
                        *[t(f"dash.{s}_count", lang) for s in WORK_STATUSES]],
            "chart": _chart("readiness-chart", title, labels, [
                {"label": label("status", s, lang), "colours": WORK_COLOURS[s],
                 "data": [round(share[s] * 100, 2) for share in shares]}
                for s in WORK_STATUSES], horizontal=True, stacked=True, percent=True)}


def pipeline_section(pipeline: Pipeline, lang: str) -> Section:
    """Requests per status, and the median days from submission to a decision."""
    labels = [t(f"dash.request.{s}", lang) for s in PIPELINE]
    median = pipeline.median_days_to_decision
    title = t("dash.pipeline_title", lang)
    return {"id": "pipeline", "title": title,
            "notes": [f"{t('dash.decided', lang)}: {format_number(pipeline.decided, lang)}",
                      f"{t('dash.median_days', lang)}: "
                      f"{format_number(median, lang, decimals=1)}"],
            "headers": [t("dash.request_status", lang), t("dash.requests", lang)],
            "rows": [{"label": name, "cells": [format_number(pipeline.by_status[s], lang)]}
                     for name, s in zip(labels, PIPELINE, strict=True)]
            + [{"label": t("dash.total", lang), "cells": [format_number(pipeline.total, lang)]}],
            "chart": _chart("pipeline-chart", title, labels, [
                {"label": t("dash.requests", lang),
                 "data": [pipeline.by_status[s] for s in PIPELINE],
                 "colours": [REQUEST_COLOURS[s] for s in PIPELINE]}])}


def render_dashboard(occupancy: list[DistrictOccupancy], *, dormancy: Dormancy | None = None,
                     obstacles: DormancyObstacles | None = None,
                     readiness: DistrictReadiness | None = None,
                     pipeline: Pipeline | None = None, lang: str = "fa",
                     static_prefix: str = "/static", now: dt.datetime | None = None) -> str:
    """The dashboard HTML; ``obstacles`` only for callers allowed to see them."""
    check_lang(lang)
    now = now or dt.datetime.now(dt.UTC)
    sections = [occupancy_section(occupancy, lang)]
    if dormancy is not None:
        sections.append(dormancy_section(dormancy, lang))
    if obstacles is not None:
        sections.append(obstacles_section(obstacles, lang))
    if readiness is not None:
        sections.append(readiness_section(readiness, lang))
    if pipeline is not None:
        sections.append(pipeline_section(pipeline, lang))
    rtl = direction(lang) == "rtl"
    charts = {"rtl": rtl, "locale": "fa-IR" if lang == "fa" else "en-GB",
              "charts": [s.pop("chart") for s in sections]}
    return _environment().get_template("dashboard.html").render(
        lang=lang, dir=direction(lang), title=t("dash.title", lang),
        as_of=f"{t('dash.as_of', lang)} {format_date(now, lang)}",
        sections=sections, charts=charts, switch_lang=other_lang(lang),
        switch_label=t("page.switch_language", lang), map_label=t("dash.map", lang),
        page_css=page_css(static_prefix, rtl=rtl),
        chart_js=CHART_JS.url(static_prefix),
        dashboard_js=f"{mount_url('maps', static_prefix)}/dashboard.js")
