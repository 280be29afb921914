"""The map's overlay layers, one function per layer, each adding a FeatureGroup.

Every feature reaches the browser as GeoJSON whose properties are only
``tooltip`` and ``popup`` (HTML built and escaped by :mod:`maps.popups`) and
``style`` (Leaflet path options from :mod:`maps.styles`). Raw names and codes
are never sent, so no client-side template can put them into the page unescaped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import folium
import geopandas as gpd
from folium.utilities import JsCode
from markupsafe import Markup, escape

from maps import popups
from maps.buffers import metric_buffers
from maps.layers import ZoneLayers
from maps.messages import label, t
from maps.styles import (
    BUFFER_STYLE,
    CUSTOMS_AREA_STYLE,
    CUSTOMS_MARKER_COLOURS,
    DISTRICT_STYLE,
    EXPANSION_STYLE,
    NETWORK_COLOURS,
    ZONE_STYLE,
    Style,
    infrastructure_style,
    plot_style,
    protected_style,
    unit_style,
)

TextFn = Callable[[popups.Row, str], tuple[Markup, Markup]]
StyleFn = Callable[[popups.Row], Style]

# Leaflet's bindTooltip/bindPopup take HTML strings; ours are escaped in Python.
_BIND_TEXT = JsCode(
    """
    function (feature, layer) {
        var p = feature.properties;
        if (p.tooltip) { layer.bindTooltip(p.tooltip, {sticky: true}); }
        if (p.popup) { layer.bindPopup(p.popup, {maxWidth: 360}); }
    }
    """
)


def feature_collection(
    frame: gpd.GeoDataFrame, text: TextFn, style: StyleFn, lang: str
) -> dict[str, Any]:
    """GeoJSON FeatureCollection of ``frame`` with only tooltip, popup and style properties."""
    records = frame.drop(columns=frame.geometry.name).to_dict("records")
    texts = [text(record, lang) for record in records]
    properties = gpd.GeoDataFrame(
        {
            "tooltip": [str(tip) for tip, _ in texts],
            "popup": [str(pop) for _, pop in texts],
            "style": [style(record) for record in records],
        },
        geometry=frame.geometry.to_numpy(),
        crs=frame.crs,
    )
    return properties.to_geo_dict(drop_id=True)


def geojson(
    frame: gpd.GeoDataFrame,
    text: TextFn,
    style: StyleFn,
    lang: str,
    *,
    marker: folium.Marker | folium.CircleMarker | None = None,
) -> folium.GeoJson:
    """A GeoJson layer styled from each feature's ``style`` and bound to its texts.

    ``marker`` draws Point features (Leaflet's default pin otherwise); lines and
    polygons in the same frame are drawn as paths.
    """
    return folium.GeoJson(
        feature_collection(frame, text, style, lang),
        on_each_feature=_BIND_TEXT,
        marker=marker,
        control=False,
    )


def layer_name(text: str) -> str:
    """A LayerControl label. Leaflet inserts labels as HTML, so escape them."""
    return str(escape(text))


def _group(name: str) -> folium.FeatureGroup:
    return folium.FeatureGroup(name=layer_name(name), overlay=True)


def _fixed(style: Style) -> StyleFn:
    return lambda _row: style


def add_protected_areas(m: folium.Map, layers: ZoneLayers, lang: str) -> None:
    """Protected areas (filled) and, as a separate layer, their buffers (dashed outline).

    Buffers are computed in metres in the metric CRS (:func:`maps.buffers.metric_buffers`).
    """
    areas = layers.drawable("protected_areas")
    if areas.empty:
        return
    group = _group(t("layer.protected_areas", lang))
    geojson(
        areas,
        popups.protected_text,
        lambda row: protected_style(row.get("kind")),
        lang,
        marker=folium.CircleMarker(radius=6),
    ).add_to(group)
    group.add_to(m)
    buffers = metric_buffers(areas)
    if not buffers.empty:
        ring = _group(t("layer.protected_buffers", lang))
        geojson(buffers, popups.protected_text, _fixed(BUFFER_STYLE), lang).add_to(ring)
        ring.add_to(m)


def add_zone(m: folium.Map, layers: ZoneLayers, lang: str) -> None:
    """The zone boundary: a thick outline with no fill, so it never hides what is inside."""
    _add_simple(m, layers.drawable("zone"), "layer.zone", popups.zone_text, ZONE_STYLE, lang)


def add_districts(m: folium.Map, layers: ZoneLayers, lang: str) -> None:
    """Districts (industrial estates) with a light fill."""
    frame = layers.drawable("districts")
    _add_simple(m, frame, "layer.districts", popups.district_text, DISTRICT_STYLE, lang)


def add_expansion_areas(m: folium.Map, layers: ZoneLayers, lang: str) -> None:
    """Approved expansion areas, dashed to read as "not built yet"."""
    frame = layers.drawable("expansion_areas")
    _add_simple(m, frame, "layer.expansion_areas", popups.expansion_text, EXPANSION_STYLE, lang)


def add_plots(m: folium.Map, layers: ZoneLayers, lang: str) -> None:
    """Plots filled by status colour (see the legend)."""
    plots = layers.drawable("plots")
    if plots.empty:
        return
    group = _group(t("layer.plots", lang))
    geojson(plots, popups.plot_text, lambda row: plot_style(row.get("status")), lang).add_to(group)
    group.add_to(m)


def add_infrastructure(m: folium.Map, layers: ZoneLayers, lang: str) -> None:
    """One layer per network (roads, power, water, ...), dashed by status.

    Networks are ordered as in :data:`maps.styles.NETWORK_COLOURS`, unknown ones after.
    """
    frame = layers.drawable("infrastructure")
    if frame.empty:
        return
    networks = frame["network"].astype("string").fillna("")
    known = [network for network in NETWORK_COLOURS if network in set(networks)]
    others = sorted(set(networks) - set(known))
    for network in known + others:
        rows = frame[networks == network]
        name = f"{t('layer.infrastructure', lang)}: {label('network', network, lang) or '—'}"
        group = _group(name)
        geojson(
            rows,
            popups.infrastructure_text,
            lambda row: infrastructure_style(row.get("network"), row.get("status")),
            lang,
            marker=folium.CircleMarker(radius=6),
        ).add_to(group)
        group.add_to(m)


def add_customs_sites(m: folium.Map, layers: ZoneLayers, lang: str) -> None:
    """Customs candidate sites: a Font Awesome marker coloured by status at each point;
    site polygons, when given, are outlined."""
    frame = layers.drawable("customs_sites")
    if frame.empty:
        return
    group = _group(t("layer.customs_sites", lang))
    statuses = frame["status"].astype("string").fillna("")
    for status in sorted(set(statuses)):
        colour = CUSTOMS_MARKER_COLOURS.get(status, "blue")
        icon = folium.Icon(color=colour, icon="warehouse", prefix="fa")
        geojson(
            frame[statuses == status],
            popups.customs_text,
            _fixed(CUSTOMS_AREA_STYLE),
            lang,
            marker=folium.Marker(icon=icon),
        ).add_to(group)
    group.add_to(m)


def add_units(m: folium.Map, layers: ZoneLayers, lang: str) -> None:
    """Production units as round markers on their plot, coloured by status (dormant red)."""
    frame = layers.drawable("units")
    if frame.empty:
        return
    group = _group(t("layer.units", lang))
    geojson(frame, popups.unit_text, lambda row: unit_style(row.get("status")), lang,
            marker=folium.CircleMarker(radius=5, class_name="zones-unit")).add_to(group)
    group.add_to(m)


def _add_simple(
    m: folium.Map, frame: gpd.GeoDataFrame, name_key: str, text: TextFn, style: Style, lang: str
) -> None:
    if frame.empty:
        return
    group = _group(t(name_key, lang))
    geojson(frame, text, _fixed(style), lang).add_to(group)
    group.add_to(m)
