"""Drop the trigger that made a reservation rewrite its plot's row.

Migration 0009 added it for an approval path that wrote without locking, guarded by
the row versions an earlier read saw. Decisions now lock the request and plot rows and
read reservations after the lock, so nothing needs a reservation to touch its plot.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS reservation_touches_plot ON reservation")
        op.execute("DROP FUNCTION IF EXISTS reservation_touches_plot()")
    else:
        op.execute("DROP TRIGGER IF EXISTS reservation_touches_plot")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION reservation_touches_plot() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                UPDATE plot SET updated_at = NEW.created_at WHERE id = NEW.plot_id;
                RETURN NULL;
            END
            $$""")
        op.execute("""
            CREATE TRIGGER reservation_touches_plot AFTER INSERT ON reservation
            FOR EACH ROW WHEN (NEW.status = 'live') EXECUTE FUNCTION reservation_touches_plot()""")
    else:
        op.execute("""
            CREATE TRIGGER reservation_touches_plot AFTER INSERT ON reservation
            FOR EACH ROW WHEN NEW.status = 'live'
            BEGIN
                UPDATE plot SET updated_at = NEW.created_at WHERE id = NEW.plot_id;
            END""")
