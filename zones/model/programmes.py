"""Unit programmes: expansion projects, output reports, revival plans, land appraisals, levies.

The levy tariff is data, not code: no public tariff exists, so each version is a row and
every levy records the version it was computed with. ``allocation_request_id`` is a plain
integer (no foreign key) so this aggregate does not depend on the requests tables.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from zones.model.base import Base, JSONType, Timestamped, UTCDateTime, enum_column, utcnow
from zones.model.parties import ProductionUnit


class ProjectKind(enum.StrEnum):
    NEW_LINE = "new_line"
    MORE_SPACE = "more_space"


class ProjectStatus(enum.StrEnum):
    PLANNED = "planned"
    UNDER_WAY = "under_way"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class PlanStatus(enum.StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    CLOSED = "closed"


class PlanOutcome(enum.StrEnum):
    REACTIVATED = "reactivated"
    CANNOT_RETURN = "cannot_return"
    NON_COOPERATIVE = "non_cooperative"


class ObstacleStatus(enum.StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class ActionStatus(enum.StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


class LevyStatus(enum.StrEnum):
    ISSUED = "issued"
    PAID = "paid"
    APPEALED = "appealed"
    WAIVED = "waived"


class ExpansionProject(Timestamped, Base):
    """A new production line or more factory space for an operating unit."""

    __tablename__ = "expansion_project"
    __audited__ = True
    __table_args__ = (
        sa.CheckConstraint("capacity_added IS NULL OR capacity_added >= 0",
                           name="capacity_nonneg"),
        sa.CheckConstraint("land_needed_m2 IS NULL OR land_needed_m2 >= 0", name="land_nonneg"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("production_unit.id"), index=True)
    kind: Mapped[ProjectKind] = mapped_column(enum_column(ProjectKind))
    title_fa: Mapped[str] = mapped_column(sa.String(300))
    title_en: Mapped[str | None] = mapped_column(sa.String(300))
    capacity_added: Mapped[float | None] = mapped_column(sa.Float)
    capacity_unit: Mapped[str | None] = mapped_column(sa.String(32))
    jobs: Mapped[int | None] = mapped_column(sa.Integer)
    investment_rial: Mapped[int | None] = mapped_column(sa.BigInteger)
    land_needed_m2: Mapped[float | None] = mapped_column(sa.Float)
    status: Mapped[ProjectStatus] = mapped_column(enum_column(ProjectStatus))
    starts_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    completed_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    allocation_request_id: Mapped[int | None] = mapped_column(sa.Integer)

    unit: Mapped[ProductionUnit] = relationship()


class OutputReport(Timestamped, Base):
    """A unit's reported capacity and output for a period (regular production statistics)."""

    __tablename__ = "output_report"
    __audited__ = True
    __table_args__ = (
        sa.UniqueConstraint("unit_id", "period_end"),
        sa.CheckConstraint("period_end >= period_start", name="period_order"),
        sa.CheckConstraint("output >= 0", name="output_nonneg"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("production_unit.id"), index=True)
    period_start: Mapped[dt.date] = mapped_column(sa.Date)
    period_end: Mapped[dt.date] = mapped_column(sa.Date)
    capacity: Mapped[float | None] = mapped_column(sa.Float)
    output: Mapped[float] = mapped_column(sa.Float)
    unit_of_measure: Mapped[str] = mapped_column(sa.String(32))


class ObstacleKind(Base):
    """Configurable obstacle taxonomy (seeded by migration 0005)."""

    __tablename__ = "obstacle_kind"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name_fa: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200))
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)


class RevivalPlan(Timestamped, Base):
    """The one revival plan of a dormant unit: timetable, cooperation, outcome."""

    __tablename__ = "revival_plan"
    __audited__ = True
    __table_args__ = (
        sa.CheckConstraint("ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on",
                           name="timetable_order"),
        sa.CheckConstraint("(outcome IS NULL) = (outcome_on IS NULL)", name="outcome_dated"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("production_unit.id"), unique=True)
    status: Mapped[PlanStatus] = mapped_column(enum_column(PlanStatus), index=True)
    starts_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    ends_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    cooperative: Mapped[bool | None] = mapped_column(sa.Boolean)
    cooperation_note: Mapped[str | None] = mapped_column(sa.String(1000))
    outcome: Mapped[PlanOutcome | None] = mapped_column(enum_column(PlanOutcome))
    outcome_on: Mapped[dt.date | None] = mapped_column(sa.Date)

    unit: Mapped[ProductionUnit] = relationship()
    obstacles: Mapped[list[Obstacle]] = relationship(back_populates="plan",
                                                     order_by="Obstacle.id")


class Obstacle(Timestamped, Base):
    __tablename__ = "obstacle"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("revival_plan.id"), index=True)
    kind_id: Mapped[int] = mapped_column(sa.ForeignKey("obstacle_kind.id"), index=True)
    description: Mapped[str | None] = mapped_column(sa.String(1000))
    status: Mapped[ObstacleStatus] = mapped_column(enum_column(ObstacleStatus))

    plan: Mapped[RevivalPlan] = relationship(back_populates="obstacles")
    kind: Mapped[ObstacleKind] = relationship()
    actions: Mapped[list[RevivalAction]] = relationship(back_populates="obstacle",
                                                        order_by="RevivalAction.id")


