"""Mapbox Vector Tiles (WebMercatorQuad): plots and infrastructure, cached by ETag."""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import APIRouter, Header, Request, Response
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from zones import tiles

router = APIRouter(prefix="/tiles", tags=["tiles"])

MVT = "application/vnd.mapbox-vector-tile"
CACHE_CONTROL = "public, max-age=60"


def _render(sessions: sessionmaker[Session], z: int, x: int, y: int) -> bytes:
    with sessions() as session:
        return tiles.render_tile(session, z, x, y)


def etag(data: bytes) -> str:
    """A strong validator: the tile's bytes hashed."""
    return f'"{hashlib.sha256(data).hexdigest()}"'


def matches(if_none_match: str | None, tag: str) -> bool:
    """``If-None-Match`` uses the weak comparison (RFC 9110 §13.1.2): ``W/`` is ignored."""
    if if_none_match is None:
        return False
    candidates = [c.strip().removeprefix("W/") for c in if_none_match.split(",")]
    return "*" in candidates or tag in candidates


@router.get("/{z}/{x}/{y}", response_class=Response,
            responses={200: {"content": {MVT: {}}, "description": "The encoded tile"},
                        204: {"description": "No feature intersects the tile"},
                        304: {"description": "The tile still matches `If-None-Match`"}},
            summary="A Mapbox Vector Tile (EPSG:3857) with `plots` and `infrastructure` layers")
async def get_tile(z: int, x: int, y: int, request: Request,
                   if_none_match: Annotated[str | None, Header()] = None) -> Response:
    # One hop to a worker thread for the whole request (session, query, close): the hot
    # path of every map pan; per-dependency hops cost more than the encoding does.
    data = await run_in_threadpool(_render, request.app.state.sessions, z, x, y)
    headers = {"Cache-Control": CACHE_CONTROL}
    if not data:
        return Response(status_code=204, headers=headers)
    headers["ETag"] = etag(data)
    if matches(if_none_match, headers["ETag"]):
        return Response(status_code=304, headers=headers)
    return Response(data, media_type=MVT, headers=headers)
