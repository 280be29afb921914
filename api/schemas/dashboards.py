"""The working group's figures: occupancy, dormancy, readiness and the request pipeline."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel


class Occupancy(BaseModel):
    district_code: str
    name_fa: str
    name_en: str
    area_m2: dict[str, float]
    plots: dict[str, int]
    total_m2: float
    occupied_share: float


class DormantOn(BaseModel):
    date: dt.date
    dormant: int


class Dormancy(BaseModel):
    as_of: dt.date
    dormant_now: int
    over_time: list[DormantOn]


class ObstacleCount(BaseModel):
    kind: str
    name_fa: str
    name_en: str
    units: int


class DormancyObstacles(BaseModel):
    as_of: dt.date
    dormant_now: int
    by_obstacle: list[ObstacleCount]
    without_plan: int


class NetworkReadiness(BaseModel):
    network: str
    length_m: float
    length_by_status: dict[str, float]
    assets_by_status: dict[str, int]
    length_shares: dict[str, float] | None
    count_shares: dict[str, float]
    share_length: float | None
    share_capacity: float | None
    expected_complete: str | None


class Readiness(BaseModel):
    district_code: str
    name_fa: str
    name_en: str
    networks: list[NetworkReadiness]


class Pipeline(BaseModel):
    as_of: dt.datetime
    by_status: dict[str, int]
    total: int
    decided: int
    median_days_to_decision: float | None
