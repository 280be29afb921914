"""Point-zero numbers equal direct SQL over the same data; the bank-facility flag."""

from __future__ import annotations

import datetime as dt

import pytest
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


# --- dashboard charts: each figure equals direct SQL over the same data -------------------

# A unit that goes dormant, comes back and goes dormant again (the over-time series must
# count it only in the months it was dormant).
AGAIN = [(UnitStatus.DORMANT, dt.date(2025, 6, 10)), (UnitStatus.OPERATING, dt.date(2025, 10, 5)),
         (UnitStatus.DORMANT, dt.date(2026, 2, 20))]
DECISION_DAYS = {"approved": [3.0, 20.0], "rejected": [10.5]}  # median 10.5


def _was_dormant_again(day: dt.date) -> bool:
    (_, gone), (_, back), (_, again) = AGAIN
    return gone <= day < back or day >= again


def seed_dashboard(session, now: dt.datetime | None = None) -> dict[str, object]:
    """Revival plans with obstacles, a dormant-revived-dormant unit and a request of every
    status (one reserved with a lapsed reservation); commits. Returns what it made."""
    from zones.model import (
        AllocationRequest,
        EnvGroup,
        Investor,
        Plot,
        RequestPurpose,
        RequestStatus,
        RequestStatusChange,
        Reservation,
        ReservationStatus,
    )
    from zones.model.programmes import ObstacleStatus
    from zones.services import requests

    now = now or dt.datetime.now(dt.UTC)
    units = _dormant(session, 4)
    again = session.scalars(sa.select(ProductionUnit).where(
        ProductionUnit.status == UnitStatus.OPERATING).order_by(ProductionUnit.ref.desc())
        .limit(1)).one()
    for to, day in AGAIN:
        change_status(session=session, unit=again, to=to, effective_on=day, reason="آزمون",
                      changed_by_id=None)
    plans = {}
    for unit, kinds in zip([*units, again], [["bank_finance", "mismanagement"],
                                             ["bank_finance"], ["energy"],
                                             ["outdated_technology"],
                                             ["bureaucracy_permits"]], strict=True):
        plan = revival.create_plan(session=session, unit=unit, starts_on=None, ends_on=None,
                                   cooperative=True, cooperation_note=None)
        for kind in kinds:
            obstacle = revival.add_obstacle(session=session, plan=plan, kind_code=kind,
                                            description=None)
        plans[unit.ref] = (plan, obstacle)
    plans[units[2].ref][1].status = ObstacleStatus.RESOLVED  # energy: solved, not counted
    change_status(session=session, unit=units[3], to=UnitStatus.OPERATING,  # plan closes
                  effective_on=dt.date(2026, 7, 15), reason="احیا", changed_by_id=None)

    investor = session.scalars(sa.select(Investor).order_by(Investor.ref)).first()
    plot_ids = session.scalars(sa.select(Plot.id).where(Plot.valid_to.is_(None))
                               .order_by(Plot.id).limit(2)).all()
    S = RequestStatus
    paths = {"r-submitted": [], "r-review": [S.UNDER_REVIEW],
             "r-reserved": [S.UNDER_REVIEW, S.RESERVED], "r-lapsed": [S.UNDER_REVIEW, S.RESERVED],
             "r-approved-1": [S.UNDER_REVIEW, S.APPROVED], "r-approved-2": [S.UNDER_REVIEW,
                                                                            S.APPROVED],
             "r-rejected": [S.REJECTED], "r-withdrawn": [S.WITHDRAWN], "r-expired": [S.EXPIRED]}
    made: dict[str, AllocationRequest] = {}
    for key, path in paths.items():
        request, _ = requests.submit(
            session=session, investor=investor, idempotency_key=key, actor="test",
            open_max=100, data=requests.RequestInput(
                purpose=RequestPurpose.NEW_UNIT, isic4="2511", env_group=EnvGroup.B,
                area_min_m2=1000, area_max_m2=2000))
        for to in path:
            requests.transition(session=session, request=request, to=to, actor="test")
        made[key] = request
    session.flush()
    for key, plot_id, expires in (("r-reserved", plot_ids[0], now + dt.timedelta(days=7)),
                                  ("r-lapsed", plot_ids[1], now - dt.timedelta(days=1))):
        session.add(Reservation(plot_id=plot_id, request_id=made[key].id,
                                status=ReservationStatus.LIVE, expires_at=expires))
    start = now - dt.timedelta(days=60)
    decided = [("r-approved-1", S.APPROVED, DECISION_DAYS["approved"][0]),
               ("r-approved-2", S.APPROVED, DECISION_DAYS["approved"][1]),
               ("r-rejected", S.REJECTED, DECISION_DAYS["rejected"][0])]
    for key, to, days in decided:
        c = RequestStatusChange
        session.execute(sa.update(c).where(c.request_id == made[key].id,
                                           c.to_status == S.SUBMITTED).values(at=start))
        session.execute(sa.update(c).where(c.request_id == made[key].id, c.to_status == to)
                        .values(at=start + dt.timedelta(days=days)))
    session.commit()
    return {"again": again.ref, "units": [u.ref for u in units]}


