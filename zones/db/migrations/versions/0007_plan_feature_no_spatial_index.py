"""Plan features lose their spatial index: every read selects a revision's features by
revision id, never by location, and keeping the index cost each 100k-plot upload ~0.35 s
of the database's time (GiST inserts during COPY; R*Tree triggers on SpatiaLite).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("plan_feature", schema=None) as batch_op:
        batch_op.drop_geospatial_index("idx_plan_feature_geom", postgresql_using="gist",
                                       column_name="geom")
    if op.get_bind().dialect.name == "sqlite":
        # SpatiaLite's DisableSpatialIndex stops maintaining the R*Tree but leaves it.
        op.execute("DROP TABLE IF EXISTS idx_plan_feature_geom")


def downgrade() -> None:
    with op.batch_alter_table("plan_feature", schema=None) as batch_op:
        batch_op.create_geospatial_index("idx_plan_feature_geom", ["geom"], unique=False,
                                         postgresql_using="gist", postgresql_ops={})
