"""HTML pages (the zone map). The map layers come from the database; the HTML from ``maps``."""

from __future__ import annotations

from typing import Annotated, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from api.deps import SessionDep, SettingsDep
from api.security import MaybeUser
from maps.layers import ZoneLayers
from maps.pages import render_zone_page
from zones.frames import CURRENT_PLOT
from zones.model import Investor, Plot, User
from zones.services.access import may_see_investor

router = APIRouter(tags=["pages"])


def current_plot_count(session: Session) -> int:
    """How many current plots the zone has (decides inline GeoJSON or vector tiles)."""
    return session.scalar(sa.select(sa.func.count()).select_from(Plot).where(CURRENT_PLOT)) or 0


def _with_viewer_details(session: Session, layers: ZoneLayers, user: User | None) -> None:
    """Fill in each unit's investor name and page link where ``user`` may see them."""
    units = layers.units
    if units.empty:
        return
    allowed = [may_see_investor(user, i) for i in units["investor_id"]]
    names: dict[int, str] = {i: name for i, name in session.execute(
        sa.select(Investor.id, Investor.name_fa).where(Investor.id.in_(
            {int(i) for i, ok in zip(units["investor_id"], allowed, strict=True) if ok})))
    } if any(allowed) else {}
    units["investor"] = [names.get(int(i)) if ok else None
                         for i, ok in zip(units["investor_id"], allowed, strict=True)]
    units["page"] = allowed


@router.get("/", response_class=HTMLResponse, summary="The zone map (Persian by default)")
def zone_map(
    session: SessionDep,
    settings: SettingsDep,
    user: MaybeUser,
    lang: Annotated[Literal["fa", "en"], Query(description="Page language")] = "fa",
) -> HTMLResponse:
    # Above the threshold the plots are not read here at all: the browser fetches tiles.
    tiled = current_plot_count(session) > settings.map_tile_threshold
    layers = ZoneLayers.from_session(session, plots=not tiled)
    _with_viewer_details(session, layers, user)
    html = render_zone_page(layers, lang=lang, static_prefix=settings.static_prefix,
                            basemap_url=settings.basemap_url,
                            basemap_attribution=settings.basemap_attribution,
                            plot_tiles=tiled, api_root=settings.root_path)
    return HTMLResponse(html)
