"""Audit trail: one event per state change, with who, when, what and before/after values."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from zones.model.base import Base, JSONType, UTCDateTime, enum_column, utcnow


class AuditAction(enum.StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


class AuditEvent(Base):
    __tablename__ = "audit_event"
    __table_args__ = (sa.Index("ix_audit_event_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    actor: Mapped[str] = mapped_column(sa.String(100))  # username or "system:<process>"
    action: Mapped[AuditAction] = mapped_column(enum_column(AuditAction))
    entity: Mapped[str] = mapped_column(sa.String(64))
    entity_id: Mapped[int] = mapped_column(sa.Integer)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    reason: Mapped[str | None] = mapped_column(sa.String(1000))
