"""Expansion projects, output reports (capacity over time) and status changes with history."""

from __future__ import annotations


def test_investor_records_projects_and_output_for_own_units_only(world, as_user) -> None:
    inv, staff = as_user("inv"), as_user("staff")
    own = sorted(world["units"][world["own"]])[0]
    other = sorted(world["units"][world["other"]])[0]
    body = {"kind": "new_line", "title_fa": "خط بسته‌بندي", "capacity_added": 1200,
            "capacity_unit": "t/yr", "jobs": 25, "investment_rial": 9_000_000_000,
            "land_needed_m2": 1500}
    made = inv("POST", f"/units/{own}/projects", 201, json=body)
    assert made["title_fa"] == "خط بسته‌بندی" and made["status"] == "planned"
    inv("POST", f"/units/{other}/projects", 404, json=body)
    inv("POST", f"/units/{own}/projects", 422, json={**body, "id": 9})
    inv("POST", f"/units/{own}/projects", 422, json={**body, "allocation_request_id": 42})
    staff("POST", f"/units/{own}/projects", 201,
          json={**body, "kind": "more_space", "status": "completed", "completed_on": "2026-05-01"})
    assert [p["kind"] for p in staff("GET", f"/units/{own}/projects")] == ["new_line",
                                                                          "more_space"]
    inv("POST", f"/units/{own}/output", 201,
        json={"period_start": "2026-01-01", "period_end": "2026-06-30", "output": 410,
              "capacity": 1000, "unit_of_measure": "t"})
    inv("POST", f"/units/{own}/output", 409,
        json={"period_start": "2026-02-01", "period_end": "2026-06-30", "output": 1,
              "unit_of_measure": "t"})
    inv("POST", f"/units/{own}/output", 422,
        json={"period_start": "2026-07-01", "period_end": "2026-06-30", "output": 1,
              "unit_of_measure": "t"})
    curve = inv("GET", f"/units/{own}/capacity")
    assert [(r["capacity"], r["period_end_jalali"]) for r in curve["reports"]] == [
        (1000, "1405/04/09")]
    assert [(p["capacity_added"], p["completed_on"]) for p in curve["capacity_added"]] == [
        (1200, "2026-05-01")]
    inv("GET", f"/units/{other}/capacity", 404)
    as_user("cons")("GET", f"/units/{own}/projects", 403)


def test_status_change_is_kept_with_who_when_why(world, as_user) -> None:
    staff, inv = as_user("staff"), as_user("inv")
    own = sorted(world["units"][world["own"]])[0]
    current = staff("GET", f"/units/{own}")["status"]
    target = "terminated" if current != "terminated" else "operating"
    inv("POST", f"/units/{own}/status", 403,
        json={"status": target, "effective_on": "2026-11-01", "reason": "فسخ قرارداد"})
    changed = staff("POST", f"/units/{own}/status",
                    json={"status": target, "effective_on": "2026-11-01",
                          "reason": "فسخ قرارداد"})
    assert (changed["status"], changed["status_since_jalali"]) == (target, "1405/08/10")
    again = staff("POST", f"/units/{own}/status", 409,
                  json={"status": target, "effective_on": "2026-11-02", "reason": "دوباره"})
    assert again["code"] == "unit_status_unchanged"
    history = inv("GET", f"/units/{own}/status-history")
    assert (history[-1]["from"], history[-1]["to"], history[-1]["reason"]) == (
        current, target, "فسخ قرارداد")
    assert history[-1]["changed_by_id"] is not None


def test_a_projects_land_need_becomes_an_expansion_request_next_to_the_unit(world, as_user
                                                                           ) -> None:
    inv, staff = as_user("inv"), as_user("staff")
    unit = sorted(world["units"][world["own"]])[0]
    project = inv("POST", f"/units/{unit}/projects", 201,
                  json={"kind": "more_space", "title_fa": "انبار مواد اولیه",
                        "land_needed_m2": 2500})
    none = inv("POST", f"/units/{unit}/projects", 201,
               json={"kind": "new_line", "title_fa": "خط بدون زمین"})
    inv("POST", f"/units/{unit}/projects/{none['id']}/land-request", 400)
    sent = inv("POST", f"/units/{unit}/projects/{project['id']}/land-request")
    assert sent["created"] is True and sent["status"] == "submitted"
    again = inv("POST", f"/units/{unit}/projects/{project['id']}/land-request")
    assert again["request_id"] == sent["request_id"] and again["created"] is False
    linked = inv("GET", f"/units/{unit}/projects")
    assert [p["allocation_request_id"] for p in linked if p["id"] == project["id"]] == [
        sent["request_id"]]
    request = inv("GET", f"/requests/{sent['request_id']}")
    assert request["purpose"] == "expansion" and request["unit_ref"] == unit
    matches = staff("GET", f"/requests/{sent['request_id']}/matches")["items"]
    assert matches, "an expansion request is offered plots"
    touching = [m["adjacent_m"] > 0 for m in matches]
    assert touching == sorted(touching, reverse=True)  # plots next to the unit's come first
    other = sorted(world["units"][world["other"]])[0]
    inv("POST", f"/units/{other}/projects/{project['id']}/land-request", 404)
