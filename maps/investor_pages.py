"""An investor's pages: its units and allocation requests, and the allocation-request form.

Both are plain server-rendered Jinja2 pages. The form's map, the preferred-plot list and
the submission run in ``request-form.js`` against the JSON API (``GET /plots``, ``POST
/requests``) with the browser's session; everything the script needs (labels, URLs, the
investor's units) is rendered into one JSON block, never into script text.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from maps.assets import MAP_JS, map_css_assets, mount_url, page_css
from maps.messages import check_lang, direction, label, other_lang, t
from maps.pages import _environment
from maps.popups import format_date, format_number
from zones.model import EnvGroup, ExpansionKind, RequestPurpose
from zones.model.parties import ENV_GROUP_FA

# Plots an investor may ask for: vacant (in the pool) and of a use a unit can stand on.
# The same statuses the dashboards count as vacant (zones.services.statistics).
VACANT_STATUSES = ("planned", "serviced", "revoked")
REQUEST_LAND_USES = ("industrial", "warehouse")
FORM_TEXT = ("refused", "sending", "plots_failed", "no_plot_chosen", "remove", "m2", "plot",
             "whole_zone")


def _common(lang: str, static_prefix: str, title: str, *, extra_css: tuple[str, ...] = (),
            root: str = "") -> dict[str, Any]:
    """What every investor page passes to ``base_page.html``."""
    rtl = direction(lang) == "rtl"
    return {"root": root, "lang": lang, "dir": direction(lang), "title": title,
            "t": lambda key: t(key, lang), "switch_lang": other_lang(lang),
            "switch_label": t("page.switch_language", lang),
            "page_css": [*extra_css, *page_css(static_prefix, rtl=rtl),
                         f"{mount_url('maps', static_prefix)}/request-form.css"]}


def _name(row: dict[str, Any], lang: str) -> str:
    """The name in the page language, else the Persian one (always present)."""
    return (row.get("name_en") if lang == "en" else None) or row.get("name_fa") or ""


def _plot_text(request: dict[str, Any], lang: str) -> str:
    """The plot a request holds, if any: allocated first, else a live reservation."""
    if request.get("allocated_plot"):
        district, code = request["allocated_plot"]
        return f"{district} / {code} ({t('inv.allocated', lang)})"
    if request.get("reservation"):
        held = request["reservation"]
        until = format_date(held["expires_at"], lang)
        return f"{held['district']} / {held['code']} ({t('inv.reserved_until', lang)} {until})"
    return ""


def _investor_query(investor_ref: str | None, lang: str) -> str:
    """Query string that keeps staff on the investor they chose, and the language."""
    query = {"investor": investor_ref, "lang": lang} if investor_ref else {"lang": lang}
    return f"?{urlencode(query)}"


def render_investor_home(investor: dict[str, Any], *, units: list[dict[str, Any]],
                         requests: list[dict[str, Any]], lang: str = "fa",
                         static_prefix: str = "/static", staff_view: bool = False,
                         root: str = "") -> str:
    """The "my units and requests" page.

    ``investor``: ref, name_fa, name_en. ``units``: ref, name_fa, name_en, status.
    ``requests`` (newest first): id, purpose, area_min_m2, area_max_m2, status (as the
    reader sees it), created_at, reservation (district, code, expires_at) or None, and
    allocated_plot ((district, code)) or None. ``staff_view`` keeps ``?investor=`` on links.
    """
    check_lang(lang)
    query = _investor_query(investor["ref"] if staff_view else None, lang)
    unit_rows = [{"ref": u["ref"], "name": _name(u, lang), "status": u["status"],
                  "status_label": label("status", u["status"], lang),
                  "href": f"{root}/units/{u['ref']}/page?lang={lang}"} for u in units]
    request_rows = [{
        "id": r["id"], "number": format_number(r["id"], lang),
        "purpose": t(f"inv.purpose.{r['purpose']}", lang),
        "area": f"{format_number(r['area_min_m2'], lang)} – "
                f"{format_number(r['area_max_m2'], lang)}",
        "status": r["status"], "status_label": label("dash.request", r["status"], lang),
        "submitted": format_date(r["created_at"], lang), "plot": _plot_text(r, lang)}
        for r in requests]
    return _environment().get_template("investor_home.html").render(
        **_common(lang, static_prefix, t("inv.home_title", lang), root=root),
        switch_href=_investor_query(investor["ref"] if staff_view else None, other_lang(lang)),
        investor={"ref": investor["ref"], "name": _name(investor, lang)},
        units=unit_rows, requests=request_rows, new_href=f"{root}/my/requests/new{query}")


def _leaflet(static_prefix: str, rtl: bool) -> tuple[str, str]:
    """URLs of Leaflet's script and stylesheet, the files the folium maps link (no CDN)."""
    js = next(a for a in MAP_JS if a.name == "leaflet")
    css = next(a for a in map_css_assets(rtl=rtl) if a.name == "leaflet_css")
    return js.url(static_prefix), css.url(static_prefix)


def render_request_form(investor: dict[str, Any], *, units: list[dict[str, Any]],
                        districts: list[dict[str, Any]], lang: str = "fa",
                        static_prefix: str = "/static", staff_view: bool = False,
                        basemap_url: str | None = None, basemap_attribution: str = "",
                        root: str = "") -> str:
    """The allocation-request form: a map of vacant plots to pick from, and the needs.

    ``units``: the investor's own units (ref, name_fa, name_en) for an expansion;
    ``districts``: code, name_fa, name_en. With ``staff_view`` the script files the
    request on the investor's behalf (``investor_ref``) and returns to its page.
    """
    check_lang(lang)
    rtl = direction(lang) == "rtl"
    leaflet_js, leaflet_css = _leaflet(static_prefix, rtl)
    query = _investor_query(investor["ref"] if staff_view else None, lang)
    script = {
        "lang": lang, "rtl": rtl, "locale": "fa-IR" if lang == "fa" else "en-GB",
        "plotsUrl": f"{root}/plots", "submitUrl": f"{root}/requests",
        "doneUrl": f"{root}/my{query}", "statuses": list(VACANT_STATUSES),
        "landUses": list(REQUEST_LAND_USES),
        "investorRef": investor["ref"] if staff_view else None,
        "basemap": basemap_url, "attribution": basemap_attribution,
        "text": {k: t(f"inv.{k}", lang) for k in FORM_TEXT},
        "districts": [{"code": d["code"], "name": _name(d, lang) or d["code"]}
                      for d in districts]}
    return _environment().get_template("request_form.html").render(
        **_common(lang, static_prefix, t("inv.form_title", lang), extra_css=(leaflet_css,),
                  root=root),
        switch_href=_investor_query(investor["ref"] if staff_view else None, other_lang(lang)),
        investor={"ref": investor["ref"], "name": _name(investor, lang)},
        units=[{"ref": u["ref"], "name": _name(u, lang)} for u in units],
        districts=[{"code": d["code"], "name": _name(d, lang) or d["code"]} for d in districts],
        purposes=[(p.value, t(f"inv.purpose.{p.value}", lang)) for p in RequestPurpose],
        expansion_kinds=[(k.value, t(f"inv.expansion_kind.{k.value}", lang))
                         for k in ExpansionKind],
        env_groups=[(g.value, ENV_GROUP_FA[g.value] if lang == "fa" else g.value)
                    for g in EnvGroup],
        back_href=f"{root}/my{query}", script=script, leaflet_js=leaflet_js,
        common_js=f"{mount_url('maps', static_prefix)}/zones-page.js",
        page_js=f"{mount_url('maps', static_prefix)}/request-form.js")
