"""A unit's expansion projects, their land requests, and reported output and capacity."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field, model_validator

from api.params import Input
from api.schemas.programmes import Day, Int32, Jalali, Rial
from zones.model import ProjectKind, ProjectStatus


class ExpansionProjectCreate(Input):
    kind: ProjectKind
    title_fa: str = Field(min_length=1, max_length=300)
    title_en: str | None = Field(None, max_length=300)
    capacity_added: float | None = Field(None, ge=0)
    capacity_unit: str | None = Field(None, max_length=32)
    jobs: Int32 | None = None
    investment_rial: Rial | None = None
    land_needed_m2: float | None = Field(None, ge=0)
    status: ProjectStatus = ProjectStatus.PLANNED
    starts_on: Day | None = None
    completed_on: Day | None = None


class ExpansionProjectPublic(BaseModel):
    id: int
    kind: ProjectKind
    title_fa: str
    title_en: str | None
    capacity_added: float | None
    capacity_unit: str | None
    jobs: int | None
    investment_rial: int | None
    land_needed_m2: float | None
    status: ProjectStatus
    allocation_request_id: int | None
    starts_on: dt.date | None
    starts_on_jalali: Jalali
    completed_on: dt.date | None
    completed_on_jalali: Jalali


class LandRequestLinks(BaseModel):
    request: str
    matches: str


class LandRequestPublic(BaseModel):
    request_id: int
    status: str
    created: bool = Field(description="False when the project had asked before")
    links: LandRequestLinks


class OutputReportCreate(Input):
    period_start: Day
    period_end: Day
    output: float = Field(ge=0)
    capacity: float | None = Field(None, ge=0)
    unit_of_measure: str = Field(min_length=1, max_length=32)

    @model_validator(mode="after")
    def _order(self) -> OutputReportCreate:
        if self.period_end < self.period_start:
            raise ValueError("period_end is before period_start")
        return self


class OutputReportPublic(BaseModel):
    unit: str
    period_start: dt.date
    period_end: dt.date
    output: float
    capacity: float | None
    unit_of_measure: str


class CapacityReport(BaseModel):
    capacity: float | None
    output: float
    unit_of_measure: str
    period_start: dt.date
    period_start_jalali: Jalali
    period_end: dt.date
    period_end_jalali: Jalali


class CapacityAdded(BaseModel):
    project: int
    capacity_added: float | None
    capacity_unit: str | None
    completed_on: dt.date | None
    completed_on_jalali: Jalali


class CapacityPublic(BaseModel):
    unit: str
    reports: list[CapacityReport]
    capacity_added: list[CapacityAdded]
