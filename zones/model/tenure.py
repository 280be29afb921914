"""Tenure: the allocation (LADM right) of a plot to an investor and unit, and its obligations."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from zones.model.base import Base, Timestamped, enum_column
from zones.model.parties import Investor, ProductionUnit
from zones.model.plots import Plot


class Tenure(enum.StrEnum):
    LEASE = "lease"
    LEASE_TO_OWN = "lease_to_own"  # اجاره به شرط تملیک
    OWNERSHIP = "ownership"


class AllocationStatus(enum.StrEnum):
    ACTIVE = "active"
    ENDED = "ended"
    REVOKED = "revoked"  # فسخ / خلع ید


class ObligationKind(enum.StrEnum):
    CONSTRUCTION_START = "construction_start"
    OPERATING_LICENCE = "operating_licence"  # پروانه بهره‌برداری
    PAYMENT = "payment"
    OTHER = "other"


class ObligationStatus(enum.StrEnum):
    OPEN = "open"
    MET = "met"
    WAIVED = "waived"


class Allocation(Timestamped, Base):
    __tablename__ = "allocation"
    __audited__ = True
    __table_args__ = (
        # The rule that must never break: one active allocation per plot, on both backends.
        sa.Index(
            "uq_allocation_active_plot",
            "plot_id",
            unique=True,
            postgresql_where=sa.text("status = 'active'"),
            sqlite_where=sa.text("status = 'active'"),
        ),
        sa.CheckConstraint("end_date IS NULL OR end_date >= start_date", name="date_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plot_id: Mapped[int] = mapped_column(sa.ForeignKey("plot.id"), index=True)
    investor_id: Mapped[int] = mapped_column(sa.ForeignKey("investor.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("production_unit.id"), index=True)
    tenure: Mapped[Tenure] = mapped_column(enum_column(Tenure))
    status: Mapped[AllocationStatus] = mapped_column(enum_column(AllocationStatus))
    start_date: Mapped[dt.date] = mapped_column(sa.Date)
    end_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    contract_no: Mapped[str | None] = mapped_column(sa.String(64))
    decision_ref: Mapped[str | None] = mapped_column(sa.String(200))

    plot: Mapped[Plot] = relationship()
    investor: Mapped[Investor] = relationship()
    unit: Mapped[ProductionUnit | None] = relationship()
    obligations: Mapped[list[Obligation]] = relationship(
        back_populates="allocation", order_by="Obligation.due_date"
    )


class Obligation(Timestamped, Base):
    """A dated duty attached to an allocation (start building, obtain the operating licence…)."""

    __tablename__ = "obligation"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    allocation_id: Mapped[int] = mapped_column(sa.ForeignKey("allocation.id"), index=True)
    kind: Mapped[ObligationKind] = mapped_column(enum_column(ObligationKind))
    due_date: Mapped[dt.date] = mapped_column(sa.Date, index=True)
    met_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    status: Mapped[ObligationStatus] = mapped_column(enum_column(ObligationStatus))
    note: Mapped[str | None] = mapped_column(sa.String(1000))

    allocation: Mapped[Allocation] = relationship(back_populates="obligations")
