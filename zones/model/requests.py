"""Allocation requests: what an investor asks for, how staff scored it, what holds a plot.

A request moves submitted → under_review → reserved → approved (or rejected, withdrawn,
expired); every move is a :class:`RequestStatusChange`. A :class:`Reservation` holds one
plot for one request until ``expires_at``; the database allows one *live* reservation per
plot (a partial unique index, on both backends), as it allows one active allocation.
"""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from zones.model.base import Base, JSONType, Timestamped, UTCDateTime, enum_column, utcnow
from zones.model.parties import EnvGroup


class RequestPurpose(enum.StrEnum):
    NEW_UNIT = "new_unit"  # ایجادی
    EXPANSION = "expansion"  # توسعه


class ExpansionKind(enum.StrEnum):
    NEW_LINE = "new_line"
    MORE_SPACE = "more_space"


class RequestStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    RESERVED = "reserved"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


# Requests that still count against the investor's cap and may compete for plots.
OPEN_STATUSES = frozenset({RequestStatus.SUBMITTED, RequestStatus.UNDER_REVIEW,
                           RequestStatus.RESERVED})


class ReservationStatus(enum.StrEnum):
    LIVE = "live"
    CONVERTED = "converted"  # became an allocation
    RELEASED = "released"  # request withdrawn or rejected
    EXPIRED = "expired"


class AllocationRequest(Timestamped, Base):
    __tablename__ = "allocation_request"
    __audited__ = True
    __table_args__ = (
        # A client retrying with the same key gets the same request, never a second one.
        sa.UniqueConstraint("investor_id", "idempotency_key"),
        sa.CheckConstraint("area_min_m2 > 0 AND area_max_m2 >= area_min_m2", name="area_range"),
        sa.CheckConstraint("export_share IS NULL OR (export_share >= 0 AND export_share <= 1)",
                           name="export_share_range"),
        sa.CheckConstraint("purpose = 'new_unit' OR unit_id IS NOT NULL",
                           name="expansion_has_unit"),
        sa.CheckConstraint("length(isic4) = 4", name="isic4_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    investor_id: Mapped[int] = mapped_column(sa.ForeignKey("investor.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("production_unit.id"))
    idempotency_key: Mapped[str] = mapped_column(sa.String(100))
    purpose: Mapped[RequestPurpose] = mapped_column(enum_column(RequestPurpose))
    expansion_kind: Mapped[ExpansionKind | None] = mapped_column(enum_column(ExpansionKind))
    isic4: Mapped[str] = mapped_column(sa.String(4))
    env_group: Mapped[EnvGroup] = mapped_column(enum_column(EnvGroup))
    area_min_m2: Mapped[float] = mapped_column(sa.Float)
    area_max_m2: Mapped[float] = mapped_column(sa.Float)
    power_kva: Mapped[float | None] = mapped_column(sa.Float)
    water_m3_day: Mapped[float | None] = mapped_column(sa.Float)
    needs_gas: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    needs_rail: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    preferred_districts: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # Preferred plots as [district code, plot code] pairs, normalised.
    preferred_plots: Mapped[list[list[str]]] = mapped_column(JSONType, default=list)
    licence_no: Mapped[str | None] = mapped_column(sa.String(64))  # جواز تأسیس
    licence_expiry: Mapped[dt.date | None] = mapped_column(sa.Date)
    investment_rial: Mapped[int | None] = mapped_column(sa.BigInteger)
    jobs: Mapped[int | None] = mapped_column(sa.Integer)
    export_share: Mapped[float | None] = mapped_column(sa.Float)
    knowledge_based: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    note: Mapped[str | None] = mapped_column(sa.String(2000))
    status: Mapped[RequestStatus] = mapped_column(enum_column(RequestStatus), index=True)
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    decision_ref: Mapped[str | None] = mapped_column(sa.String(200))
    allocation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("allocation.id"))

    history: Mapped[list[RequestStatusChange]] = relationship(
        back_populates="request", order_by="RequestStatusChange.id")
    scores: Mapped[list[RequestScore]] = relationship(
        back_populates="request", order_by="RequestScore.criterion")


class RequestStatusChange(Base):
    __tablename__ = "request_status_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("allocation_request.id"), index=True)
    from_status: Mapped[RequestStatus | None] = mapped_column(
        enum_column(RequestStatus, name="from_status"))
    to_status: Mapped[RequestStatus] = mapped_column(enum_column(RequestStatus, name="to_status"))
    actor: Mapped[str] = mapped_column(sa.String(100))
    reason: Mapped[str | None] = mapped_column(sa.String(1000))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    request: Mapped[AllocationRequest] = relationship(back_populates="history")


class RequestScore(Base):
    """Points on one criterion; ``computed`` ones are derived from the request, others staff's."""

    __tablename__ = "request_score"
    __audited__ = True
    __table_args__ = (sa.UniqueConstraint("request_id", "criterion"),
                      sa.CheckConstraint("points >= 0 AND points <= max_points",
                                         name="points_range"))

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("allocation_request.id"))
    criterion: Mapped[str] = mapped_column(sa.String(64))
    points: Mapped[float] = mapped_column(sa.Float)
    max_points: Mapped[float] = mapped_column(sa.Float)
    computed: Mapped[bool] = mapped_column(sa.Boolean)
    note: Mapped[str | None] = mapped_column(sa.String(1000))
    scored_by: Mapped[str] = mapped_column(sa.String(100))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    request: Mapped[AllocationRequest] = relationship(back_populates="scores")


class Reservation(Base):
    __tablename__ = "reservation"
    __audited__ = True
    __table_args__ = (
        # One live reservation per plot, whoever writes at the same moment.
        sa.Index("uq_reservation_live_plot", "plot_id", unique=True,
                 postgresql_where=sa.text("status = 'live'"),
                 sqlite_where=sa.text("status = 'live'")),
        sa.Index("ix_reservation_status_expires_at", "status", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plot_id: Mapped[int] = mapped_column(sa.ForeignKey("plot.id"))
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("allocation_request.id"), index=True)
    status: Mapped[ReservationStatus] = mapped_column(enum_column(ReservationStatus))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Lottery(Base):
    """A seeded draw among requests competing for one plot; seed and order are kept."""

    __tablename__ = "lottery"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    plot_id: Mapped[int] = mapped_column(sa.ForeignKey("plot.id"), index=True)
    seed: Mapped[int] = mapped_column(sa.BigInteger)
    candidates: Mapped[list[int]] = mapped_column(JSONType)  # request ids, ascending
    result: Mapped[list[int]] = mapped_column(JSONType)  # request ids, winner first
    drawn_by: Mapped[str] = mapped_column(sa.String(100))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class DistrictPolicy(Timestamped, Base):
    """Allocation policy of a district, e.g. a saturated estate offering land for expansion only."""

    __tablename__ = "district_policy"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("district.id"), unique=True)
    expansion_only: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    reservation_hours: Mapped[float | None] = mapped_column(sa.Float)

