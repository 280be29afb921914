"""Land appraisals, levy tariffs, and levies with their ledger."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from api.params import Input
from api.schemas.programmes import Day, Jalali
from zones.model import LevyStatus


class AppraisalCreate(Input):
    district: str = Field(min_length=1, max_length=32)
    plot: str = Field(min_length=1, max_length=64)
    valued_on: Day
    rial_per_m2: int = Field(gt=0, le=10**12)
    appraiser: str | None = Field(None, max_length=200)


class AppraisalPublic(BaseModel):
    plot_id: int
    area_m2: float | None
    district: str
    plot: str
    valued_on: dt.date
    rial_per_m2: int
    appraiser: str | None


class TariffStep(Input):
    from_year: int = Field(ge=1)
    share: float = Field(ge=0, le=1)


class TariffCreate(Input):
    valid_from: Day
    schedule: list[TariffStep] = Field(min_length=1, max_length=50)
    grace_months: int = Field(ge=0, le=120)
    terminate_after_years: int = Field(ge=1, le=100)
    note: str | None = Field(None, max_length=1000)


class TariffStepPublic(BaseModel):
    from_year: int
    share: float


class TariffPublic(BaseModel):
    version: int
    schedule: list[TariffStepPublic]
    grace_months: int
    terminate_after_years: int
    note: str | None
    valid_from: dt.date
    valid_from_jalali: Jalali


class LevyCreate(Input):
    unit: str = Field(min_length=1, max_length=32)
    year: int = Field(ge=1300, le=1600, description="Jalali year")
    note: str | None = Field(None, max_length=1000)


class LevyTransition(Input):
    to: LevyStatus
    note: str | None = Field(None, max_length=1000)


class LevyEventPublic(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: LevyStatus | None = Field(alias="from")
    to: LevyStatus
    note: str | None
    actor: str
    at: dt.datetime
    at_jalali: Jalali


class LevyPublic(BaseModel):
    id: int
    unit: str
    year: int
    amount_rial: int
    tariff_version: int
    idle_year: int
    share: float
    land_value_rial: int
    days_charged: int
    recommend_termination: bool
    status: LevyStatus
    events: list[LevyEventPublic]


class LevyQuote(BaseModel):
    """What the levy would be, with every figure that made it (nothing is written)."""

    unit_id: int
    plot_id: int
    year: int
    tariff_version: int
    idle_year: int
    share: float
    land_value_rial: int
    days_charged: int
    year_days: int
    amount_rial: int
    recommend_termination: bool
