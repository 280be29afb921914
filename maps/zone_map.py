"""The zone map, built as a pipeline: base map with local assets → layers → legend and controls.

Each step is a small function, so a page that needs a different map (one district,
one workflow) can reuse the steps, and each can be tested by rendering.
"""

from __future__ import annotations

import folium
from branca.element import Element, MacroElement
from folium.elements import JSCSSMixin
from folium.map import Layer
from folium.template import Template

from maps import overlays
from maps import plot_tiles as plot_tiles_module
from maps.assets import local_css, local_js, plugin_css, plugin_js
from maps.layers import ZoneLayers
from maps.legend import Legend, legend_html
from maps.messages import check_lang, direction, t

ANZALI_CENTRE = (37.4726, 49.4593)
"""Bandar-e Anzali (GeoNames), where a map with no data at all is centred."""

MAX_FIT_ZOOM = 17
"""Closest zoom when fitting bounds, so a zone of one point does not zoom to the max."""


def build_zone_map(
    layers: ZoneLayers,
    *,
    lang: str = "fa",
    static_prefix: str = "/static",
    basemap_url: str | None = None,
    basemap_attribution: str = "",
    plot_tiles: bool = False,
    api_root: str = "",
) -> folium.Map:
    """The interactive map of one zone, loading nothing from outside our service.

    Layers, bottom to top: protected areas and their buffers, zone boundary,
    districts, expansion areas, plots (coloured by status), infrastructure (one
    layer per network), customs candidate sites. Then a legend, a layer control
    and a scale bar, with the map fitted to the zone.

    ``lang`` is ``"fa"`` (default; right-to-left, Persian digits) or ``"en"``.
    ``static_prefix`` is where the API mounts the assets (see :mod:`maps.assets`).
    With ``basemap_url=None`` the map has no tile layer at all and works offline;
    otherwise pass an XYZ URL (``.../{z}/{x}/{y}.png``) of a tile server our users
    can reach, which then also appears in the page. Empty layers are left out;
    with no data at all the map is centred on Bandar-e Anzali.

    With ``plot_tiles`` the plots come from the API's vector tiles
    (``{api_root}/tiles/{z}/{x}/{y}``, see :mod:`maps.plot_tiles`) instead of
    ``layers.plots``, which may then be empty. Either way the map has a plot search
    box (``{api_root}/plots/{district}/{code}``) and a measuring tool.
    """
    check_lang(lang)
    m = base_map(
        lang=lang,
        static_prefix=static_prefix,
        basemap_url=basemap_url,
        basemap_attribution=basemap_attribution,
    )

    def add_tiled_plots(m: folium.Map, _layers: ZoneLayers, lang: str) -> None:
        plot_tiles_module.add_plot_tiles(m, lang, api_root=api_root)

    for add in (
        overlays.add_protected_areas,
        overlays.add_zone,
        overlays.add_districts,
        overlays.add_expansion_areas,
        add_tiled_plots if plot_tiles else overlays.add_plots,
        overlays.add_infrastructure,
        overlays.add_customs_sites,
        overlays.add_units,
    ):
        add(m, layers, lang)
    add_controls(m, lang=lang, tiled=plot_tiles)
    plot_tiles_module.add_search(m, lang, layers, api_root=api_root)
    plot_tiles_module.add_measure(m, lang)
    fit_to_layers(m, layers)
    use_local_assets(m, static_prefix=static_prefix, rtl=direction(lang) == "rtl")
    return m


def base_map(
    *,
    lang: str,
    static_prefix: str = "/static",
    basemap_url: str | None = None,
    basemap_attribution: str = "",
) -> folium.Map:
    """An empty map filling its container, with local assets and controls placed for ``lang``.

    On right-to-left pages the zoom control moves to the top right, where a Persian
    reader starts. Leaflet's attribution control appears only with a basemap:
    without one there is nothing to credit and no link to leak.
    """
    rtl = direction(lang) == "rtl"
    m = folium.Map(
        location=ANZALI_CENTRE,
        zoom_start=12,
        tiles=None,
        control_scale=True,
        zoom_control="topright" if rtl else "topleft",
        position="absolute",
        attribution_control=basemap_url is not None,
    )
    if basemap_url is not None:
        # The attribution is operator configuration, not user data: Leaflet shows it as HTML.
        folium.TileLayer(
            tiles=basemap_url,
            attr=basemap_attribution or t("map.basemap", lang),
            name=t("map.basemap", lang),
            max_zoom=19,
        ).add_to(m)
        _NoAttributionPrefix().add_to(m)
    use_local_assets(m, static_prefix=static_prefix, rtl=rtl)
    return m


