"""Bank facilities flagged because their unit shows no production."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel

from api.schemas.programmes import Jalali


class FlaggedFacilityPublic(BaseModel):
    facility: int
    unit: str
    bank: str
    purpose: str
    amount_rial: int
    disbursed_rial: int | None
    reason: Literal["dormant", "no_reported_output"]
    last_output_on: dt.date | None
    last_output_on_jalali: Jalali
