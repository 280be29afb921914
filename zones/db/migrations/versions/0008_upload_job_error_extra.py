"""A failed upload job keeps its problem's extension members (file, layer, feature, row).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("upload_job", schema=None) as batch_op:
        batch_op.add_column(sa.Column("error_extra", _JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("upload_job", schema=None) as batch_op:
        batch_op.drop_column("error_extra")
