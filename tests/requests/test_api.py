"""The allocation-request endpoints on the demo zone, by role, on both backends."""

from __future__ import annotations

import datetime as dt
import uuid

from tests.api.conftest import headers_for
from zones.services.decisions import lottery_order

EXPIRY = (dt.date.today() + dt.timedelta(days=400)).isoformat()


def body(**changes: object) -> dict:
    return {"purpose": "new_unit", "isic4": "2220", "env_group": "B", "area_min_m2": 1000,
            "area_max_m2": 6000, "power_kva": 200, "licence_no": "ج-۴۴", "licence_expiry": EXPIRY,
            "jobs": 30, "export_share": 0.2, "investment_rial": 10**11, **changes}


def _post(client, who, payload, key=None):
    headers = {**who, "Idempotency-Key": key or uuid.uuid4().hex}
    return client.post("/requests", json=payload, headers=headers)


def test_idempotency_key_replays_the_same_request(world) -> None:
    client, inv = world["client"], headers_for(world["client"], "inv")
    first = _post(client, inv, body(), key="abc")
    assert first.status_code == 201, first.text
    again = _post(client, inv, body(jobs=1), key="abc")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert again.json()["jobs"] == 30
    listed = client.get("/requests", headers=inv).json()["items"]
    assert [r["id"] for r in listed] == [first.json()["id"]]
    assert first.json()["status"] == "submitted"
    assert first.json()["licence_no"] == "ج-44"  # digits normalised on input


def test_key_required_and_server_fields_refused(world) -> None:
    client, inv = world["client"], headers_for(world["client"], "inv")
    missing = client.post("/requests", json=body(), headers=inv)
    assert missing.status_code == 400 and missing.json()["code"] == "invalid_input"
    forged = _post(client, inv, body(status="approved"))
    assert forged.status_code == 422 and forged.json()["code"] == "validation_error"


def test_open_request_cap_is_429(world) -> None:
    client, inv = world["client"], headers_for(world["client"], "inv")
    for _ in range(3):
        assert _post(client, inv, body()).status_code == 201
    refused = _post(client, inv, body())
    assert refused.status_code == 429
    assert refused.json()["code"] == "too_many_open_requests"


def test_investor_sees_only_its_own_requests(world) -> None:
    client = world["client"]
    inv, staff = headers_for(client, "inv"), headers_for(client, "staff")
    assert _post(client, staff, body()).status_code == 400  # staff must name the investor
    theirs = _post(client, staff, body(investor_ref=world["other"]))
    assert theirs.status_code == 201 and theirs.json()["investor_ref"] == world["other"]
    rid = theirs.json()["id"]
    assert client.get(f"/requests/{rid}", headers=inv).status_code == 404
    assert client.get(f"/requests/{rid}/matches", headers=inv).status_code == 404
    assert client.post(f"/requests/{rid}/withdraw", json={}, headers=inv).status_code == 404
    assert client.get("/requests", headers=inv).json()["items"] == []
    assert [r["id"] for r in client.get("/requests", headers=staff).json()["items"]] == [rid]
    # Filing for another investor looks like filing for a missing one.
    assert _post(client, inv, body(investor_ref=world["other"])).status_code == 404
    assert client.get(f"/requests/{rid}", headers=headers_for(client, "cons")).status_code == 403


def test_match_review_reserve_approve(world) -> None:
    client = world["client"]
    inv, staff, wg = (headers_for(client, u) for u in ("inv", "staff", "wg"))
    rid = _post(client, inv, body()).json()["id"]
    matches = client.get(f"/requests/{rid}/matches?limit=5", headers=inv)
    assert matches.status_code == 200, matches.text
    items = matches.json()["items"]
    assert items and items == sorted(items, key=lambda m: -m["score"])
    assert set(items[0]["components"]) >= {"area_fit", "utilities", "port", "customs", "rail",
                                           "env_group"}
    geo = client.get(f"/requests/{rid}/matches?limit=5&format=geojson", headers=inv)
    assert geo.headers["content-type"].startswith("application/geo+json")
    assert [f["id"] for f in geo.json()["features"]] == [m["plot_id"] for m in items]
    plot = {"district": items[0]["district"], "code": items[0]["code"]}

    assert client.post(f"/requests/{rid}/review", json={"scores": {"track_record": 8}},
                       headers=inv).status_code == 403
    reviewed = client.post(f"/requests/{rid}/review",
                           json={"scores": {"track_record": 8, "local_inputs": 3}}, headers=staff)
    assert reviewed.status_code == 200, reviewed.text
    assert reviewed.json()["status"] == "under_review"
    assert reviewed.json()["total_score"] > 11
    bad = client.post(f"/requests/{rid}/review", json={"scores": {"jobs_per_ha": 20}},
                      headers=staff)
    assert bad.status_code == 400 and bad.json()["code"] == "unknown_criterion"

    reserved = client.post(f"/requests/{rid}/reserve", json={"plot": plot}, headers=staff)
    assert reserved.status_code == 200, reserved.text
    assert reserved.json()["status"] == "reserved"
    assert reserved.json()["reservation"]["code"] == plot["code"]

    for who in (inv, staff):
        denied = client.post(f"/requests/{rid}/approve", json={"decision_ref": "WG-1"},
                             headers=who)
        assert denied.status_code == 403 and denied.json()["code"] == "forbidden"
    approved = client.post(f"/requests/{rid}/approve", json={"decision_ref": "WG-1405/12"},
                           headers=wg)
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved" and approved.json()["allocation_id"]
    again = client.post(f"/requests/{rid}/approve", json={"decision_ref": "WG-1405/12"},
                        headers=wg)
    assert again.status_code == 409
    assert again.json()["code"] == "request_transition_forbidden"

    rival = _post(client, staff, body(investor_ref=world["other"])).json()["id"]
    client.post(f"/requests/{rival}/review", json={}, headers=staff)
    taken = client.post(f"/requests/{rival}/approve",
                        json={"decision_ref": "WG-2", "plot": plot}, headers=wg)
    assert taken.status_code == 409 and taken.json()["code"] == "plot_already_allocated"
    withdrawn = client.post(f"/requests/{rid}/withdraw", json={}, headers=inv)
    assert withdrawn.status_code == 409


