"""Allocations, bank facilities and the audit trail as the registers list them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict


class ObligationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: str
    due_date: dt.date
    met_on: dt.date | None
    status: str


class AllocationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    plot_id: int
    investor_id: int
    unit_id: int | None
    tenure: str
    status: str
    start_date: dt.date
    end_date: dt.date | None
    contract_no: str | None
    obligations: list[ObligationOut]


class FacilityOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    unit_id: int
    bank: str
    purpose: str
    amount_rial: int
    disbursed_rial: int | None
    approved_on: dt.date | None
    due_on: dt.date | None
    status: str


class AuditOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: dt.datetime
    actor: str
    action: str
    entity: str
    entity_id: int
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None