class RevivalAction(Timestamped, Base):
    """One agency's commitment on an obstacle; unfinished past its due date it escalates."""

    __tablename__ = "revival_action"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    obstacle_id: Mapped[int] = mapped_column(sa.ForeignKey("obstacle.id"), index=True)
    agency: Mapped[str] = mapped_column(sa.String(200), index=True)
    representative: Mapped[str | None] = mapped_column(sa.String(200))
    due_on: Mapped[dt.date] = mapped_column(sa.Date, index=True)
    status: Mapped[ActionStatus] = mapped_column(enum_column(ActionStatus), index=True)
    notes: Mapped[str | None] = mapped_column(sa.String(2000))
    done_on: Mapped[dt.date | None] = mapped_column(sa.Date)

    obstacle: Mapped[Obstacle] = relationship(back_populates="actions")


class PlotAppraisal(Timestamped, Base):
    """An official appraiser's land value for a plot (rial per m²) on a date."""

    __tablename__ = "plot_appraisal"
    __audited__ = True
    __table_args__ = (sa.CheckConstraint("rial_per_m2 > 0", name="value_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plot_id: Mapped[int] = mapped_column(sa.ForeignKey("plot.id"), index=True)
    valued_on: Mapped[dt.date] = mapped_column(sa.Date)
    rial_per_m2: Mapped[int] = mapped_column(sa.BigInteger)
    appraiser: Mapped[str | None] = mapped_column(sa.String(200))


class LevyTariff(Timestamped, Base):
    """One version of the levy rule. ``schedule`` is a list of
    ``{"from_year": n, "share": s}``: from the n-th idle year on, a yearly share s of the
    plot's appraised land value (the step with the largest ``from_year`` ≤ the idle year)."""

    __tablename__ = "levy_tariff"
    __audited__ = True
    __table_args__ = (
        sa.CheckConstraint("grace_months >= 0", name="grace_nonneg"),
        sa.CheckConstraint("terminate_after_years >= 1", name="terminate_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(sa.Integer, unique=True)
    valid_from: Mapped[dt.date] = mapped_column(sa.Date, unique=True)
    schedule: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    grace_months: Mapped[int] = mapped_column(sa.Integer)
    terminate_after_years: Mapped[int] = mapped_column(sa.Integer)
    note: Mapped[str | None] = mapped_column(sa.String(1000))


class Levy(Timestamped, Base):
    """A yearly levy on a unit that will not return; ``year`` is the Jalali year."""

    __tablename__ = "levy"
    __audited__ = True
    __table_args__ = (
        sa.UniqueConstraint("unit_id", "year"),
        sa.CheckConstraint("amount_rial >= 0", name="amount_nonneg"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("production_unit.id"), index=True)
    plot_id: Mapped[int] = mapped_column(sa.ForeignKey("plot.id"), index=True)
    year: Mapped[int] = mapped_column(sa.Integer)
    amount_rial: Mapped[int] = mapped_column(sa.BigInteger)
    tariff_version: Mapped[int] = mapped_column(sa.Integer)
    idle_year: Mapped[int] = mapped_column(sa.Integer)
    share: Mapped[float] = mapped_column(sa.Float)
    land_value_rial: Mapped[int] = mapped_column(sa.BigInteger)
    days_charged: Mapped[int] = mapped_column(sa.Integer)
    recommend_termination: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    status: Mapped[LevyStatus] = mapped_column(enum_column(LevyStatus), index=True)

    unit: Mapped[ProductionUnit] = relationship()
    events: Mapped[list[LevyEvent]] = relationship(back_populates="levy", order_by="LevyEvent.id")


class LevyEvent(Base):
    """One step of a levy's ledger: who moved it from what to what, when and why."""

    __tablename__ = "levy_event"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    levy_id: Mapped[int] = mapped_column(sa.ForeignKey("levy.id"), index=True)
    from_status: Mapped[LevyStatus | None] = mapped_column(
        enum_column(LevyStatus, name="levy_from_status"))
    to_status: Mapped[LevyStatus] = mapped_column(enum_column(LevyStatus, name="levy_to_status"))
    note: Mapped[str | None] = mapped_column(sa.String(1000))
    actor: Mapped[str] = mapped_column(sa.String(100))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    levy: Mapped[Levy] = relationship(back_populates="events")
