"""Plots from the API's vector tiles, the plot search box and the measuring tool.

A district of 10,000 plots inlined as GeoJSON is a 6 MB page that Leaflet turns into
10,000 SVG paths; served as Mapbox Vector Tiles (``/tiles/{z}/{x}/{y}``) and drawn on
one canvas per tile by Leaflet.VectorGrid, the page stays small and panning smooth.
Zones with few plots keep them inline (:data:`zones.settings.Settings.map_tile_threshold`).

The browser side lives in ``maps/static/zones-map.js``; this module passes it a config
built from the message catalogue and the style tables, so labels and colours are
written once, in Python. Popups on tiles are built in the browser from the tile's
properties, escaping every value (the tile carries raw codes).
"""

from __future__ import annotations

from typing import Any

import folium
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from folium.plugins import MeasureControl, VectorGridProtobuf
from folium.template import Template
from markupsafe import Markup

from maps.layers import ZoneLayers
from maps.messages import MESSAGES, check_lang, direction, t
from maps.overlays import layer_name
from maps.popups import name_of
from maps.styles import PLOT_STATUS_COLOURS, UNKNOWN_COLOUR
from zones.settings import Settings

_ZONES_MAP_JS = ("zones_map_js", "/static/maps/zones-map.js")  # localized by use_local_assets

MIN_ZOOM: int = Settings.model_fields["tile_plot_min_zoom"].default
"""Where plots start by default (``ZONES_TILE_PLOT_MIN_ZOOM``): farther out the service's
tiles carry the district overview instead, each district coloured by its most common plot
status (at zoom 13 a 60 m plot is 4 px and a tile holds a whole district of 5,000 plots:
bench/tiles.py, docs/benchmarks.md). The page draws whatever the tiles carry, so it needs
no zoom of its own."""


MAX_NATIVE_ZOOM = 18
"""Closer than this, tiles of zoom 18 are scaled up instead of fetched: no more detail."""

SEARCH_ZOOM = 18
"""Closest zoom when the search zooms to a plot."""


def client_config(lang: str, *, api_root: str = "", layers: ZoneLayers | None = None,
                  ) -> dict[str, Any]:
    """What ``zones-map.js`` needs: language, labels, colours, API root and districts.

    ``api_root`` is the service's path prefix behind a proxy (``""`` at the site root).
    District labels are ``"D1 — name"`` in the page language; they are set as text,
    never as HTML, in the browser.
    """
    check_lang(lang)
    rtl = direction(lang) == "rtl"
    districts = []
    if layers is not None and not layers.districts.empty:
        for row in layers.districts.sort_values("code").to_dict("records"):
            name = name_of(row, lang)
            districts.append({"code": str(row["code"]),
                              "label": f"{row['code']} — {name}" if name else str(row["code"])})
    return {
        "lang": lang,
        "dir": direction(lang),
        "apiRoot": api_root.rstrip("/"),
        "messages": {key: text[lang] for key, text in MESSAGES.items()
                     if key.startswith(_SCRIPT_MESSAGES)},
        "colours": PLOT_STATUS_COLOURS,
        "unknownColour": UNKNOWN_COLOUR,
        "maxNativeZoom": MAX_NATIVE_ZOOM,
        "searchZoom": SEARCH_ZOOM,
        # Opposite the zoom buttons, under the layer control.
        "position": "topleft" if rtl else "topright",
        "districts": districts,
    }


# The catalogue entries the map script shows (popups, labels, search), not every page's.
_SCRIPT_MESSAGES = ("status.", "land_use.", "field.", "search.", "unit.m2", "popup.details",
                    "overview.")


class PlotTiles(VectorGridProtobuf):
    """The plots layer of ``/tiles/{z}/{x}/{y}``, styled by status, with click popups.

    folium's own class links Leaflet.VectorGrid from unpkg (``@latest``, too); ours
    keeps its link name (``vectorGrid``) so :func:`maps.zone_map.use_local_assets`
    swaps in the copy from ``node_modules``, and adds our script.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) -%}
        var {{ this.get_name() }} = zonesMap.plotTiles({{ this.url|tojson }},
            {{ this.config|tojson }});
        {%- endmacro %}
        """
    )
    def __init__(self, url: str, *, name: str, config: dict[str, Any]) -> None:
        super().__init__(url, name=name, overlay=True, control=True, show=True)
        self._name = "PlotTiles"
        self.default_js = [*VectorGridProtobuf.default_js, _ZONES_MAP_JS]
        self.config = config


class PlotSearch(JSCSSMixin, MacroElement):
    """A search form (district, code) that zooms to the plot and opens its popup."""

    _template = Template(
        """
        {% macro script(this, kwargs) -%}
        zonesMap.searchControl({{ this._parent.get_name() }}, {{ this.config|tojson }});
        {%- endmacro %}
        """
    )
    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__()
        self._name = "PlotSearch"
        self.default_js = [_ZONES_MAP_JS]
        self.config = config


def tile_url(api_root: str = "") -> str:
    """The vector tile URL template Leaflet fills in."""
    return f"{api_root.rstrip('/')}/tiles/{{z}}/{{x}}/{{y}}"


def add_plot_tiles(m: folium.Map, lang: str, *, api_root: str = "") -> PlotTiles:
    """Plots as vector tiles, one layer in the layer control."""
    layer = PlotTiles(tile_url(api_root), name=layer_name(t("layer.plots", lang)),
                      config=client_config(lang, api_root=api_root))
    layer.add_to(m)
    return layer


def overview_legend(lang: str) -> Markup:
    """The legend's note on the overview of a tiled map (escaped like the rest)."""
    check_lang(lang)
    return Markup('<p class="zones-legend-note" dir="{}">{}</p>').format(
        direction(lang), t("overview.legend", lang))


def add_search(m: folium.Map, lang: str, layers: ZoneLayers, *, api_root: str = "") -> None:
    """The plot search box (needs districts to search in; none, no box)."""
    config = client_config(lang, api_root=api_root, layers=layers)
    if config["districts"]:
        PlotSearch(config).add_to(m)


class Measure(MeasureControl):
    """folium's MeasureControl, its template minus a comment linking GitHub.

    Pages carry no outside URL at all (tests check the HTML for any). The fix it keeps
    is leaflet-measure issue 171: with Leaflet >= 1.8 the capture marker must not pan.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = new L.Control.Measure(
                {{ this.options|tojavascript }});
            {{ this._parent.get_name() }}.addControl({{ this.get_name() }});
            L.Control.Measure.include({
                _setCaptureMarkerIcon: function () {
                    this._captureMarker.options.autoPanOnFocus = false;
                    this._captureMarker.setIcon(
                        L.divIcon({iconSize: this._map.getSize().multiplyBy(2)}));
                },
            });
        {% endmacro %}
        """
    )


def add_measure(m: folium.Map, lang: str) -> None:
    """leaflet-measure: distances in metres and kilometres, areas in m² and hectares.

    Its labels come from the build for ``lang`` (see :func:`maps.assets.plugin_js`).
    """
    Measure(position="topright" if direction(lang) == "rtl" else "topleft",
                   primary_length_unit="meters", secondary_length_unit="kilometers",
                   primary_area_unit="sqmeters", secondary_area_unit="hectares",
                   active_color="#d500f9", completed_color="#6a1b9a").add_to(m)
