"""Planning scenarios: expansion layouts, serviceability, customs siting (issue 8).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "planning_scenario",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("layout", "serviceability", "siting", name="scenariokind",
                    native_enum=False, create_constraint=True, length=32),
            nullable=False,
        ),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("inputs", _JSON, nullable=False),
        sa.Column("results", _JSON, nullable=False),
        sa.Column("plan_revision_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["district_id"], ["district.id"],
                                name=op.f("fk_planning_scenario_district_id_district")),
        sa.ForeignKeyConstraint(["plan_revision_id"], ["plan_revision.id"],
                                name=op.f("fk_planning_scenario_plan_revision_id_plan_revision")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_planning_scenario")),
    )
    with op.batch_alter_table("planning_scenario", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_planning_scenario_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_planning_scenario_district_id"), ["district_id"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("planning_scenario", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_planning_scenario_district_id"))
        batch_op.drop_index(batch_op.f("ix_planning_scenario_kind"))
    op.drop_table("planning_scenario")
