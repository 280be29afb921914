"""Every state change of an audited table leaves an event: who, when, what, before/after."""

from __future__ import annotations

import sqlalchemy as sa

from tests.common import PLOT_A, make_zone
from zones.model import AuditAction, AuditEvent, PlotStatus
from zones.services.plots import create_plot


def _events(session, entity: str, entity_id: int) -> list[AuditEvent]:
    return session.scalars(sa.select(AuditEvent).where(
        AuditEvent.entity == entity, AuditEvent.entity_id == entity_id)
        .order_by(AuditEvent.id)).all()


def test_create_and_status_change_are_audited_with_actor(session) -> None:
    district = make_zone(session)
    session.info["actor"] = "staff:maryam"
    plot = create_plot(session=session, district=district, code="۱۲", geometry=PLOT_A)
    session.commit()
    plot.status = PlotStatus.SERVICED
    session.commit()

    created, changed = _events(session, "plot", plot.id)
    assert created.action is AuditAction.CREATE
    assert created.actor == "staff:maryam"
    assert created.after["code"] == "12"
    assert created.after["geom"].startswith("POLYGON")
    assert changed.action is AuditAction.UPDATE
    assert changed.before == {"status": "planned"}
    assert changed.after == {"status": "serviced"}


def test_rolled_back_change_leaves_no_event(session) -> None:
    district = make_zone(session)
    plot = create_plot(session=session, district=district, code="1", geometry=PLOT_A)
    session.commit()
    plot.status = PlotStatus.RESERVED
    session.flush()
    session.rollback()
    assert [e.action for e in _events(session, "plot", plot.id)] == [AuditAction.CREATE]


def test_delete_is_audited_with_the_last_state(session) -> None:
    district = make_zone(session)
    plot = create_plot(session=session, district=district, code="1", geometry=PLOT_A)
    session.commit()
    plot_id = plot.id
    session.delete(plot)
    session.commit()
    deleted = _events(session, "plot", plot_id)[-1]
    assert deleted.action is AuditAction.DELETE
    assert deleted.before["code"] == "1"
