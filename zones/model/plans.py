"""Plan revisions (LADM Part 5 plan units): a consultant's study plan, its versions and jobs.

A revision is one upload (or one generated layout) of a district's plan: the original
file is kept under ``settings.upload_dir`` named by its SHA-256, its features live in
:class:`PlanFeature` until approval publishes them as plots and infrastructure, and the
validation report is stored with it. Status: draft → submitted → approved | rejected;
an approved revision becomes superseded when the next one is approved.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from zones.model.base import Base, JSONType, Timestamped, UTCDateTime, enum_column, geometry
from zones.uploads.contract import LayerRole


class RevisionStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"


class PlanRevision(Timestamped, Base):
    __tablename__ = "plan_revision"
    __audited__ = True
    # The report can be megabytes and never changes once stored: the audit trail records
    # that it was set (redacted), not a second copy.
    __audit_secret__ = frozenset({"report"})
    __table_args__ = (
        sa.UniqueConstraint("district_id", "number"),
        # The same file with the same mapping for the same district is one revision;
        # the constraint makes that true when two uploads race.
        sa.UniqueConstraint("district_id", "dedupe_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("district.id"), index=True)
    number: Mapped[int] = mapped_column(sa.Integer)
    title: Mapped[str] = mapped_column(sa.String(300))
    status: Mapped[RevisionStatus] = mapped_column(enum_column(RevisionStatus))
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    decision_ref: Mapped[str | None] = mapped_column(sa.String(200))
    source: Mapped[str] = mapped_column(sa.String(32), default="upload")  # upload | layout
    original_filename: Mapped[str | None] = mapped_column(sa.String(300))
    stored_path: Mapped[str | None] = mapped_column(sa.String(1000))
    checksum: Mapped[str | None] = mapped_column(sa.String(64), index=True)  # SHA-256 hex
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(64))  # SHA-256 of file + mapping
    file_format: Mapped[str | None] = mapped_column(sa.String(32))
    mapping: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    report: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    error_count: Mapped[int] = mapped_column(sa.Integer, default=0)
    warning_count: Mapped[int] = mapped_column(sa.Integer, default=0)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"), index=True)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    comments: Mapped[str | None] = mapped_column(sa.String(4000))


class PlanFeature(Base):
    """One feature of a revision (plot, road, utility, customs site, boundary), as uploaded.

    Not audited: a revision's features never change after they are stored (a new upload
    is a new revision), and the revision row itself is audited.
    """

    __tablename__ = "plan_feature"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(sa.ForeignKey("plan_revision.id"), index=True)
    role: Mapped[LayerRole] = mapped_column(enum_column(LayerRole))
    code: Mapped[str | None] = mapped_column(sa.String(64))
    code_key: Mapped[str | None] = mapped_column(sa.String(64))  # normalised and folded
    land_use: Mapped[str | None] = mapped_column(sa.String(32))
    name_fa: Mapped[str | None] = mapped_column(sa.String(200))
    name_en: Mapped[str | None] = mapped_column(sa.String(200))
    env_group: Mapped[str | None] = mapped_column(sa.String(8))
    network: Mapped[str | None] = mapped_column(sa.String(32))
    # No spatial index: features are only ever read by revision (migration 0007).
    geom = mapped_column(geometry("GEOMETRY", spatial_index=False), nullable=False)
    area_m2: Mapped[float | None] = mapped_column(sa.Float)  # metric CRS; polygons only
    source_index: Mapped[int | None] = mapped_column(sa.Integer)


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class UploadJob(Timestamped, Base):
    """A background upload: progress 0–100 for the page and API; a failure keeps its code.

    Not audited: progress is rewritten many times; the revision it creates is audited.
    """

    __tablename__ = "upload_job"
    __table_args__ = (sa.CheckConstraint("progress >= 0 AND progress <= 100",
                                         name="progress_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(32), default="upload")
    status: Mapped[JobStatus] = mapped_column(enum_column(JobStatus), index=True)
    progress: Mapped[int] = mapped_column(sa.Integer, default=0)
    message: Mapped[str | None] = mapped_column(sa.String(1000))
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("district.id"))
    filename: Mapped[str | None] = mapped_column(sa.String(300))
    revision_id: Mapped[int | None] = mapped_column(sa.ForeignKey("plan_revision.id"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"), index=True)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    error_code: Mapped[str | None] = mapped_column(sa.String(64))
    error_detail: Mapped[str | None] = mapped_column(sa.String(2000))
    # The problem's extension members: file, layer, feature index or row, limit…
    error_extra: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    # The process running the job (zones.uploads.receiving.ProcessId): at start-up, a
    # queued/running job whose owner is gone was interrupted and is marked failed.
    owner: Mapped[str | None] = mapped_column(sa.String(100))
