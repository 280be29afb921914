"""HTML pages (the zone map). The map layers come from the database; the HTML from ``maps``."""

from __future__ import annotations

from typing import Annotated, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from api.deps import SessionDep, SettingsDep
from maps.layers import ZoneLayers
from maps.pages import render_zone_page
from zones.frames import CURRENT_PLOT
from zones.model import Plot

router = APIRouter(tags=["pages"])


def current_plot_count(session: Session) -> int:
    """How many current plots the zone has (decides inline GeoJSON or vector tiles)."""
    return session.scalar(sa.select(sa.func.count()).select_from(Plot).where(CURRENT_PLOT)) or 0


@router.get("/", response_class=HTMLResponse, summary="The zone map (Persian by default)")
def zone_map(
    session: SessionDep,
    settings: SettingsDep,
    lang: Annotated[Literal["fa", "en"], Query(description="Page language")] = "fa",
) -> HTMLResponse:
    # Above the threshold the plots are not read here at all: the browser fetches tiles.
    tiled = current_plot_count(session) > settings.map_tile_threshold
    layers = ZoneLayers.from_session(session, plots=not tiled)
    html = render_zone_page(layers, lang=lang, static_prefix=settings.static_prefix,
                            basemap_url=settings.basemap_url,
                            basemap_attribution=settings.basemap_attribution,
                            plot_tiles=tiled, api_root=settings.root_path)
    return HTMLResponse(html)