class _NoAttributionPrefix(MacroElement):
    """Drop Leaflet's "Leaflet" prefix link: our users' network cannot follow it anyway."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.attributionControl.setPrefix(false);
        {% endmacro %}
        """
    )


def add_controls(m: folium.Map, *, lang: str, tiled: bool = False) -> None:
    """Legend (bottom right) and layer control (top, opposite the zoom buttons).

    The layer control is left out when no layer was drawn: an empty box helps no one.
    The legend stays, so the colours read the same on every map; with ``tiled`` plots it
    says how the zoomed-out district overview uses them.
    """
    body = legend_html(lang)
    if tiled:
        body += plot_tiles_module.overview_legend(lang)
    Legend(body, position="bottomright").add_to(m)
    if any(isinstance(child, Layer) and child.control for child in m._children.values()):
        position = "topleft" if direction(lang) == "rtl" else "topright"
        # Collapsed: open, the list of ~15 layers would cover a district at the map's edge.
        folium.LayerControl(position=position, collapsed=True).add_to(m)


def fit_to_layers(m: folium.Map, layers: ZoneLayers) -> None:
    """Fit the view to the districts people work on (the zone when there are none).

    The free zone spans ~70 km of coast; fitted to it, a 50 ha estate is a few pixels.
    """
    bounds = layers.bounds(focus=True)
    if bounds is None:
        return
    min_lon, min_lat, max_lon, max_lat = bounds
    # Side padding keeps the legend and the layer control (left and right, by language)
    # off the districts.
    m.fit_bounds([[min_lat, min_lon], [max_lat, max_lon]], padding=(170, 24),
                 max_zoom=MAX_FIT_ZOOM)


def use_local_assets(m: folium.Map, *, static_prefix: str = "/static", rtl: bool = False) -> None:
    """Point the map and every element on it at our own copies of their scripts and styles.

    folium's classes link CDNs in their class-level ``default_js``/``default_css``;
    we set instance lists instead (never mutating the class lists, which every map
    in the process shares). An element that needs a file we do not vendor raises
    ``ValueError`` here, at build time, instead of silently loading it from the
    internet: vendor it (``package.json`` + :data:`maps.assets.VENDOR`) first.
    """
    js = dict(local_js(static_prefix))
    css = dict(local_css(static_prefix, rtl=rtl))
    # Plugin links: only elements that ask for them by name (vectorGrid, ...) get them.
    js |= {asset.name: asset.url(static_prefix) for asset in plugin_js("fa" if rtl else "en")}
    css |= {asset.name: asset.url(static_prefix) for asset in plugin_css()}
    for element in _walk(m):
        if isinstance(element, JSCSSMixin):
            element.default_js = _localize(js, element.default_js, element)
            element.default_css = _localize(css, element.default_css, element)


# Bootstrap 3 glyphicons: no npm package of Bootstrap 5 has them, and our markers use
# Font Awesome (prefix "fa"), so the link is dropped rather than replaced.
_NOT_NEEDED = frozenset({"glyphicons_css"})


def _localize(
    local: dict[str, str], links: list[tuple[str, str]], element: Element
) -> list[tuple[str, str]]:
    out = []
    for name, url in links:
        if name in _NOT_NEEDED:
            continue
        if name in local:
            out.append((name, local[name]))
        elif url.startswith("/") and not url.startswith("//"):
            out.append((name, url))  # already served by us
        else:
            raise ValueError(
                f"{type(element).__name__} needs {name} from {url}, which is not served "
                "locally; add it to package.json and maps.assets"
            )
    return out


def _walk(element: Element):
    yield element
    for child in list(element._children.values()):
        yield from _walk(child)
