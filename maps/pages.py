"""Full HTML pages around the map: header, language switch, the map filling the rest.

The folium map is rendered once and split into its three parts (head links and
styles, the map ``<div>``, the script), which go straight into our Jinja2 template:
one document, no iframe, so the page's ``lang``/``dir`` and fonts reach the map.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import folium
import jinja2
from markupsafe import Markup

from maps.assets import page_css
from maps.layers import ZoneLayers
from maps.messages import check_lang, direction, other_lang, t
from maps.popups import name_of
from maps.zone_map import build_zone_map
from zones.text import persian_digits


@dataclass(frozen=True)
class MapParts:
    """A rendered folium map, cut where our page template needs it."""

    header: Markup
    html: Markup
    script: Markup


def render_zone_page(
    layers: ZoneLayers,
    *,
    lang: str = "fa",
    static_prefix: str = "/static",
    basemap_url: str | None = None,
    basemap_attribution: str = "",
    plot_tiles: bool = False,
    api_root: str = "",
) -> str:
    """The zone map page as an HTML document.

    Persian (default) pages are ``<html lang="fa" dir="rtl">`` with the Vazirmatn
    font; English pages ``lang="en" dir="ltr"``. The header shows the zone's name
    in the page language (the other language's name if that one is blank) and a
    link to the same page in the other language (``?lang=en`` / ``?lang=fa``; the
    query replaces the current one). Every asset URL starts with ``static_prefix``.
    ``plot_tiles`` and ``api_root``: see :func:`maps.zone_map.build_zone_map`.
    """
    check_lang(lang)
    m = build_zone_map(
        layers,
        lang=lang,
        static_prefix=static_prefix,
        basemap_url=basemap_url,
        basemap_attribution=basemap_attribution,
        plot_tiles=plot_tiles,
        api_root=api_root,
    )
    parts = render_map_parts(m)
    zone_name = _zone_name(layers, lang)
    switch_to = other_lang(lang)
    return _template().render(
        lang=lang,
        dir=direction(lang),
        title=f"{zone_name} — {t('page.map', lang)}",
        zone_name=zone_name,
        switch_lang=switch_to,
        switch_label=t("page.switch_language", lang),
        switch_title=t("page.switch_language_title", lang),
        page_css=page_css(static_prefix, rtl=direction(lang) == "rtl"),
        map=parts,
    )


def render_map_parts(m: folium.Map) -> MapParts:
    """Render ``m`` and return its head, body and script parts.

    Rendering the whole figure first is what makes folium's elements register
    their links and styles in the figure header; the parts are read after that.
    """
    root = m.get_root()
    assert isinstance(root, folium.Figure)  # a map's root is its figure
    root.render()
    # Trusted: folium's own output. Feature text inside was escaped by maps.popups.
    return MapParts(
        header=Markup(root.header.render()),  # noqa: S704
        html=Markup(root.html.render()),  # noqa: S704
        script=Markup(root.script.render()),  # noqa: S704
    )


def _zone_name(layers: ZoneLayers, lang: str) -> str:
    zone = layers.zone
    if not zone.empty:
        name = name_of(zone.iloc[0].to_dict(), lang)
        if name:
            return name
    return t("page.zone_fallback", lang)


def render_login_page(*, lang: str = "fa", csrf: str, next_url: str = "/",
                      failed: bool = False, static_prefix: str = "/static",
                      throttled_minutes: int | None = None) -> str:
    """The sign-in form; ``csrf`` is the login form's double-submit value.

    ``throttled_minutes``: sign-ins are refused for that long (too many failures).
    """
    check_lang(lang)
    throttled = None
    if throttled_minutes is not None:
        minutes = persian_digits(throttled_minutes) if lang == "fa" else throttled_minutes
        throttled = t("login.throttled", lang).format(minutes=minutes)
    return _environment().get_template("login.html").render(
        lang=lang, dir=direction(lang), title=t("login.title", lang), csrf=csrf,
        next_url=next_url, failed=failed, failed_text=t("login.failed", lang),
        throttled_text=throttled,
        username_label=t("login.username", lang), password_label=t("login.password", lang),
        submit_label=t("login.submit", lang), switch_lang=other_lang(lang),
        switch_label=t("page.switch_language", lang),
        page_css=page_css(static_prefix, rtl=direction(lang) == "rtl"))


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("maps", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@cache
def _template() -> jinja2.Template:
    # Built on first use, not at import. Autoescape is on: the zone name is user data.
    # The map parts are folium's own HTML and JS (Markup); user text inside them was
    # escaped by maps.popups and then JSON-encoded by folium.
    return _environment().get_template("zone_page.html")
