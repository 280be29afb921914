"""Point-zero numbers equal direct SQL over the same data; the bank-facility flag."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from zones.model import (
    BankFacility,
    FacilityStatus,
    OutputReport,
    ProductionUnit,
    UnitStatus,
)
from zones.services import revival
from zones.services.facilities import flagged_facilities
from zones.services.unit_registry import change_status

TODAY = dt.date(2026, 11, 28)


def _dormant(session, n: int) -> list[ProductionUnit]:
    return session.scalars(sa.select(ProductionUnit).where(
        ProductionUnit.status == UnitStatus.DORMANT).order_by(ProductionUnit.ref).limit(n)).all()


def _fill(session) -> None:
    """Three plans with obstacles and actions, one reactivation, one unit going dormant."""
    units = _dormant(session, 3)
    kinds = ["bank_finance", "energy", "bank_finance"]
    for i, (unit, kind) in enumerate(zip(units, kinds, strict=True)):
        plan = revival.create_plan(session=session, unit=unit, starts_on=None, ends_on=None,
                                   cooperative=True, cooperation_note=None)
        revival.update_plan(session=session, plan=plan,
                            changes={"status": revival.PlanStatus.ACTIVE})
        obstacle = revival.add_obstacle(session=session, plan=plan, kind_code=kind,
                                        description=None)
        for agency, days in (("بانک ملی", -20 - i), ("اداره برق", 15), ("بانک ملی", -3)):
            revival.add_action(session=session, obstacle=obstacle, agency=agency,
                               representative=None, due_on=TODAY + dt.timedelta(days=days),
                               notes=None)
    change_status(session=session, unit=units[2], to=UnitStatus.OPERATING,
                  effective_on=dt.date(2026, 7, 15), reason="احیا", changed_by_id=None)
    operating = session.scalar(sa.select(ProductionUnit).where(
        ProductionUnit.status == UnitStatus.OPERATING).order_by(ProductionUnit.ref).limit(1))
    change_status(session=session, unit=operating, to=UnitStatus.DORMANT,
                  effective_on=dt.date(2026, 9, 1), reason="توقف", changed_by_id=None)
    session.commit()


DORMANT_ON = sa.text("""
SELECT count(*) FROM production_unit u WHERE
  (SELECT c.to_status FROM unit_status_change c
    WHERE c.unit_id = u.id AND c.effective_on <= :day
    ORDER BY c.effective_on DESC, c.id DESC LIMIT 1) = 'dormant'
  OR (NOT EXISTS (SELECT 1 FROM unit_status_change c WHERE c.unit_id = u.id)
      AND u.status = 'dormant' AND u.status_since <= :day)
""")
BY_KIND = sa.text("""
SELECT k.code, count(o.id) FROM obstacle_kind k
LEFT JOIN obstacle o ON o.kind_id = k.id AND o.status = 'open'
  AND o.plan_id IN (SELECT id FROM revival_plan WHERE status <> 'closed')
