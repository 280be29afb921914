"""Bounds and value types the unit programmes' models share (issue 7).

Bounds the databases can store: 32-bit ids, 64-bit money, dates a calendar can shift.
Dates people read carry a Jalali twin: ``due_on`` comes with ``due_on_jalali``
(``YYYY/MM/DD`` in Latin digits, ``null`` when the date is).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import Field

Int32 = Annotated[int, Field(ge=0, le=2**31 - 1)]
Rial = Annotated[int, Field(ge=0, le=10**15)]
Day = Annotated[dt.date, Field(ge=dt.date(1900, 1, 1), le=dt.date(2200, 12, 31))]
Jalali = Annotated[str | None, Field(description="The date in the Jalali calendar")]
