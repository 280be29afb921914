"""Plan revisions (LADM Part 5 plan units): a consultant's study plan and its versions.

Only the header lives here for now; the uploads workflow adds features, issues and
decisions.
"""

from __future__ import annotations

import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from zones.model.base import Base, Timestamped, enum_column


class RevisionStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"


class PlanRevision(Timestamped, Base):
    __tablename__ = "plan_revision"
    __audited__ = True
    __table_args__ = (sa.UniqueConstraint("district_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("district.id"), index=True)
    number: Mapped[int] = mapped_column(sa.Integer)
    title: Mapped[str] = mapped_column(sa.String(300))
    status: Mapped[RevisionStatus] = mapped_column(enum_column(RevisionStatus))
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    decision_ref: Mapped[str | None] = mapped_column(sa.String(200))
