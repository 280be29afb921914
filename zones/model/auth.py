"""Users and roles. Object-level rules (an investor sees its own units) build on ``investor_id``."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from zones.model.base import Base, Timestamped, UTCDateTime, enum_column, utcnow


class Role(enum.StrEnum):
    PUBLIC = "public"
    INVESTOR = "investor"
    CONSULTANT = "consultant"
    STAFF = "staff"
    WORKING_GROUP = "working_group"
    ADMIN = "admin"


class User(Timestamped, Base):
    __tablename__ = "app_user"  # "user" is reserved in PostgreSQL
    __audited__ = True
    __audit_secret__ = frozenset({"password_hash"})

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(100), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    investor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("investor.id"))
    password_hash: Mapped[str | None] = mapped_column(sa.String(300))
    is_active: Mapped[bool] = mapped_column(sa.Boolean, default=True)


class ApiToken(Base):
    """A bearer token for programs and sessions. Only its SHA-256 is stored; revocable."""

    __tablename__ = "api_token"
    __audited__ = True
    __audit_secret__ = frozenset({"token_hash"})

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class LoginFailure(Base):
    """A refused sign-in, kept for the throttle's window (see ``zones.services.users``).

    Stored in the database, not in a process, so every worker of the service counts the
    same failures. Not audited: it holds no decision, only a guess that failed.
    """

    __tablename__ = "login_failure"
    __table_args__ = (sa.Index("ix_login_failure_username_at", "username", "at"),
                      sa.Index("ix_login_failure_address_at", "address", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(150))  # as folded, known user or not
    address: Mapped[str] = mapped_column(sa.String(64))  # the client's IP address
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
