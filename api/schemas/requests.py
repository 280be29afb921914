"""Allocation requests: what filing accepts, what the API shows of a request, and the
bodies of the review and decision steps.

Inputs forbid unknown fields: status, the computed parts of scores, allocation and
decision links are server-controlled.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from zones.model import EnvGroup, ExpansionKind, RequestPurpose, RequestStatus


class PlotRef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    district: str = Field(max_length=32)
    code: str = Field(max_length=64)


class RequestCreate(BaseModel):
    """An allocation request. ``investor_ref`` is for staff filing on an investor's behalf."""

    model_config = ConfigDict(extra="forbid")

    investor_ref: str | None = Field(None, max_length=32)
    idempotency_key: str | None = Field(None, min_length=1, max_length=100,
                                        description="Or the Idempotency-Key header")
    purpose: RequestPurpose
    unit_ref: str | None = Field(None, max_length=32, description="Unit to expand")
    expansion_kind: ExpansionKind | None = None
    isic4: str = Field(pattern=r"^\d{4}$", description="ISIC Rev.4 class")
    env_group: EnvGroup
    area_min_m2: float = Field(gt=0, le=10_000_000)
    area_max_m2: float = Field(gt=0, le=10_000_000)
    power_kva: float | None = Field(None, ge=0, le=1_000_000)
    water_m3_day: float | None = Field(None, ge=0, le=1_000_000)
    needs_gas: bool = False
    needs_rail: bool = False
    preferred_districts: list[str] = Field(default_factory=list, max_length=10)
    preferred_plots: list[PlotRef] = Field(default_factory=list, max_length=20)
    licence_no: str | None = Field(None, max_length=64, description="جواز تأسیس number")
    licence_expiry: dt.date | None = None
    investment_rial: int | None = Field(None, ge=0, le=10**18)
    jobs: int | None = Field(None, ge=0, le=1_000_000)
    export_share: float | None = Field(None, ge=0, le=1)
    knowledge_based: bool = False
    note: str | None = Field(None, max_length=2000)


class ScorePublic(BaseModel):
    criterion: str
    points: float
    max_points: float
    computed: bool
    note: str | None
    scored_by: str


class StatusStep(BaseModel):
    from_status: str | None
    to_status: str
    actor: str
    reason: str | None
    at: dt.datetime


class ReservationPublic(BaseModel):
    district: str
    code: str
    expires_at: dt.datetime
    expires_jalali: str


class RequestPublic(BaseModel):
    id: int
    investor_ref: str
    unit_ref: str | None
    status: RequestStatus
    purpose: RequestPurpose
    expansion_kind: ExpansionKind | None
    isic4: str
    env_group: EnvGroup
    area_min_m2: float
    area_max_m2: float
    power_kva: float | None
    water_m3_day: float | None
    needs_gas: bool
    needs_rail: bool
    preferred_districts: list[str]
    preferred_plots: list[PlotRef]
    licence_no: str | None
    licence_expiry: dt.date | None
    licence_expiry_jalali: str
    investment_rial: int | None
    jobs: int | None
    export_share: float | None
    knowledge_based: bool
    note: str | None
    decision_ref: str | None
    allocation_id: int | None
    created_at: dt.datetime
    reservation: ReservationPublic | None
    total_score: float
    scores: list[ScorePublic]
    history: list[StatusStep]


class Reason(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(None, max_length=1000)


class Review(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scores: dict[str, float] = Field(default_factory=dict, description="Staff criteria → points")
    notes: dict[str, str] = Field(default_factory=dict)


class Reserve(BaseModel):
    model_config = ConfigDict(extra="forbid")

    plot: PlotRef


class Approve(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision_ref: str = Field(min_length=1, max_length=200, description="Working-group minute")
    plot: PlotRef | None = Field(None, description="Needed when no plot is reserved")
    start_date: dt.date | None = None


class Reject(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision_ref: str = Field(min_length=1, max_length=200)
    reason: str | None = Field(None, max_length=1000)


class LotteryDraw(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seed: int | None = Field(None, ge=0, lt=2**62, description="Omit for a random seed")


class Ranked(BaseModel):
    request_id: int
    total_score: float


class LotteryPublic(BaseModel):
    id: int
    district: str
    code: str
    seed: int
    candidates: list[int]
    result: list[int]
    winner: int
    by_score: list[Ranked]
    at: dt.datetime


class MatchPublic(BaseModel):
    plot_id: int
    district: str
    code: str
    area_m2: float
    score: float
    adjacent_m: float
    components: dict[str, dict[str, Any]]


class MatchesPublic(BaseModel):
    request_id: int
    candidates: int
    excluded: dict[str, int]
    expansion_only_districts: list[str]
    items: list[MatchPublic]


class OverdueObligation(BaseModel):
    id: int
    kind: str
    due_date: dt.date
    due_jalali: str
    days_overdue: int
    allocation_id: int
    district: str
    plot: str
    investor_ref: str
    investor_name_fa: str


# ``GET /requests/{id}/matches?format=geojson``: the same matches as features on a map.
MATCHES_GEOJSON: dict[str, Any] = {
    "type": "object", "title": "MatchCollection", "required": ["type", "features"],
    "properties": {
        "type": {"const": "FeatureCollection"},
        "features": {"type": "array", "items": {
            "type": "object", "required": ["type", "id", "geometry", "properties"],
            "properties": {
                "type": {"const": "Feature"},
                "id": {"type": "integer", "description": "The plot's id"},
                "geometry": {"type": "object", "description": "The plot (GeoJSON Polygon)"},
                "properties": {"$ref": "#/components/schemas/MatchPublic"}}}}}}
