"""Protection buffers (حریم) around wetlands, parks and shores, computed in metres."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from maps.layers import MAP_EPSG

METRIC_CRS = "EPSG:32639"
"""WGS 84 / UTM zone 39N (48–54° E): the zone's metric CRS, where 1 unit is 1 metre.

Anzali lies ~1.5° west of the central meridian (51° E); the scale error there is
about −0.03 %, far below what a 1 km buffer cares about. Buffering in EPSG:4326
would instead take ``buffer_m`` as degrees, and a degree of longitude here is
~88 km but a degree of latitude ~111 km, so even "converted" it draws an ellipse.
"""


def metric_buffers(
    areas: gpd.GeoDataFrame,
    *,
    distance_column: str = "buffer_m",
    metric_crs: str = METRIC_CRS,
) -> gpd.GeoDataFrame:
    """Return each area grown by its ``distance_column`` metres, in EPSG:4326.

    The buffer is computed in ``metric_crs`` and reprojected back, so a 1000 m
    buffer of a point is a disc of π·1000² m² (less than 0.2 % short: the circle is
    a 64-gon). The result covers the area itself; draw its outline to show where
    the protection ends. Other columns are kept.

    Rows with a missing, zero or negative distance, or no geometry, are dropped: they
    have no buffer to draw. An empty input gives an empty output.
    """
    if areas.empty:
        return areas.iloc[0:0].copy()
    distance = pd.to_numeric(areas[distance_column], errors="coerce")
    drawable = ~(areas.geometry.isna() | areas.geometry.is_empty)
    keep = distance.notna() & (distance > 0) & drawable
    selected = areas[keep]
    if selected.empty:
        return selected.copy()
    grown = selected.geometry.to_crs(metric_crs).buffer(distance[keep].to_numpy())
    return selected.set_geometry(grown.to_crs(MAP_EPSG))
