"""Taking a reservation gives its plot's row a new version, whoever writes it.

An approval on PostGIS may write at a glance: one statement whose gate finds the request
and plot rows only while they are the versions an earlier unlocked read saw
(``zones.services.decisions._unchanged_since_look``). A reservation changes no plot
column, so without this trigger a reservation committed in between would go unseen and
the plot would be allocated over it. In the database, not in ``reserve``, so that no
writer — a loader, a script, hand-written SQL — can take a reservation and skip it.
(Reservations are written live and only ever leave that status.)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_POSTGRES = [
    """
    CREATE FUNCTION reservation_touches_plot() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE plot SET updated_at = NEW.created_at WHERE id = NEW.plot_id;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER reservation_touches_plot AFTER INSERT ON reservation
    FOR EACH ROW WHEN (NEW.status = 'live') EXECUTE FUNCTION reservation_touches_plot()
    """,
]
_SQLITE = [
    """
    CREATE TRIGGER reservation_touches_plot AFTER INSERT ON reservation
    FOR EACH ROW WHEN NEW.status = 'live'
    BEGIN
        UPDATE plot SET updated_at = NEW.created_at WHERE id = NEW.plot_id;
    END
    """,
]


def upgrade() -> None:
    for statement in _POSTGRES if op.get_bind().dialect.name == "postgresql" else _SQLITE:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS reservation_touches_plot ON reservation")
        op.execute("DROP FUNCTION IF EXISTS reservation_touches_plot()")
    else:
        op.execute("DROP TRIGGER IF EXISTS reservation_touches_plot")
