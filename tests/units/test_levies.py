"""Levies against hand-worked examples (two tariff versions, grace period), the ledger,
and who may see and issue them.

The worked example (also in docs/units.md): a 2,000 m² plot appraised at 5,000,000
rial/m² (10,000,000,000 rial) until 2025-06-01, then 6,000,000 (12,000,000,000); the unit
is dormant since 2021-06-01 (Jalali 1400: idle year 1) and its plan closed as
``cannot_return`` on 2023-09-23.

* v1 from 2020-03-20: 1 % from idle year 1, 2 % from year 3, 4 % from year 5; grace 6
  months; terminate after 5 years. v2 from 2025-03-21: 2 % from year 1, 5 % from year 3;
  grace 3 months; terminate after 4 years.
* 1402 (2023-03-21 … 2024-03-19): v1; charging starts 2024-03-23, after the year: none.
* 1403 (2024-03-20 … 2025-03-20, 366 days): v1; idle year 4 → 2 %; charged 2024-03-23 …
  2025-03-20 = 363 days: 10e9 × 0.02 × 363/366 = 198,360,655.7 → 198,360,656 rial.
* 1404 (2025-03-21 … 2026-03-20, 365 days): v2; idle year 5 → 5 %; the whole year; the
  latest appraisal by year end is 6,000,000/m²: 12e9 × 0.05 = 600,000,000 rial; idle
  year 5 > 4 → recommend terminating.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from tests.units.conftest import dormant_unit
from zones.model import Allocation, AllocationStatus, AuditEvent, District, Plot

V1 = {"valid_from": "2020-03-20", "grace_months": 6, "terminate_after_years": 5,
      "schedule": [{"from_year": 1, "share": 0.01}, {"from_year": 3, "share": 0.02},
                   {"from_year": 5, "share": 0.04}]}
V2 = {"valid_from": "2025-03-21", "grace_months": 3, "terminate_after_years": 4,
      "schedule": [{"from_year": 1, "share": 0.02}, {"from_year": 3, "share": 0.05}]}


def _liable_unit(db, staff, investor_ref: str) -> str:
    """The investor's dormant unit on a 2,000 m² appraised plot, plan closed cannot_return."""
    unit = dormant_unit(db, investor_ref)
    db.add(unit)
    unit.status_since = dt.date(2021, 6, 1)
    plot = db.scalar(sa.select(Plot).join(Allocation, Allocation.plot_id == Plot.id)
                     .where(Allocation.unit_id == unit.id,
                            Allocation.status == AllocationStatus.ACTIVE))
    plot.area_m2 = 2000.0
    district = db.get(District, plot.district_id).code
    code = plot.code
    db.commit()
    for on, rate in (("2022-01-01", 5_000_000), ("2025-06-01", 6_000_000)):
        staff("POST", "/appraisals", 201, json={"district": district, "plot": code,
                                                "valued_on": on, "rial_per_m2": rate})
    staff("POST", f"/units/{unit.ref}/revival-plan", 201, json={})
    staff("PATCH", f"/units/{unit.ref}/revival-plan", json={"status": "active"})
    staff("POST", f"/units/{unit.ref}/revival-plan/outcome",
          json={"outcome": "cannot_return", "on": "2023-09-23"})
    return unit.ref


def test_levy_matches_hand_worked_example(world, db, as_user) -> None:
    staff = as_user("staff")
    assert staff("POST", "/levies/tariffs", 201, json=V1)["version"] == 1
    assert staff("POST", "/levies/tariffs", 201, json=V2)["version"] == 2
    ref = _liable_unit(db, staff, world["own"])

    early = staff("POST", "/levies", 409, json={"unit": ref, "year": 1402})
    assert (early["code"], early["reason"]) == ("levy_not_due", "grace_period")
    first = staff("POST", "/levies", 201, json={"unit": ref, "year": 1403})
    assert {k: first[k] for k in ("amount_rial", "tariff_version", "idle_year", "share",
                                  "days_charged", "land_value_rial", "recommend_termination")
            } == {"amount_rial": 198_360_656, "tariff_version": 1, "idle_year": 4,
                  "share": 0.02, "days_charged": 363, "land_value_rial": 10_000_000_000,
                  "recommend_termination": False}
    second = staff("POST", "/levies", 201, json={"unit": ref, "year": 1404})
    assert (second["amount_rial"], second["tariff_version"], second["recommend_termination"],
            second["land_value_rial"]) == (600_000_000, 2, True, 12_000_000_000)
    again = staff("POST", "/levies", 409, json={"unit": ref, "year": 1403})
    assert again["code"] == "levy_exists"


