"""The working group's figures: JSON for programs, a dashboard page for people."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from api.deps import SessionDep, SettingsDep
from maps.dashboards import render_dashboard
from zones.services.statistics import occupancy

router = APIRouter(tags=["dashboards"])


class Occupancy(BaseModel):
    district_code: str
    name_fa: str
    name_en: str
    area_m2: dict[str, float]
    plots: dict[str, int]
    total_m2: float
    occupied_share: float


@router.get("/stats/occupancy", response_model=list[Occupancy],
            summary="Plot area and count per district: allocated, idle, reserved, vacant")
def get_occupancy(session: SessionDep) -> list[Occupancy]:
    return [Occupancy(district_code=d.district_code, name_fa=d.name_fa, name_en=d.name_en,
                      area_m2=d.area_m2, plots=d.plots, total_m2=d.total_m2,
                      occupied_share=d.occupied_share) for d in occupancy(session)]


@router.get("/dashboard", response_class=HTMLResponse,
            summary="The working group's dashboard (Persian by default)")
def dashboard(session: SessionDep, settings: SettingsDep,
              lang: Annotated[Literal["fa", "en"], Query()] = "fa") -> HTMLResponse:
    return HTMLResponse(render_dashboard(occupancy(session), lang=lang,
                                         static_prefix=settings.static_prefix))
