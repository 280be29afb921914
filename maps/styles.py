"""How each layer looks: Leaflet path options by status and network.

Leaflet's path options (``color``, ``weight``, ``dashArray``, ``fillColor``, ...) are
written as Leaflet spells them because they go to the browser unchanged.
"""

from __future__ import annotations

from typing import Any

Style = dict[str, Any]

PLOT_STATUS_COLOURS: dict[str, str] = {
    "planned": "#c6dbef",
    "serviced": "#6baed6",
    "reserved": "#9e9ac8",
    "allocated": "#fdae6b",
    "under_construction": "#fee08b",
    "operating": "#1a9850",
    "idle": "#d73027",
    "revoked": "#525252",
}
"""Fill colour of a plot by status, in the plot life-cycle order the legend uses.

Light to dark along the supply pipeline (planned → serviced), warm for taken land
not yet producing, green for operating, red for idle plots (the ones the revival
programme chases), grey for revoked contracts.
"""

UNIT_STATUS_COLOURS: dict[str, str] = {
    "applied": "#c6dbef",
    "allocated": "#fdae6b",
    "under_construction": "#fee08b",
    "operating": "#1a9850",
    "partially_active": "#a6d96a",
    "dormant": "#d73027",
    "terminated": "#525252",
}
"""Marker colour of a production unit by status: the plot colours where the meanings meet
(green producing, red dormant), so the two layers read alike."""

UNKNOWN_COLOUR = "#bdbdbd"
"""Plots with a status this map does not know: visible, but clearly not a legend colour."""

NETWORK_COLOURS: dict[str, str] = {
    "road": "#636363",
    "rail": "#252525",
    "power": "#e6a100",
    "water": "#1f78b4",
    "sewer": "#8c510a",
    "gas": "#e31a1c",
    "stormwater": "#35978f",
    "telecom": "#6a3d9a",
    "fire": "#d7301f",
}

INFRA_DASH: dict[str, str | None] = {
    "planned": "8 6",
    "under_construction": "2 6",
    "complete": None,
}
"""SVG dash pattern by infrastructure status: planned dashed, under construction dotted,
complete solid. Unknown statuses draw solid."""

BUFFER_DASH = "6 6"

AREA_CLASS = "zones-area"
"""SVG class of the large areas under the plots (zone, districts, expansion areas): on maps
whose plots are vector tiles below the SVG layers, CSS lets clicks through these areas to
the plots (``zones-map.css``)."""

ZONE_STYLE: Style = {"color": "#08306b", "weight": 3, "fill": False, "className": AREA_CLASS}
DISTRICT_STYLE: Style = {
    "className": AREA_CLASS,
    "color": "#2171b5",
    "weight": 2,
    "fillColor": "#deebf7",
    "fillOpacity": 0.25,
}
EXPANSION_STYLE: Style = {
    "className": AREA_CLASS,
    "color": "#6a51a3",
    "weight": 2,
    "dashArray": "10 5",
    "fillColor": "#dadaeb",
    "fillOpacity": 0.25,
}
PROTECTED_STYLE: Style = {
    "color": "#238b45",
    "weight": 1,
    "fillColor": "#74c476",
    "fillOpacity": 0.35,
}
SEA_STYLE: Style = {"color": "#6baed6", "weight": 1, "fillColor": "#c6dbef", "fillOpacity": 0.5}


def protected_style(kind: object) -> Style:
    """Water reads as water: the sea is blue, protected land green."""
    return SEA_STYLE if str(kind) == "sea" else PROTECTED_STYLE


BUFFER_STYLE: Style = {"color": "#238b45", "weight": 2, "dashArray": BUFFER_DASH, "fill": False}
CUSTOMS_AREA_STYLE: Style = {"color": "#0c2c84", "weight": 2, "fillOpacity": 0.1}

CUSTOMS_MARKER_COLOURS: dict[str, str] = {
    "candidate": "cadetblue",
    "chosen": "green",
    "rejected": "gray",
}
"""awesome-markers colour names (a fixed palette of sprite images) by customs-site status."""


def unit_style(status: object) -> Style:
    colour = UNIT_STATUS_COLOURS.get(str(status), UNKNOWN_COLOUR)
    return {"color": "#252525", "weight": 1, "fillColor": colour, "fillOpacity": 0.95}


def plot_style(status: object) -> Style:
    """Fill by status colour, with a thin darker outline so adjacent plots stay apart."""
    colour = PLOT_STATUS_COLOURS.get(str(status), UNKNOWN_COLOUR)
    return {"color": "#404040", "weight": 1, "fillColor": colour, "fillOpacity": 0.75}


def infrastructure_style(network: object, status: object) -> Style:
    """Colour by network, dash by status; polygons (plants, stations) get a light fill."""
    colour = NETWORK_COLOURS.get(str(network), "#737373")
    style: Style = {"color": colour, "weight": 3, "fillColor": colour, "fillOpacity": 0.3}
    dash = INFRA_DASH.get(str(status))
    if dash:
        style["dashArray"] = dash
    if str(status) == "under_construction":
        style["opacity"] = 0.8
    return style
