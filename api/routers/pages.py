"""HTML pages (the zone map). The map layers come from the database; the HTML from ``maps``."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from api.deps import SessionDep, SettingsDep
from maps.layers import ZoneLayers
from maps.pages import render_zone_page

router = APIRouter(tags=["pages"])


@router.get("/", response_class=HTMLResponse, summary="The zone map (Persian by default)")
def zone_map(
    session: SessionDep,
    settings: SettingsDep,
    lang: Annotated[Literal["fa", "en"], Query(description="Page language")] = "fa",
) -> HTMLResponse:
    layers = ZoneLayers.from_session(session)
    html = render_zone_page(layers, lang=lang, static_prefix=settings.static_prefix,
                            basemap_url=settings.basemap_url,
                            basemap_attribution=settings.basemap_attribution)
    return HTMLResponse(html)
