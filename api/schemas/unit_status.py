"""A unit's status and the history of who changed it, when and why."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from api.params import Input
from api.schemas.programmes import Day, Jalali
from zones.model import UnitStatus


class UnitStatusChangeCreate(Input):
    status: UnitStatus
    effective_on: Day
    reason: str = Field(min_length=3, max_length=1000)


class UnitStatusPublic(BaseModel):
    unit: str
    status: UnitStatus
    status_since: dt.date | None
    status_since_jalali: Jalali


class UnitStatusChangePublic(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: UnitStatus | None = Field(alias="from")
    to: UnitStatus
    reason: str | None
    changed_by_id: int | None
    at: dt.datetime
    at_jalali: Jalali
    effective_on: dt.date | None
    effective_on_jalali: Jalali
