"""Consultant uploads: plan revision files, validation reports, plan features (issue 3).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry, alembic_helpers  # noqa: F401 - registers geospatial ops
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_USER_FKS = ("uploaded_by_id", "decided_by_id")


def upgrade() -> None:
    # Adding foreign keys makes SQLite rebuild the table (batch mode); PostGIS alters it.
    with op.batch_alter_table("plan_revision", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source", sa.String(length=32), nullable=False,
                                      server_default="upload"))
        batch_op.add_column(sa.Column("original_filename", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("stored_path", sa.String(length=1000), nullable=True))
        batch_op.add_column(sa.Column("checksum", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("dedupe_key", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("file_format", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("mapping", _JSON, nullable=False, server_default="{}"))
        batch_op.add_column(sa.Column("report", _JSON, nullable=True))
        batch_op.add_column(sa.Column("error_count", sa.Integer(), nullable=False,
                                      server_default="0"))
        batch_op.add_column(sa.Column("warning_count", sa.Integer(), nullable=False,
                                      server_default="0"))
        batch_op.add_column(sa.Column("uploaded_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("submitted_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("decided_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("decided_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("comments", sa.String(length=4000), nullable=True))
        for column in _USER_FKS:
            batch_op.create_foreign_key(
                batch_op.f(f"fk_plan_revision_{column}_app_user"), "app_user", [column], ["id"])
        batch_op.create_unique_constraint(
            batch_op.f("uq_plan_revision_district_id_dedupe_key"), ["district_id", "dedupe_key"])
        batch_op.create_index(batch_op.f("ix_plan_revision_checksum"), ["checksum"], unique=False)
        batch_op.create_index(batch_op.f("ix_plan_revision_uploaded_by_id"), ["uploaded_by_id"],
                              unique=False)
    # Server defaults only filled existing rows; the model sets these values itself.
    with op.batch_alter_table("plan_revision", schema=None) as batch_op:
        for column in ("source", "mapping", "error_count", "warning_count"):
            batch_op.alter_column(column, server_default=None)

    op.create_geospatial_table(
        "plan_feature",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum("plots", "roads", "utilities", "customs_site", "boundary", name="layerrole",
                    native_enum=False, create_constraint=True, length=32),
            nullable=False,
        ),
        sa.Column("code", sa.String(length=64), nullable=True),
        sa.Column("code_key", sa.String(length=64), nullable=True),
        sa.Column("land_use", sa.String(length=32), nullable=True),
        sa.Column("name_fa", sa.String(length=200), nullable=True),
        sa.Column("name_en", sa.String(length=200), nullable=True),
        sa.Column("env_group", sa.String(length=8), nullable=True),
        sa.Column("network", sa.String(length=32), nullable=True),
        sa.Column(
            "geom",
            Geometry(srid=4326, dimension=2, spatial_index=False, from_text="ST_GeomFromEWKT",
                     name="geometry", nullable=False),
            nullable=False,
        ),
        sa.Column("area_m2", sa.Float(), nullable=True),
        sa.Column("source_index", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["revision_id"], ["plan_revision.id"],
                                name=op.f("fk_plan_feature_revision_id_plan_revision")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_feature")),
    )
    with op.batch_alter_table("plan_feature", schema=None) as batch_op:
        batch_op.create_geospatial_index("idx_plan_feature_geom", ["geom"], unique=False,
                                         postgresql_using="gist", postgresql_ops={})
        batch_op.create_index(batch_op.f("ix_plan_feature_revision_id"), ["revision_id"],
                              unique=False)

    op.create_table(
        "upload_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column(
            "status",
            sa.Enum("queued", "running", "succeeded", "failed", name="jobstatus",
                    native_enum=False, create_constraint=True, length=32),
            nullable=False,
        ),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("message", sa.String(length=1000), nullable=True),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=300), nullable=True),
        sa.Column("revision_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("error_detail", sa.String(length=2000), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("progress >= 0 AND progress <= 100",
                           name=op.f("ck_upload_job_progress_range")),
        sa.ForeignKeyConstraint(["created_by_id"], ["app_user.id"],
                                name=op.f("fk_upload_job_created_by_id_app_user")),
        sa.ForeignKeyConstraint(["district_id"], ["district.id"],
                                name=op.f("fk_upload_job_district_id_district")),
        sa.ForeignKeyConstraint(["revision_id"], ["plan_revision.id"],
                                name=op.f("fk_upload_job_revision_id_plan_revision")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_upload_job")),
    )
    with op.batch_alter_table("upload_job", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_upload_job_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_upload_job_created_by_id"), ["created_by_id"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("upload_job", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_upload_job_created_by_id"))
        batch_op.drop_index(batch_op.f("ix_upload_job_status"))
    op.drop_table("upload_job")
    with op.batch_alter_table("plan_feature", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_feature_revision_id"))
        batch_op.drop_geospatial_index("idx_plan_feature_geom", postgresql_using="gist",
                                       column_name="geom")
    op.drop_geospatial_table("plan_feature")
    with op.batch_alter_table("plan_revision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_revision_uploaded_by_id"))
        batch_op.drop_index(batch_op.f("ix_plan_revision_checksum"))
        batch_op.drop_constraint(batch_op.f("uq_plan_revision_district_id_dedupe_key"),
                                 type_="unique")
        for column in _USER_FKS:
            batch_op.drop_constraint(batch_op.f(f"fk_plan_revision_{column}_app_user"),
                                     type_="foreignkey")
        for column in ("comments", "decided_at", "decided_by_id", "submitted_at",
                       "uploaded_by_id", "warning_count", "error_count", "report", "mapping",
                       "file_format", "dedupe_key", "checksum", "stored_path",
                       "original_filename", "source"):
            batch_op.drop_column(column)
