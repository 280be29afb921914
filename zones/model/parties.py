"""Parties: investors, their production units (with status history) and bank facilities."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from zones.model.base import Base, JSONType, Timestamped, UTCDateTime, enum_column, utcnow


class PartyKind(enum.StrEnum):
    LEGAL = "legal"
    NATURAL = "natural"


class UnitStatus(enum.StrEnum):
    APPLIED = "applied"
    ALLOCATED = "allocated"
    UNDER_CONSTRUCTION = "under_construction"
    OPERATING = "operating"
    PARTIALLY_ACTIVE = "partially_active"
    DORMANT = "dormant"
    TERMINATED = "terminated"


class EnvGroup(enum.StrEnum):
    """Iranian industry siting groups الف…ه (A least, E most restricted)."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"


ENV_GROUP_FA = {"A": "الف", "B": "ب", "C": "ج", "D": "د", "E": "ه"}


class DormancyCause(enum.StrEnum):
    FINANCE = "finance"
    MISMANAGEMENT = "mismanagement"
    TECHNOLOGY = "technology"
    BUREAUCRACY = "bureaucracy"
    MARKET = "market"
    OTHER = "other"


class FacilityStatus(enum.StrEnum):
    CURRENT = "current"
    OVERDUE = "overdue"
    SETTLED = "settled"


class Investor(Timestamped, Base):
    __tablename__ = "investor"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(sa.String(32), unique=True)
    kind: Mapped[PartyKind] = mapped_column(enum_column(PartyKind))
    name_fa: Mapped[str] = mapped_column(sa.String(300))
    name_en: Mapped[str | None] = mapped_column(sa.String(300))
    nationality: Mapped[str] = mapped_column(sa.String(2))  # ISO 3166-1 alpha-2
    national_id: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    email: Mapped[str | None] = mapped_column(sa.String(200))
    phone: Mapped[str | None] = mapped_column(sa.String(50))
    address: Mapped[str | None] = mapped_column(sa.String(500))

    units: Mapped[list[ProductionUnit]] = relationship(back_populates="investor")


class ProductionUnit(Timestamped, Base):
    __tablename__ = "production_unit"
    __audited__ = True
    __table_args__ = (
        sa.CheckConstraint("export_share IS NULL OR (export_share >= 0 AND export_share <= 1)",
                           name="export_share_range"),
        sa.CheckConstraint("length(isic4) = 4", name="isic4_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(sa.String(32), unique=True)
    investor_id: Mapped[int] = mapped_column(sa.ForeignKey("investor.id"), index=True)
    name_fa: Mapped[str] = mapped_column(sa.String(300))
    name_en: Mapped[str | None] = mapped_column(sa.String(300))
    isic4: Mapped[str] = mapped_column(sa.String(4), index=True)  # ISIC Rev.4 class
    products: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    employment_licensed: Mapped[int | None] = mapped_column(sa.Integer)
    employment_actual: Mapped[int | None] = mapped_column(sa.Integer)
    establishment_licence_no: Mapped[str | None] = mapped_column(sa.String(64))
    establishment_licence_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    establishment_licence_expiry: Mapped[dt.date | None] = mapped_column(sa.Date)
    operating_licence_no: Mapped[str | None] = mapped_column(sa.String(64))
    operating_licence_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    env_group: Mapped[EnvGroup | None] = mapped_column(enum_column(EnvGroup))
    knowledge_based: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    export_share: Mapped[float | None] = mapped_column(sa.Float)
    investment_rial: Mapped[int | None] = mapped_column(sa.BigInteger)
    investment_usd: Mapped[int | None] = mapped_column(sa.BigInteger)
    status: Mapped[UnitStatus] = mapped_column(enum_column(UnitStatus), index=True)
    status_since: Mapped[dt.date | None] = mapped_column(sa.Date)
    dormancy_cause: Mapped[DormancyCause | None] = mapped_column(enum_column(DormancyCause))
    can_return: Mapped[bool | None] = mapped_column(sa.Boolean)

    investor: Mapped[Investor] = relationship(back_populates="units")
    status_history: Mapped[list[UnitStatusChange]] = relationship(
        back_populates="unit", order_by="UnitStatusChange.at"
    )
    bank_facilities: Mapped[list[BankFacility]] = relationship(back_populates="unit")


class UnitStatusChange(Base):
    """One step of a unit's status history: who changed it, when and why."""

    __tablename__ = "unit_status_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("production_unit.id"), index=True)
    from_status: Mapped[UnitStatus | None] = mapped_column(
        enum_column(UnitStatus, name="from_status")
    )
    to_status: Mapped[UnitStatus] = mapped_column(enum_column(UnitStatus, name="to_status"))
    effective_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    reason: Mapped[str | None] = mapped_column(sa.String(1000))
    changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[ProductionUnit] = relationship(back_populates="status_history")


class BankFacility(Timestamped, Base):
    __tablename__ = "bank_facility"
    __audited__ = True
    __table_args__ = (
        sa.CheckConstraint("disbursed_rial IS NULL OR disbursed_rial <= amount_rial",
                           name="disbursed_le_amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("production_unit.id"), index=True)
    bank: Mapped[str] = mapped_column(sa.String(200))
    purpose: Mapped[str] = mapped_column(sa.String(64))
    amount_rial: Mapped[int] = mapped_column(sa.BigInteger)
    disbursed_rial: Mapped[int | None] = mapped_column(sa.BigInteger)
    approved_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    due_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    status: Mapped[FacilityStatus] = mapped_column(enum_column(FacilityStatus))

    unit: Mapped[ProductionUnit] = relationship(back_populates="bank_facilities")
