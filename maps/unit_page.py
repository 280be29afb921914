"""A production unit's page: record, status history, expansion projects and a chart of
capacity and output over time (the same figures in a table beneath it)."""

from __future__ import annotations

from typing import Any

from maps.assets import CHART_JS, mount_url, page_css
from maps.messages import check_lang, direction, label, other_lang, t
from maps.pages import _environment
from maps.popups import format_date, format_number


def render_unit_page(unit: dict[str, Any], *, reports: list[dict[str, Any]],
                     projects: list[dict[str, Any]], history: list[dict[str, Any]],
                     lang: str = "fa", static_prefix: str = "/static") -> str:
    check_lang(lang)
    name = unit["name_fa"] if lang == "fa" else (unit["name_en"] or unit["name_fa"])
    details = [
        (t("unit.isic", lang), unit["isic4"]),
        (t("unit.status", lang), label("status", unit["status"], lang)),
        (t("unit.since", lang), format_date(unit["status_since"], lang)),
        (t("unit.jobs", lang), f"{format_number(unit['employment_licensed'], lang)} / "
                               f"{format_number(unit['employment_actual'], lang)}"),
    ]
    rows = [{"end": format_date(r["period_end"], lang),
             "capacity": format_number(r["capacity"], lang),
             "output": format_number(r["output"], lang), "uom": r["unit_of_measure"]}
            for r in reports]
    chart = {"rtl": direction(lang) == "rtl", "locale": "fa-IR" if lang == "fa" else "en-GB",
             "labels": [r["end"] for r in rows],
             "series": [{"label": t("unit.capacity_series", lang),
                         "data": [r["capacity"] for r in reports]},
                        {"label": t("unit.output_series", lang),
                         "data": [r["output"] for r in reports]}]}
    return _environment().get_template("unit_page.html").render(
        lang=lang, dir=direction(lang), title=f"{t('unit.title', lang)}: {name}",
        t=lambda key: t(key, lang), details=details, rows=rows, chart=chart,
        projects=[{"kind": p["kind"], "title": p["title_fa"] if lang == "fa"
                   else (p["title_en"] or p["title_fa"]), "status": p["status"],
                   "capacity_added": format_number(p["capacity_added"], lang),
                   "land": format_number(p["land_needed_m2"], lang)} for p in projects],
        history=[{"at": format_date(h["at"], lang), "to": label("status", h["to"], lang),
                  "reason": h["reason"] or ""} for h in history],
        switch_lang=other_lang(lang), switch_label=t("page.switch_language", lang),
        page_css=page_css(static_prefix, rtl=direction(lang) == "rtl"),
        chart_js=CHART_JS.url(static_prefix),
        page_js=f"{mount_url('maps', static_prefix)}/unit-page.js")
