"""Mapbox Vector Tiles (WebMercatorQuad): plots and infrastructure, cached by ETag.

Plots are served from ``ZONES_TILE_PLOT_MIN_ZOOM`` on; farther out a tile is the district
overview (see :mod:`zones.tiles`). ``/tiles/tilejson.json`` declares both ranges.
"""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import APIRouter, Header, Request, Response
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from api.deps import SettingsDep
from api.schemas.tiles import TileJSON, VectorLayer
from zones import tiles as vector_tiles
from zones.settings import Settings

router = APIRouter(prefix="/tiles", tags=["tiles"])

MVT = "application/vnd.mapbox-vector-tile"
CACHE_CONTROL = "public, max-age=60"
_MAX_ZOOM = vector_tiles.MAX_ZOOM
_DEFAULT_MIN_ZOOM = Settings.model_fields["tile_plot_min_zoom"].default
_DEFAULT_CAP = Settings.model_fields["tile_max_features"].default


def _render(sessions: sessionmaker[Session], settings: Settings, z: int, x: int,
            y: int) -> bytes:
    with sessions() as session:
        return vector_tiles.render_tile(session, z, x, y,
                                        plot_min_zoom=settings.tile_plot_min_zoom,
                                        max_features=settings.tile_max_features)


def etag(data: bytes) -> str:
    """A strong validator: the tile's bytes hashed."""
    return f'"{hashlib.sha256(data).hexdigest()}"'


def matches(if_none_match: str | None, tag: str) -> bool:
    """``If-None-Match`` uses the weak comparison (RFC 9110 §13.1.2): ``W/`` is ignored."""
    if if_none_match is None:
        return False
    candidates = [c.strip().removeprefix("W/") for c in if_none_match.split(",")]
    return "*" in candidates or tag in candidates


@router.get("/tilejson.json", response_model=TileJSON,
            summary="TileJSON: the tile URL and the zoom range of each layer")
def get_tilejson(settings: SettingsDep) -> TileJSON:
    layers = vector_tiles.vector_layers(plot_min_zoom=settings.tile_plot_min_zoom)
    return TileJSON(tiles=[f"{settings.root_path.rstrip('/')}/tiles/{{z}}/{{x}}/{{y}}"],
                    vector_layers=[VectorLayer(**vars(layer)) for layer in layers])


@router.get("/{z}/{x}/{y}", response_class=Response,
            responses={200: {"content": {MVT: {"schema": {"type": "string", "format": "binary"}}},
                             "description": "The encoded tile"},
                        204: {"description": "No feature intersects the tile"},
                        304: {"description": "The tile still matches `If-None-Match`"}},
            summary="A Mapbox Vector Tile (EPSG:3857): plots from the plot zoom on, "
                    "the district overview below it",
            description=(
                f"Zoom {_DEFAULT_MIN_ZOOM}..{_MAX_ZOOM} (from `ZONES_TILE_PLOT_MIN_ZOOM`, "
                f"default {_DEFAULT_MIN_ZOOM}): layers `plots` and `infrastructure`, at most "
                f"`ZONES_TILE_MAX_FEATURES` (default {_DEFAULT_CAP}) features each, lowest "
                f"ids first. Zoom 0..{_DEFAULT_MIN_ZOOM - 1}: one layer `districts`, each "
                "district's outline with its current plots counted per status "
                "(`plots`, `held`, `main_status`, `plots_<status>`). The configured ranges "
                "are in `/tiles/tilejson.json`."))
async def get_tile(z: int, x: int, y: int, request: Request,
                   if_none_match: Annotated[str | None, Header()] = None) -> Response:
    # One hop to a worker thread for the whole request (session, query, close): the hot
    # path of every map pan; per-dependency hops cost more than the encoding does.
    data = await run_in_threadpool(_render, request.app.state.sessions,
                                   request.app.state.settings, z, x, y)
    headers = {"Cache-Control": CACHE_CONTROL}
    if not data:
        return Response(status_code=204, headers=headers)
    headers["ETag"] = etag(data)
    if matches(if_none_match, headers["ETag"]):
        return Response(status_code=304, headers=headers)
    return Response(data, media_type=MVT, headers=headers)
