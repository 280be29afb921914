"""Infrastructure, customs sites and expansion areas: GeoJSON reads, audited staff updates."""

from __future__ import annotations

import pytest

from tests.api.conftest import headers_for


def _all(client, url: str) -> list[dict]:
    found, page = [], client.get(url)
    while True:
        assert page.status_code == 200, page.text
        body = page.json()
        found += body["features"]
        nxt = next((link["href"] for link in body["links"] if link["rel"] == "next"), None)
        if nxt is None:
            return found
        page = client.get(nxt)


def test_infrastructure_pages_hold_every_asset_once(world) -> None:
    client = world["client"]
    assets = _all(client, "/infrastructure?limit=10")
    assert len(assets) == len({a["id"] for a in assets}) == 64
    power = _all(client, "/infrastructure?network=power")
    assert power and all(a["properties"]["network"] == "power" for a in power)
    d3 = _all(client, "/infrastructure?district=D3&status=planned")
    assert all(a["properties"]["district_code"] == "D3" for a in d3)
    assert all(a["properties"]["status"] == "planned" for a in d3)


def _planned_asset(client) -> dict:
    return next(a for a in _all(client, "/infrastructure") if a["properties"]["status"]
                != "complete")


def test_staff_mark_works_complete_and_the_change_is_audited(world) -> None:
    client = world["client"]
    staff = headers_for(client, "staff")
    asset = _planned_asset(client)
    response = client.patch(f"/infrastructure/{asset['id']}", headers=staff,
                            json={"status": "complete", "reason": "گزارش بازدید ۱۴۰۵/۰۹/۰۷"})
    assert response.status_code == 200, response.text
    assert response.json()["completed_on"] is not None
    after = client.get(f"/infrastructure/{asset['id']}").json()["properties"]
    assert after["status"] == "complete"
    events = client.get("/audit-events", headers=staff,
                        params={"entity": "infrastructure_asset"}).json()["items"]
    assert any(e["entity_id"] == asset["id"] and e.get("reason") == "گزارش بازدید ۱۴۰۵/۰۹/۰۷"
               for e in events)


@pytest.mark.parametrize("who", [None, "inv", "cons"])
def test_only_staff_record_works(world, who) -> None:
    client = world["client"]
    asset = _planned_asset(client)
    response = client.patch(f"/infrastructure/{asset['id']}", headers=headers_for(client, who),
                            json={"status": "complete", "reason": "not mine"})
    assert response.status_code == (401 if who is None else 403)
    assert client.get(f"/infrastructure/{asset['id']}").json()["properties"]["status"] \
        == asset["properties"]["status"]


@pytest.mark.parametrize("body", [{"geom": "POINT(0 0)", "reason": "xyz"},
                                  {"network": "gas", "reason": "xyz"},
                                  {"status": "complete"},
                                  {"completed_on": "2999-01-01", "reason": "xyz"}])
def test_asset_update_refuses_what_staff_may_not_set(world, body) -> None:
    client = world["client"]
    asset = _planned_asset(client)
    response = client.patch(f"/infrastructure/{asset['id']}",
                            headers=headers_for(client, "staff"), json=body)
    assert response.status_code in (400, 422)
    assert response.headers["content-type"] == "application/problem+json"


def test_working_group_chooses_one_customs_site(world) -> None:
    client = world["client"]
    wg = headers_for(client, "wg")
    sites = _all(client, "/customs-sites")
    assert {s["properties"]["code"] for s in sites} >= {"C1", "C2"}
    chosen = client.patch("/customs-sites/C2", headers=wg,
                          json={"status": "chosen", "decision_ref": "مصوبه ۱۴۰۵/۰۹/۱۰"})
    assert chosen.status_code == 200, chosen.text
    second = client.patch("/customs-sites/C1", headers=wg,
                          json={"status": "chosen", "decision_ref": "مصوبه دوم"})
    assert second.status_code == 409 and second.json()["code"] == "customs_site_already_chosen"
    staff = client.patch("/customs-sites/C1", headers=headers_for(client, "staff"),
                         json={"status": "rejected", "decision_ref": "not theirs"})
    assert staff.status_code == 403
    statuses = {s["properties"]["code"]: s["properties"]["status"]
                for s in _all(client, "/customs-sites")}
    assert statuses["C2"] == "chosen" and statuses["C1"] == "candidate"


def test_expansion_area_of_district_two(world) -> None:
    client = world["client"]
    areas = client.get("/expansion-areas").json()["features"]
    assert [a["properties"]["code"] for a in areas] == ["D2-X"]
    one = client.get("/expansion-areas/D2-X").json()
    assert one["properties"]["district_code"] == "D2" and one["geometry"]["type"] == "Polygon"
    assert client.get("/expansion-areas/nope").status_code == 404
