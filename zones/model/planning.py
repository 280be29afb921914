"""Planning scenarios: one saved analysis run (layout, serviceability or customs siting).

Inputs and results are kept as JSON, with the explanation map (GeoJSON) inside the
results, so a decision can later be traced to exactly what was asked and answered, and to
the plan revision the analysis ran against.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from zones.model.base import Base, JSONType, UTCDateTime, enum_column, utcnow


class ScenarioKind(enum.StrEnum):
    LAYOUT = "layout"
    SERVICEABILITY = "serviceability"
    SITING = "siting"


class PlanningScenario(Base):
    __tablename__ = "planning_scenario"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ScenarioKind] = mapped_column(enum_column(ScenarioKind), index=True)
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("district.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    inputs: Mapped[dict[str, Any]] = mapped_column(JSONType)
    results: Mapped[dict[str, Any]] = mapped_column(JSONType)
    plan_revision_id: Mapped[int | None] = mapped_column(sa.ForeignKey("plan_revision.id"))
    created_by: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
