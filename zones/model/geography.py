"""Where things are: the free zone, its districts (industrial estates) and expansion areas."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from zones.model.base import Base, Timestamped, enum_column, geometry


class DistrictStatus(enum.StrEnum):
    OPERATING = "operating"
    EXPANDING = "expanding"
    PLANNED = "planned"


class DistrictKind(enum.StrEnum):
    ESTATE = "estate"  # industrial estate (شهرک صنعتی)
    PORT = "port"
    LOGISTICS = "logistics"


class ExpansionStatus(enum.StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    UNDER_DEVELOPMENT = "under_development"
    COMPLETE = "complete"


class Zone(Timestamped, Base):
    """A free zone. ``metric_srid`` is the projected CRS every area and length is computed in."""

    __tablename__ = "zone"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name_fa: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200))
    metric_srid: Mapped[int] = mapped_column(sa.Integer)
    boundary = mapped_column(geometry("MULTIPOLYGON"), nullable=False)

    districts: Mapped[list[District]] = relationship(back_populates="zone")


class District(Timestamped, Base):
    """An industrial estate (district) of a zone, e.g. شهرک صنعتی شماره ۳."""

    __tablename__ = "district"
    __audited__ = True
    __table_args__ = (sa.UniqueConstraint("zone_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    zone_id: Mapped[int] = mapped_column(sa.ForeignKey("zone.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(32))
    number: Mapped[int | None] = mapped_column(sa.Integer)
    name_fa: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[DistrictKind] = mapped_column(enum_column(DistrictKind))
    status: Mapped[DistrictStatus] = mapped_column(enum_column(DistrictStatus))
    boundary = mapped_column(geometry("POLYGON"), nullable=False)

    zone: Mapped[Zone] = relationship(back_populates="districts")
    expansion_areas: Mapped[list[ExpansionArea]] = relationship(back_populates="district")


class ExpansionArea(Timestamped, Base):
    """An approved expansion of a district (e.g. the district-2 expansion) and its decision."""

    __tablename__ = "expansion_area"
    __audited__ = True
    __table_args__ = (sa.UniqueConstraint("district_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("district.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(32))
    name_fa: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200))
    decision_ref: Mapped[str | None] = mapped_column(sa.String(200))
    decision_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    status: Mapped[ExpansionStatus] = mapped_column(enum_column(ExpansionStatus))
    boundary = mapped_column(geometry("POLYGON"), nullable=False)

    district: Mapped[District] = relationship(back_populates="expansion_areas")