GROUP BY k.code ORDER BY k.code
""")
BY_AGENCY = sa.text("""
SELECT a.agency, count(*), sum(CASE WHEN a.due_on < :today THEN 1 ELSE 0 END)
FROM revival_action a JOIN obstacle o ON o.id = a.obstacle_id
JOIN revival_plan p ON p.id = o.plan_id
WHERE p.status <> 'closed' AND a.status IN ('open', 'in_progress')
GROUP BY a.agency ORDER BY a.agency
""")


def test_point_zero_equals_direct_sql(demo_session) -> None:
    _fill(demo_session)
    numbers = revival.point_zero(session=demo_session, today=TODAY, months=12)
    sql = demo_session.execute
    assert numbers["dormant_now"] == sql(sa.text(
        "SELECT count(*) FROM production_unit WHERE status = 'dormant'")).scalar()
    over_time = {p["date"]: p["dormant"] for p in numbers["dormant_over_time"]}
    assert len(over_time) == 12 and max(over_time) == TODAY
    assert over_time == {d: sql(DORMANT_ON, {"day": d}).scalar() for d in over_time}
    before = over_time[dt.date(2026, 6, 30)]  # the reactivation, then a new dormancy
    assert (over_time[dt.date(2026, 7, 31)], over_time[TODAY]) == (before - 1, before)
    assert [(k["kind"], k["open"]) for k in numbers["by_obstacle"]] == [
        tuple(r) for r in sql(BY_KIND)]
    assert sum(k["open"] for k in numbers["by_obstacle"]) == 2  # one plan closed
    agencies = [(a["agency"], a["unfinished"], a["overdue"]) for a in numbers["by_agency"]]
    assert agencies == [(a, n, int(o)) for a, n, o in sql(BY_AGENCY, {"today": TODAY})]
    assert numbers["overdue_actions"] == 4
    assert numbers["overdue_actions"] == len(revival.overdue_actions(session=demo_session,
                                                                     today=TODAY))
    assert numbers["outcomes"]["reactivated"] == 1 and numbers["plans"]["active"] == 2


def _drawn(session, status: UnitStatus) -> tuple[BankFacility, ProductionUnit]:
    return session.execute(
        sa.select(BankFacility, ProductionUnit).join(ProductionUnit)
        .where(ProductionUnit.status == status, BankFacility.disbursed_rial > 0,
               BankFacility.status != FacilityStatus.SETTLED)
        .order_by(BankFacility.id).limit(1)).one()


def _flags(session) -> dict[int, str]:
    return {f.facility.id: f.reason
            for f in flagged_facilities(session=session, as_of=TODAY, window_months=12)}


def test_facility_flag(demo_session) -> None:
    s = demo_session
    dormant, _ = _drawn(s, UnitStatus.DORMANT)
    busy, unit = _drawn(s, UnitStatus.OPERATING)
    flags = _flags(s)
    assert flags[dormant.id] == "dormant"
    assert flags[busy.id] == "no_reported_output"
    s.add(OutputReport(unit_id=unit.id, period_start=dt.date(2025, 1, 1),
                       period_end=dt.date(2025, 6, 30), output=500, unit_of_measure="t"))
    s.add(OutputReport(unit_id=unit.id, period_start=dt.date(2026, 1, 1),
                       period_end=dt.date(2026, 6, 30), output=0, unit_of_measure="t"))
    s.flush()
    assert _flags(s)[busy.id] == "no_reported_output"  # old output, then none
    s.add(OutputReport(unit_id=unit.id, period_start=dt.date(2026, 7, 1),
                       period_end=dt.date(2026, 9, 30), output=120, unit_of_measure="t"))
    s.flush()
    assert busy.id not in _flags(s)
    dormant.status = FacilityStatus.SETTLED
    s.flush()
    assert dormant.id not in _flags(s)
    expected = s.execute(sa.text(
        "SELECT count(*) FROM bank_facility f JOIN production_unit u ON u.id = f.unit_id "
        "WHERE f.disbursed_rial > 0 AND f.status <> 'settled' AND (u.status = 'dormant' OR "
        "NOT EXISTS (SELECT 1 FROM output_report r WHERE r.unit_id = u.id AND r.output > 0 "
        "AND r.period_end <= :today AND r.period_end >= :since))"),
        {"today": TODAY, "since": dt.date(2025, 11, 28)}).scalar()
    assert len(_flags(s)) == expected


def test_investor_sees_only_own_flagged_facilities(world, as_user) -> None:
    staff, inv = as_user("staff"), as_user("inv")
    everyone = staff("GET", "/facilities/flagged")
    mine = inv("GET", "/facilities/flagged")
    assert {f["unit"] for f in mine} <= world["units"][world["own"]]
    assert [f for f in everyone if f["unit"] in world["units"][world["own"]]] == mine
    assert len(everyone) > len(mine)
    as_user("cons")("GET", "/facilities/flagged", 403)
