"""Query parameters shared by several routers, parsed and checked in one place."""

from __future__ import annotations

from zones import errors
from zones.text import normalize


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """``minLon,minLat,maxLon,maxLat`` in EPSG:4326 (= CRS84 order), checked.

    Persian and Arabic-Indic digits are accepted; anything else names what it got.
    """
    parts = (normalize(text) or "").split(",")
    try:
        minx, miny, maxx, maxy = (float(p) for p in parts)
    except ValueError:
        raise errors.InvalidBBox("bbox must be four numbers: minLon,minLat,maxLon,maxLat",
                                 got=text) from None
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise errors.InvalidBBox("bbox must be lon/lat degrees with min <= max", got=text)
    return minx, miny, maxx, maxy