def test_reject_and_withdraw(world) -> None:
    client = world["client"]
    inv, wg = headers_for(client, "inv"), headers_for(client, "wg")
    one, two = (_post(client, inv, body()).json()["id"] for _ in range(2))
    rejected = client.post(f"/requests/{one}/reject", json={"decision_ref": "WG-9"}, headers=wg)
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert rejected.json()["decision_ref"] == "WG-9"
    gone = client.post(f"/requests/{two}/withdraw", json={"reason": "changed plans"}, headers=inv)
    assert gone.json()["status"] == "withdrawn"
    assert [h["to_status"] for h in gone.json()["history"]] == ["submitted", "withdrawn"]
    listed = client.get("/requests?status=withdrawn", headers=inv).json()["items"]
    assert [r["id"] for r in listed] == [two]


def test_lottery_endpoint_records_seed_and_result(world) -> None:
    client = world["client"]
    inv, staff, wg = (headers_for(client, u) for u in ("inv", "staff", "wg"))
    rid = _post(client, inv, body()).json()["id"]
    target = client.get(f"/requests/{rid}/matches?limit=1", headers=inv).json()["items"][0]
    plot = {"district": target["district"], "code": target["code"]}
    ids = [_post(client, staff, body(investor_ref=ref, preferred_plots=[plot])).json()["id"]
           for ref in (world["own"], world["other"], world["other"])]
    url = f"/plots/{plot['district']}/{plot['code']}/lottery"
    assert client.post(url, json={"seed": 5}, headers=staff).status_code == 403
    drawn = client.post(url, json={"seed": 5}, headers=wg)
    assert drawn.status_code == 201, drawn.text
    assert drawn.json()["seed"] == 5 and drawn.json()["candidates"] == sorted(ids)
    assert drawn.json()["result"] == lottery_order(5, ids)
    assert drawn.json()["winner"] == drawn.json()["result"][0]
    by_district = client.get(f"/requests?district={plot['district']}", headers=staff).json()
    assert set(ids) <= {r["id"] for r in by_district["items"]}


def test_overdue_obligations_for_staff(world) -> None:
    client = world["client"]
    far = (dt.date.today() + dt.timedelta(days=3650)).isoformat()
    rows = client.get(f"/obligations/overdue?on={far}", headers=headers_for(client, "staff"))
    assert rows.status_code == 200
    assert rows.json() and all(r["days_overdue"] > 0 for r in rows.json())
    denied = client.get("/obligations/overdue", headers=headers_for(client, "inv"))
    assert denied.status_code == 403


def test_unusable_input_gets_coded_4xx(world) -> None:
    client = world["client"]
    inv, staff, wg = (headers_for(client, u) for u in ("inv", "staff", "wg"))
    no_unit = _post(client, inv, body(purpose="expansion"))
    assert no_unit.status_code == 400 and no_unit.json()["code"] == "invalid_input"
    nowhere = _post(client, inv, body(preferred_plots=[{"district": "D9", "code": "x"}]))
    assert nowhere.status_code == 404 and nowhere.json()["code"] == "plot_not_found"
    upside_down = _post(client, inv, body(area_min_m2=5000, area_max_m2=100))
    assert upside_down.status_code == 400
    assert client.post("/requests", json=body(), headers={"Idempotency-Key": "x"}
                       ).status_code == 401
    rid = _post(client, inv, body(licence_expiry="2020-01-01")).json()["id"]
    client.post(f"/requests/{rid}/review", json={}, headers=staff)
    target = client.get(f"/requests/{rid}/matches?limit=1", headers=staff).json()["items"][0]
    plot = {"district": target["district"], "code": target["code"]}
    gated = client.post(f"/requests/{rid}/reserve", json={"plot": plot}, headers=staff)
    assert gated.status_code == 409 and gated.json()["code"] == "allocation_gate_failed"
    assert gated.json()["gates"] == ["licence_expired"]
    unnamed = client.post(f"/requests/{rid}/approve", json={"decision_ref": "x"}, headers=wg)
    assert unnamed.status_code == 400
    alone = client.post(f"/plots/{plot['district']}/{plot['code']}/lottery", json={},
                        headers=wg)
    assert alone.status_code == 409 and alone.json()["code"] == "no_competing_requests"
    assert client.get("/requests/999999", headers=staff).json()["code"] == "request_not_found"
