"""Parameters and body bases shared by several routers, parsed and checked in one place."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path
from pydantic import BaseModel, ConfigDict, field_validator

from zones import errors
from zones.text import normalize, refuse_control

# Row ids are 32-bit on PostgreSQL: a larger one would be a driver error (a 500), not a 404.
MAX_ID = 2**31 - 1
RowId = Annotated[int, Path(ge=1, le=MAX_ID, description="A record's integer id")]


class Input(BaseModel):
    """Base of JSON bodies: unknown fields and non-finite numbers refused, and no control
    character in any text (``zones.text.refuse_control``), so no stored value can break
    a later export or page.

    In a partial update, a field typed without ``None`` but defaulting to ``None`` may be
    left out, never sent as ``null``: its column is NOT NULL, and a null would be stored
    and break every later read of the record.
    """

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    @field_validator("*", mode="after")
    @classmethod
    def _no_control(cls, value: Any) -> Any:
        return refuse_control(value)


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