def test_tariff_is_validated(world, as_user) -> None:
    staff = as_user("staff")
    dup = {**V1, "schedule": [{"from_year": 1, "share": 0.1}, {"from_year": 1, "share": 0.2}]}
    assert staff("POST", "/levies/tariffs", 400, json=dup)["code"] == "levy_tariff_invalid"
    staff("POST", "/levies/tariffs", 422, json={**V1, "version": 7})
    staff("POST", "/levies/tariffs", 422, json={**V1, "schedule": [{"from_year": 1,
                                                                    "share": 1.5}]})
    staff("POST", "/levies/tariffs", 201, json=V1)
    assert staff("POST", "/levies/tariffs", 409, json=V1)["code"] == "conflict"
    as_user("wg")("POST", "/levies/tariffs", 403, json=V2)


def test_no_tariff_in_force_is_refused(world, db, as_user) -> None:
    staff = as_user("staff")
    ref = _liable_unit(db, staff, world["own"])
    staff("POST", "/levies/tariffs", 201, json=V2)  # from 1404 only
    got = staff("POST", "/levies", 409, json={"unit": ref, "year": 1403})
    assert (got["code"], got["reason"]) == ("levy_tariff_missing", "no_tariff")


def test_ledger_transitions_and_forbidden_ones(world, db, as_user) -> None:
    staff = as_user("staff")
    staff("POST", "/levies/tariffs", 201, json=V1)
    ref = _liable_unit(db, staff, world["own"])
    levy = staff("POST", "/levies", 201, json={"unit": ref, "year": 1403})["id"]
    for to in ("appealed", "issued", "paid"):
        assert staff("POST", f"/levies/{levy}/transitions", json={"to": to})["status"] == to
    refused = staff("POST", f"/levies/{levy}/transitions", 409, json={"to": "waived"})
    assert (refused["code"], refused["current"], refused["allowed"]) == (
        "levy_transition_forbidden", "paid", [])
    other = staff("POST", "/levies", 201, json={"unit": ref, "year": 1404})["id"]
    staff("POST", f"/levies/{other}/transitions", json={"to": "waived", "note": "بخشودگی"})
    assert staff("POST", f"/levies/{other}/transitions", 409,
                 json={"to": "issued"})["code"] == "levy_transition_forbidden"
    assert staff("POST", f"/levies/{other}/transitions", 409,
                 json={"to": "appealed"})["code"] == "levy_transition_forbidden"
    ledger = staff("GET", f"/levies/{levy}")["events"]
    assert [(e["from"], e["to"]) for e in ledger] == [
        (None, "issued"), ("issued", "appealed"), ("appealed", "issued"), ("issued", "paid")]
    assert {e["actor"] for e in ledger} == {"staff"}
    audited = db.scalars(sa.select(AuditEvent.actor).where(AuditEvent.entity == "levy_event"))
    assert list(audited).count("staff") == 6
    as_user("wg")("POST", f"/levies/{levy}/transitions", 403, json={"to": "issued"})


def test_investor_sees_only_own_levies_and_plans(world, db, as_user) -> None:
    staff, inv = as_user("staff"), as_user("inv")
    staff("POST", "/levies/tariffs", 201, json=V1)
    own = _liable_unit(db, staff, world["own"])
    other = _liable_unit(db, staff, world["other"])
    mine = staff("POST", "/levies", 201, json={"unit": own, "year": 1403})["id"]
    theirs = staff("POST", "/levies", 201, json={"unit": other, "year": 1403})["id"]
    assert [x["id"] for x in inv("GET", "/levies")] == [mine]
    assert inv("GET", f"/levies/{mine}")["unit"] == own
    assert inv("GET", f"/levies/{theirs}", 404)["status"] == 404
    assert inv("GET", f"/units/{own}/revival-plan")["outcome"] == "cannot_return"
    assert inv("GET", f"/units/{other}/revival-plan", 404)["code"] == "unit_not_found"
    inv("POST", "/levies", 403, json={"unit": own, "year": 1404})
    inv("POST", f"/levies/{mine}/transitions", 403, json={"to": "paid"})
    inv("POST", f"/units/{own}/revival-plan/obstacles", 403, json={"kind": "energy"})
    as_user("cons")("GET", "/levies", 403)
    as_user(None)("GET", "/levies", 401)
    as_user(None)("GET", "/revival/point-zero", 401)
    inv("GET", "/revival/point-zero", 403)
    assert len(staff("GET", "/levies")) == 2