OBSTACLE_UNITS = sa.text("""
SELECT k.code, count(DISTINCT u.id) FROM obstacle o
JOIN obstacle_kind k ON k.id = o.kind_id
JOIN revival_plan p ON p.id = o.plan_id
JOIN production_unit u ON u.id = p.unit_id
WHERE o.status = 'open' AND p.status <> 'closed' AND u.status = 'dormant'
GROUP BY k.code
""")
WITHOUT_PLAN = sa.text("""
SELECT count(*) FROM production_unit u WHERE u.status = 'dormant' AND NOT EXISTS
  (SELECT 1 FROM revival_plan p WHERE p.unit_id = u.id AND p.status <> 'closed')
""")
SHOWN_STATUS = sa.text("""
SELECT CASE WHEN r.status = 'reserved' AND NOT EXISTS (
         SELECT 1 FROM reservation s WHERE s.request_id = r.id AND s.status = 'live'
         AND s.expires_at > :now) THEN 'expired' ELSE r.status END AS shown, count(*)
FROM allocation_request r GROUP BY 1
""")
FIRST_AT = sa.text("""
SELECT request_id, min(at) FROM request_status_change WHERE to_status IN :to
GROUP BY request_id
""").bindparams(sa.bindparam("to", expanding=True))
READINESS = sa.text("""
SELECT a.network, a.status, count(*),
       sum(CASE WHEN GeometryType(a.geom) LIKE '%LINESTRING%'
           THEN ST_Length(ST_Transform(a.geom, :srid)) ELSE 0 END)
FROM infrastructure_asset a JOIN district d ON d.id = a.district_id
WHERE d.code = :district GROUP BY a.network, a.status
""")


def direct_dormant_on(session, days: list[dt.date]) -> dict[dt.date, int]:
    return {d: session.execute(DORMANT_ON, {"day": d}).scalar() for d in days}


def direct_obstacles(session) -> tuple[dict[str, int], int]:
    return dict(session.execute(OBSTACLE_UNITS).all()), session.execute(WITHOUT_PLAN).scalar()


def direct_pipeline(session, now: dt.datetime) -> tuple[dict[str, int], float | None]:
    import statistics as stdlib_statistics

    naive = now.astimezone(dt.UTC).replace(tzinfo=None)
    counts = dict(session.execute(SHOWN_STATUS, {"now": naive}).all())

    def at(value) -> dt.datetime:
        return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)

    submitted = {r: at(a) for r, a in session.execute(FIRST_AT, {"to": ["submitted"]})}
    days = [(at(a) - submitted[r]).total_seconds() / 86_400
            for r, a in session.execute(FIRST_AT, {"to": ["approved", "rejected"]})]
    return counts, (stdlib_statistics.median(days) if days else None)


