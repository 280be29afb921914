"""Coordinate reference systems: storage is EPSG:4326, measurement is the zone's metric CRS."""

from __future__ import annotations

from pyproj import CRS

STORAGE_CRS = CRS.from_epsg(4326)
# Anzali lies ~1.5° west of UTM 39N's central meridian (51° E): areal scale 0.99966.
ANZALI_METRIC_SRID = 32639


def utm_srid_for(lon: float, lat: float) -> int:
    """EPSG code of the WGS 84 / UTM zone containing ``(lon, lat)``.

    >>> utm_srid_for(49.46, 37.47)
    32639
    """
    if not (-180 <= lon <= 180 and -80 <= lat <= 84):
        raise ValueError(f"({lon}, {lat}) is outside the UTM domain")
    zone = min(int((lon + 180) // 6) + 1, 60)
    return (32600 if lat >= 0 else 32700) + zone


def metric_crs(srid: int) -> CRS:
    """The projected CRS for ``srid``, refusing geographic ones (areas in degrees are wrong)."""
    crs = CRS.from_epsg(srid)
    if not crs.is_projected:
        raise ValueError(f"EPSG:{srid} is not a projected CRS; areas need metres")
    return crs
