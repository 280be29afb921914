"""The working group's figures: JSON for programs, a dashboard page for people.

What is public and what is not: aggregate counts anyone could tally from public pages
(occupancy, dormant units over time, district readiness, requests per status) are public.
Dormant units by obstacle come from revival plans, which are internal; with a handful of
dormant units a count of one names a unit's problem, so they are for staff, the working
group and admins only.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse

from api.deps import SessionDep, SettingsDep
from api.schemas.dashboards import (
    Dormancy,
    DormancyObstacles,
    DormantOn,
    NetworkReadiness,
    ObstacleCount,
    Occupancy,
    Pipeline,
    Readiness,
)
from api.security import MaybeUser, require
from maps.dashboards import render_dashboard
from zones import errors
from zones.model import User
from zones.security import STAFF_ROLES
from zones.services import statistics
from zones.services.statistics import occupancy

router = APIRouter(tags=["dashboards"])

DISTRICT_3 = "D3"  # the district whose infrastructure readiness the dashboard shows
Months = Annotated[int, Query(ge=1, le=60, description="Month ends to count back")]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def is_staff(user: User | None) -> bool:
    """Whether the caller may see internal figures (obstacles from revival plans)."""
    return user is not None and user.role in STAFF_ROLES


@router.get("/stats/occupancy", response_model=list[Occupancy],
            summary="Plot area and count per district: allocated, idle, reserved, vacant")
def get_occupancy(session: SessionDep) -> list[Occupancy]:
    return [Occupancy(district_code=d.district_code, name_fa=d.name_fa, name_en=d.name_en,
                      area_m2=d.area_m2, plots=d.plots, total_m2=d.total_m2,
                      occupied_share=d.occupied_share) for d in occupancy(session)]


def _dormancy(found: statistics.Dormancy) -> Dormancy:
    return Dormancy(as_of=found.as_of, dormant_now=found.dormant_now,
                    over_time=[DormantOn(date=p.day, dormant=p.dormant)
                               for p in found.over_time])


@router.get("/stats/dormancy", response_model=Dormancy,
            summary="Dormant units now and at each month end (public)")
def get_dormancy(session: SessionDep, months: Months = 24) -> Dormancy:
    return _dormancy(statistics.dormancy(session, today=_now().date(), months=months))


def _obstacles(found: statistics.DormancyObstacles) -> DormancyObstacles:
    return DormancyObstacles(
        as_of=found.as_of, dormant_now=found.dormant_now, without_plan=found.without_plan,
        by_obstacle=[ObstacleCount(kind=o.kind, name_fa=o.name_fa, name_en=o.name_en,
                                   units=o.units) for o in found.by_obstacle])


@router.get("/stats/dormancy/obstacles", response_model=DormancyObstacles,
            summary="Dormant units per open obstacle kind of their revival plan (staff)")
def get_dormancy_obstacles(session: SessionDep,
                           user: Annotated[User, require(*STAFF_ROLES)]) -> DormancyObstacles:
    return _obstacles(statistics.dormancy_obstacles(session, today=_now().date()))


def _readiness(found: statistics.DistrictReadiness) -> Readiness:
    return Readiness(
        district_code=found.district_code, name_fa=found.name_fa, name_en=found.name_en,
        networks=[NetworkReadiness(
            network=n.network, length_m=n.length_m, length_by_status=n.length_by_status,
            assets_by_status=n.assets_by_status, length_shares=n.length_shares,
            count_shares=n.count_shares, share_length=n.share_length,
            share_capacity=n.share_capacity, expected_complete=n.expected_complete)
            for n in found.networks])


@router.get("/stats/readiness/{district}", response_model=Readiness,
            summary="A district's infrastructure by network: planned, building, complete")
def get_readiness(district: Annotated[str, Path(max_length=32)],
                  session: SessionDep) -> Readiness:
    return _readiness(statistics.readiness(session, district))


def _pipeline(found: statistics.Pipeline) -> Pipeline:
    return Pipeline(as_of=found.as_of, by_status=found.by_status, total=found.total,
                    decided=found.decided,
                    median_days_to_decision=found.median_days_to_decision)


@router.get("/stats/pipeline", response_model=Pipeline,
            summary="Allocation requests per status and median days to a decision (public)")
def get_pipeline(session: SessionDep) -> Pipeline:
    return _pipeline(statistics.pipeline(session, now=_now()))


@router.get("/dashboard", response_class=HTMLResponse,
            summary="The working group's dashboard (Persian by default; obstacles for staff)")
def dashboard(session: SessionDep, settings: SettingsDep, user: MaybeUser,
              lang: Annotated[Literal["fa", "en"], Query()] = "fa") -> HTMLResponse:
    now = _now()
    obstacles = (statistics.dormancy_obstacles(session, today=now.date())
                 if is_staff(user) else None)
    try:
        readiness = statistics.readiness(session, DISTRICT_3)
    except errors.DistrictNotFound:  # a zone without district 3: the section is left out
        readiness = None
    return HTMLResponse(render_dashboard(
        occupancy(session), dormancy=statistics.dormancy(session, today=now.date()),
        obstacles=obstacles, readiness=readiness,
        pipeline=statistics.pipeline(session, now=now), lang=lang,
        static_prefix=settings.static_prefix, now=now))
