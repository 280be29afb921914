"""Revival plan and action lifecycle, escalation of overdue actions, reactivation."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from tests.units.conftest import dormant_unit
from zones.model import AuditEvent, ProductionUnit, UnitStatus, UnitStatusChange

TODAY = dt.datetime.now(dt.UTC).date()


def _plan_with_action(staff, ref: str, due: dt.date) -> tuple[int, int]:
    staff("POST", f"/units/{ref}/revival-plan", 201,
          json={"starts_on": "2026-01-01", "ends_on": "2026-12-31", "cooperative": True})
    staff("PATCH", f"/units/{ref}/revival-plan", json={"status": "active"})
    plan = staff("POST", f"/units/{ref}/revival-plan/obstacles", 201,
                 json={"kind": "bank_finance", "description": "وام معوق"})
    obstacle = plan["obstacles"][0]["id"]
    action = staff("POST", f"/revival/obstacles/{obstacle}/actions", 201,
                   json={"agency": "بانک ملي", "representative": "آقای رضایی",
                         "due_on": due.isoformat()})
    return obstacle, action["id"]


def test_plan_lifecycle_and_reactivation_closes_plan(world, db, as_user) -> None:
    staff = as_user("staff")
    unit = dormant_unit(db, world["own"])
    obstacle, action = _plan_with_action(staff, unit.ref, TODAY + dt.timedelta(days=30))
    plan = staff("GET", f"/units/{unit.ref}/revival-plan")
    assert plan["status"] == "active"
    assert plan["obstacles"][0]["kind_fa"] == "بانک و تأمین مالی"
    got = plan["obstacles"][0]["actions"][0]
    assert got["agency"] == "بانک ملی"  # Arabic yeh normalised
    assert got["due_on_jalali"].count("/") == 2 and got["overdue"] is False
    staff("PATCH", f"/revival/actions/{action}", json={"status": "in_progress"})
    assert staff("PATCH", f"/revival/actions/{action}", json={"status": "done"})["done_on"]
    refused = staff("PATCH", f"/revival/actions/{action}", 409, json={"status": "open"})
    assert refused["code"] == "revival_transition_forbidden"
    staff("PATCH", f"/revival/obstacles/{obstacle}", json={"status": "resolved"})

    closed = staff("POST", f"/units/{unit.ref}/revival-plan/outcome",
                   json={"outcome": "reactivated", "on": "2026-10-01",
                         "reason": "خط تولید راه افتاد"})
    assert (closed["status"], closed["outcome"], closed["outcome_on"]) == (
        "closed", "reactivated", "2026-10-01")
    db.expire_all()
    assert db.get(ProductionUnit, unit.id).status is UnitStatus.OPERATING
    history = db.scalars(sa.select(UnitStatusChange).where(UnitStatusChange.unit_id == unit.id)
                         .order_by(UnitStatusChange.id)).all()
    assert [(h.from_status, h.to_status) for h in history] == [
        (None, UnitStatus.DORMANT), (UnitStatus.DORMANT, UnitStatus.OPERATING)]
    assert history[-1].changed_by_id is not None
    # A closed plan takes no more obstacles, and a second plan is refused.
    assert staff("POST", f"/units/{unit.ref}/revival-plan/obstacles", 409,
                 json={"kind": "energy"})["code"] == "revival_transition_forbidden"
    assert db.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                     .where(AuditEvent.entity == "revival_action")) >= 3


def test_plan_refusals(world, db, as_user) -> None:
    staff = as_user("staff")
    unit = dormant_unit(db, world["own"])
    operating = db.scalar(sa.select(ProductionUnit.ref)
                          .where(ProductionUnit.status == UnitStatus.OPERATING).limit(1))
    db.commit()
    assert staff("POST", f"/units/{operating}/revival-plan", 409,
                 json={})["code"] == "unit_not_dormant"
    staff("POST", f"/units/{unit.ref}/revival-plan", 201, json={})
    assert staff("POST", f"/units/{unit.ref}/revival-plan", 409,
                 json={})["code"] == "revival_plan_exists"
    assert staff("POST", f"/units/{unit.ref}/revival-plan/obstacles", 400,
                 json={"kind": "aliens"})["code"] == "invalid_input"
    # Closing a draft is refused; server-controlled fields cannot be sent.
    assert staff("POST", f"/units/{unit.ref}/revival-plan/outcome", 409,
                 json={"outcome": "cannot_return", "on": "2026-01-01"}
                 )["code"] == "revival_transition_forbidden"
    staff("PATCH", f"/units/{unit.ref}/revival-plan", 422, json={"outcome": "reactivated"})
    staff("PATCH", f"/units/{unit.ref}/revival-plan", 422, json={"status": "closed"})
    assert staff("PATCH", f"/units/{unit.ref}/revival-plan", 400,
                 json={"starts_on": "2026-05-01", "ends_on": "2026-01-01"}
                 )["code"] == "invalid_input"


def test_overdue_actions_escalate(world, db, as_user) -> None:
    staff, wg = as_user("staff"), as_user("wg")
    unit = dormant_unit(db, world["own"])
    _, late = _plan_with_action(staff, unit.ref, TODAY - dt.timedelta(days=10))
    obstacle = staff("GET", f"/units/{unit.ref}/revival-plan")["obstacles"][0]["id"]
    on_time = staff("POST", f"/revival/obstacles/{obstacle}/actions", 201,
                    json={"agency": "اداره برق", "due_on": (TODAY + dt.timedelta(days=5))
                          .isoformat()})["id"]
    later = staff("POST", f"/revival/obstacles/{obstacle}/actions", 201,
                  json={"agency": "اداره برق", "due_on": (TODAY - dt.timedelta(days=40))
                        .isoformat()})["id"]
    staff("PATCH", f"/revival/actions/{later}", json={"status": "in_progress"})
    rows = wg("GET", "/revival/overdue")
    assert [(r["id"], r["days_overdue"]) for r in rows] == [(later, 40), (late, 10)]
    assert on_time not in {r["id"] for r in rows}
    staff("PATCH", f"/revival/actions/{late}", json={"status": "done"})
    assert [r["id"] for r in wg("GET", "/revival/overdue")] == [later]
    page = staff("GET", "/revival/point-zero.html")
    assert 'dir="rtl"' in page.text and "اداره برق" in page.text and "http" not in page.text.split(
        "<body")[0].replace('href="?lang', "")
    english = staff("GET", "/revival/point-zero.html?lang=en")
    assert 'dir="ltr"' in english.text and "Overdue actions" in english.text