def direct_readiness(session, district: str) -> dict[tuple[str, str], tuple[int, float]]:
    from zones.model import Zone

    srid = session.scalar(sa.select(Zone.metric_srid).limit(1))
    return {(n, s): (c, float(m or 0)) for n, s, c, m in
            session.execute(READINESS, {"srid": srid, "district": district})}


def test_dormancy_over_time_counts_a_unit_dormant_revived_and_dormant_again(
        demo_session) -> None:
    from zones.services.statistics import dormancy

    days = revival.month_ends(TODAY, 24)
    before = direct_dormant_on(demo_session, days)
    made = seed_dashboard(demo_session)
    found = dormancy(demo_session, today=TODAY)
    series = {p.day: p.dormant for p in found.over_time}
    assert list(series) == days and len(days) == 24 and days[0] == dt.date(2024, 12, 31)
    assert series == direct_dormant_on(demo_session, days)
    revived_on = dt.date(2026, 7, 15)  # the fourth dormant unit came back then
    for day in days:
        expected = before[day] + _was_dormant_again(day) - (day >= revived_on)
        assert series[day] == expected, (day, made["again"])
    assert series[dt.date(2025, 9, 30)] == before[dt.date(2025, 9, 30)] + 1
    assert series[dt.date(2025, 12, 31)] == before[dt.date(2025, 12, 31)]
    assert found.dormant_now == demo_session.execute(sa.text(
        "SELECT count(*) FROM production_unit WHERE status = 'dormant'")).scalar()


def test_dormant_units_by_obstacle_equal_direct_sql(demo_session) -> None:
    from zones.services.statistics import dormancy_obstacles

    seed_dashboard(demo_session)
    found = dormancy_obstacles(demo_session, today=TODAY)
    counts, without = direct_obstacles(demo_session)
    by_kind = {o.kind: o.units for o in found.by_obstacle}
    assert {k: n for k, n in by_kind.items() if n} == counts
    assert counts == {"bank_finance": 2, "mismanagement": 1, "bureaucracy_permits": 1}
    assert found.without_plan == without
    assert len(by_kind) == demo_session.execute(sa.text(
        "SELECT count(*) FROM obstacle_kind WHERE active")).scalar()
    assert by_kind["energy"] == 0 and by_kind["outdated_technology"] == 0  # solved; revived


def test_district_3_readiness_equals_direct_sql(demo_session) -> None:
    from zones.services.statistics import WORK_STATUSES, readiness

    found = readiness(demo_session, "D3")
    direct = direct_readiness(demo_session, "D3")
    assert {n.network for n in found.networks} == {n for n, _ in direct}
    for n in found.networks:
        for status in WORK_STATUSES:
            count, length = direct.get((n.network, status), (0, 0.0))
            assert n.assets_by_status[status] == count, (n.network, status)
            assert abs(n.length_by_status[status] - length) <= max(1.0, length * 1e-3)
        assert abs(sum(n.length_by_status.values()) - n.length_m) < 1.0
        if n.length_m:
            assert n.share_length == round(n.length_by_status["complete"] / n.length_m, 4)
            assert sum(n.length_shares.values()) == pytest.approx(1.0)
    assert any(n.length_by_status["under_construction"] for n in found.networks)


def test_pipeline_equals_direct_sql(demo_session) -> None:
    from zones.services.statistics import PIPELINE, pipeline

    now = dt.datetime.now(dt.UTC)
    seed_dashboard(demo_session, now)
    found = pipeline(demo_session, now=now)
    counts, median_days = direct_pipeline(demo_session, now)
    assert found.by_status == {s: counts.get(s, 0) for s in PIPELINE}
    assert found.by_status["reserved"] == 1 and found.by_status["expired"] == 2  # one lapsed
    assert found.by_status["approved"] == 2 and found.total == sum(counts.values())
    assert found.decided == 3
    assert found.median_days_to_decision == pytest.approx(median_days, abs=0.01)
    assert median_days == pytest.approx(10.5, abs=0.01)
