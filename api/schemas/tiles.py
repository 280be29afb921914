"""Vector tiles: the TileJSON document describing ``/tiles/{z}/{x}/{y}``."""

from __future__ import annotations

from pydantic import BaseModel, Field

from zones import tiles as vector_tiles


class VectorLayer(BaseModel):
    """One layer of the tiles and the zooms whose tiles carry it."""

    id: str
    minzoom: int
    maxzoom: int
    fields: dict[str, str]


class TileJSON(BaseModel):
    """TileJSON 3.0.0 of ``/tiles/{z}/{x}/{y}``."""

    tilejson: str = "3.0.0"
    name: str = "zones"
    tiles: list[str] = Field(description="The tile URL template, from the site root")
    scheme: str = "xyz"
    minzoom: int = 0
    maxzoom: int = vector_tiles.MAX_ZOOM
    vector_layers: list[VectorLayer]
