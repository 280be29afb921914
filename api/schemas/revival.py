"""Revival plans of dormant units: obstacles, agencies' actions, escalation, point zero."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from api.params import Input
from api.schemas.programmes import Day, Jalali
from zones.model import ActionStatus, ObstacleStatus, PlanOutcome, PlanStatus


class RevivalPlanCreate(Input):
    starts_on: Day | None = None
    ends_on: Day | None = None
    cooperative: bool | None = None
    cooperation_note: str | None = Field(None, max_length=1000)


class RevivalPlanUpdate(RevivalPlanCreate):
    status: Literal[PlanStatus.DRAFT, PlanStatus.ACTIVE] | None = None


class RevivalOutcomeCreate(Input):
    outcome: PlanOutcome
    on: Day
    reason: str | None = Field(None, max_length=1000)


class ObstacleCreate(Input):
    kind: str = Field(min_length=1, max_length=40)
    description: str | None = Field(None, max_length=1000)


class ObstacleUpdate(Input):
    status: ObstacleStatus


class RevivalActionCreate(Input):
    agency: str = Field(min_length=1, max_length=200)
    representative: str | None = Field(None, max_length=200)
    due_on: Day
    notes: str | None = Field(None, max_length=2000)


class RevivalActionUpdate(Input):
    status: ActionStatus
    notes: str | None = Field(None, max_length=2000)
    due_on: Day | None = None


class RevivalActionPublic(BaseModel):
    id: int
    agency: str
    representative: str | None
    status: ActionStatus
    notes: str | None
    overdue: bool = Field(description="Unfinished (open or in progress) past its due date")
    due_on: dt.date
    due_on_jalali: Jalali
    done_on: dt.date | None
    done_on_jalali: Jalali


class ObstaclePublic(BaseModel):
    id: int
    kind: str
    kind_fa: str
    kind_en: str | None
    description: str | None
    status: ObstacleStatus
    actions: list[RevivalActionPublic]


class RevivalPlanPublic(BaseModel):
    id: int
    unit: str
    status: PlanStatus
    cooperative: bool | None
    cooperation_note: str | None
    outcome: PlanOutcome | None
    starts_on: dt.date | None
    starts_on_jalali: Jalali
    ends_on: dt.date | None
    ends_on_jalali: Jalali
    outcome_on: dt.date | None
    outcome_on_jalali: Jalali
    obstacles: list[ObstaclePublic]


class OverdueActionPublic(BaseModel):
    """An overdue action with its unit and obstacle (the escalation list's row)."""

    unit: str
    unit_name_fa: str | None
    obstacle: str = Field(description="The obstacle's kind code")
    days_overdue: int
    id: int
    agency: str
    representative: str | None
    status: ActionStatus
    notes: str | None
    overdue: bool
    due_on: dt.date
    due_on_jalali: Jalali
    done_on: dt.date | None
    done_on_jalali: Jalali


class ObstacleKindPublic(BaseModel):
    code: str
    name_fa: str
    name_en: str | None


class DormantOn(BaseModel):
    date: dt.date
    dormant: int


class OpenObstacles(BaseModel):
    kind: str
    name_fa: str
    name_en: str | None
    open: int


class AgencyLoad(BaseModel):
    agency: str
    unfinished: int
    overdue: int


class PointZeroPublic(BaseModel):
    """Progress toward point zero: dormancy over time, open obstacles, agencies' load."""

    as_of: dt.date
    dormant_now: int
    dormant_over_time: list[DormantOn]
    by_obstacle: list[OpenObstacles]
    by_agency: list[AgencyLoad]
    overdue_actions: int
    plans: dict[str, int] = Field(description="Plans per status")
    outcomes: dict[str, int] = Field(description="Closed plans per outcome")
