"""Plots (LADM spatial units) with their history and lineage.

A row is one *version* of a plot's geometry and zoning. Re-drawing, splitting or
merging retires the row (``valid_to`` set) and creates successors linked through
:class:`PlotLineage`; status changes happen in place and are audited. "Current"
means ``valid_to IS NULL``; the database refuses two current plots of one district
with the same code, and two current plots whose interiors overlap.
"""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from zones.model.base import Base, Timestamped, UTCDateTime, enum_column, geometry, utcnow
from zones.model.geography import District, ExpansionArea


class LandUse(enum.StrEnum):
    INDUSTRIAL = "industrial"
    WAREHOUSE = "warehouse"
    SERVICES = "services"
    GREEN = "green"
    ROAD = "road"
    UTILITY = "utility"
    CUSTOMS = "customs"


class PlotStatus(enum.StrEnum):
    PLANNED = "planned"
    SERVICED = "serviced"
    RESERVED = "reserved"
    ALLOCATED = "allocated"
    UNDER_CONSTRUCTION = "under_construction"
    OPERATING = "operating"
    IDLE = "idle"
    REVOKED = "revoked"


# Statuses in which a plot is held by an investor (an active allocation exists).
HELD_STATUSES = frozenset(
    {PlotStatus.ALLOCATED, PlotStatus.UNDER_CONSTRUCTION, PlotStatus.OPERATING, PlotStatus.IDLE}
)


class LineageKind(enum.StrEnum):
    SPLIT = "split"
    MERGE = "merge"
    AMEND = "amend"  # same land re-drawn by a plan revision


class Plot(Timestamped, Base):
    __tablename__ = "plot"
    __audited__ = True
    __table_args__ = (
        # Codes are compared after Persian/Arabic normalisation and case folding.
        sa.Index(
            "uq_plot_current_code",
            "district_id",
            "code_key",
            unique=True,
            postgresql_where=sa.text("valid_to IS NULL"),
            sqlite_where=sa.text("valid_to IS NULL"),
        ),
        sa.CheckConstraint("area_m2 > 0", name="area_positive"),
        sa.CheckConstraint("max_coverage IS NULL OR (max_coverage > 0 AND max_coverage <= 1)",
                           name="coverage_range"),
        sa.CheckConstraint("far IS NULL OR far > 0", name="far_positive"),
        sa.CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="validity_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("district.id"), index=True)
    expansion_area_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("expansion_area.id"), index=True
    )
    plan_revision_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("plan_revision.id"), index=True
    )
    code: Mapped[str] = mapped_column(sa.String(64))
    code_key: Mapped[str] = mapped_column(sa.String(64))
    name_fa: Mapped[str | None] = mapped_column(sa.String(200))
    name_en: Mapped[str | None] = mapped_column(sa.String(200))
    land_use: Mapped[LandUse] = mapped_column(enum_column(LandUse), index=True)
    status: Mapped[PlotStatus] = mapped_column(enum_column(PlotStatus), index=True)
    max_coverage: Mapped[float | None] = mapped_column(sa.Float)
    far: Mapped[float | None] = mapped_column(sa.Float)
    # Planimetric area in the zone's metric CRS, m²; kept in step with geom by the services.
    area_m2: Mapped[float] = mapped_column(sa.Float)
    geom = mapped_column(geometry("POLYGON"), nullable=False)
    valid_from: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    valid_to: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)

    district: Mapped[District] = relationship()
    expansion_area: Mapped[ExpansionArea | None] = relationship()

    @property
    def is_current(self) -> bool:
        return self.valid_to is None


class PlotLineage(Base):
    """Parent → child edge between plot versions (split, merge, amend)."""

    __tablename__ = "plot_lineage"
    __audited__ = True
    __table_args__ = (sa.UniqueConstraint("parent_id", "child_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int] = mapped_column(sa.ForeignKey("plot.id"), index=True)
    child_id: Mapped[int] = mapped_column(sa.ForeignKey("plot.id"), index=True)
    kind: Mapped[LineageKind] = mapped_column(enum_column(LineageKind))
    plan_revision_id: Mapped[int | None] = mapped_column(sa.ForeignKey("plan_revision.id"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
