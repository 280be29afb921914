"""Infrastructure networks, customs candidate sites and protected areas (siting constraints)."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from zones.model.base import Base, Timestamped, enum_column, geometry


class Network(enum.StrEnum):
    ROAD = "road"
    POWER = "power"
    WATER = "water"
    GAS = "gas"
    SEWER = "sewer"
    STORMWATER = "stormwater"
    TELECOM = "telecom"
    RAIL = "rail"
    FIRE = "fire"


class WorkStatus(enum.StrEnum):
    PLANNED = "planned"
    UNDER_CONSTRUCTION = "under_construction"
    COMPLETE = "complete"


class SiteStatus(enum.StrEnum):
    CANDIDATE = "candidate"
    CHOSEN = "chosen"
    REJECTED = "rejected"


class ProtectedKind(enum.StrEnum):
    WETLAND = "wetland"
    NATIONAL_PARK = "national_park"
    SEA = "sea"
    RIVER = "river"
    SETTLEMENT = "settlement"


class InfrastructureAsset(Timestamped, Base):
    """A network element: a point (substation), line (feeder, road axis) or polygon (plant site)."""

    __tablename__ = "infrastructure_asset"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    zone_id: Mapped[int] = mapped_column(sa.ForeignKey("zone.id"), index=True)
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("district.id"), index=True)
    network: Mapped[Network] = mapped_column(enum_column(Network), index=True)
    kind: Mapped[str] = mapped_column(sa.String(64))
    name_fa: Mapped[str | None] = mapped_column(sa.String(200))
    name_en: Mapped[str | None] = mapped_column(sa.String(200))
    status: Mapped[WorkStatus] = mapped_column(enum_column(WorkStatus), index=True)
    capacity: Mapped[float | None] = mapped_column(sa.Float)
    capacity_unit: Mapped[str | None] = mapped_column(sa.String(16))
    width_m: Mapped[float | None] = mapped_column(sa.Float)
    planned_completion: Mapped[dt.date | None] = mapped_column(sa.Date)
    completed_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    geom = mapped_column(geometry("GEOMETRY"), nullable=False)


class CustomsSite(Timestamped, Base):
    """A candidate site for the customs area (گمرک) of a district, and whether it was chosen."""

    __tablename__ = "customs_site"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    zone_id: Mapped[int] = mapped_column(sa.ForeignKey("zone.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name_fa: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str | None] = mapped_column(sa.String(200))
    status: Mapped[SiteStatus] = mapped_column(enum_column(SiteStatus))
    area_m2: Mapped[float] = mapped_column(sa.Float)
    geom = mapped_column(geometry("POLYGON"), nullable=False)


class ProtectedArea(Timestamped, Base):
    """Land or water that polluting industry must keep ``buffer_m`` metres away from."""

    __tablename__ = "protected_area"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    zone_id: Mapped[int] = mapped_column(sa.ForeignKey("zone.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    kind: Mapped[ProtectedKind] = mapped_column(enum_column(ProtectedKind))
    name_fa: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str | None] = mapped_column(sa.String(200))
    buffer_m: Mapped[float] = mapped_column(sa.Float, default=0)
    geom = mapped_column(geometry("MULTIPOLYGON"), nullable=False)
