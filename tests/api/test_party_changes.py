"""Registering and correcting investors and units: staff write, investors their contacts."""

from __future__ import annotations

import pytest

from tests.api.conftest import headers_for

NEW_INVESTOR = {"ref": "INV-900", "kind": "legal", "name_fa": "شركت كاسپين ۲",
                "name_en": "Caspian 2 Co.", "nationality": "IR", "email": "info@caspian2.ir",
                "reason": "نامه ۱۲۳"}


def test_staff_register_an_investor_and_a_unit_with_normalised_text(world) -> None:
    client = world["client"]
    staff = headers_for(client, "staff")
    made = client.post("/investors", headers=staff, json=NEW_INVESTOR)
    assert made.status_code == 201, made.text
    assert made.json()["name_fa"] == "شرکت کاسپین 2"  # Arabic kaf/yeh and digits normalised
    unit = client.post("/units", headers=staff, json={
        "ref": "U-900", "investor_ref": "INV-900", "name_fa": "خط تولید کنسرو",
        "isic4": "1020", "env_group": "B", "export_share": 0.4, "reason": "مصوبه"})
    assert unit.status_code == 201, unit.text
    assert unit.json()["status"] == "applied" and unit.json()["investor_ref"] == "INV-900"
    assert client.get("/units/U-900", headers=staff).json()["isic4"] == "1020"
    found = client.get("/investors", headers=staff, params={"q": "كاسپين ۲"}).json()["items"]
    assert "INV-900" in [i["ref"] for i in found]  # typed with Arabic letters, Persian digit


def test_a_registry_number_is_used_once(world) -> None:
    client = world["client"]
    staff = headers_for(client, "staff")
    assert client.post("/investors", headers=staff, json=NEW_INVESTOR).status_code == 201
    again = client.post("/investors", headers=staff, json=NEW_INVESTOR)
    assert again.status_code == 409 and again.json()["code"] == "ref_taken"


@pytest.mark.parametrize("field", [{"id": 5}, {"status": "operating"},
                                   {"created_at": "2020-01-01T00:00:00Z"}])
def test_server_controlled_fields_cannot_be_set(world, field) -> None:
    client = world["client"]
    response = client.post("/investors", headers=headers_for(client, "staff"),
                           json={**NEW_INVESTOR, **field})
    assert response.status_code == 422


@pytest.mark.parametrize("who,status", [(None, 401), ("inv", 403), ("cons", 403)])
def test_only_staff_register(world, who, status) -> None:
    client = world["client"]
    response = client.post("/investors", headers=headers_for(client, who), json=NEW_INVESTOR)
    assert response.status_code == status


def test_investor_corrects_its_own_contacts_only(world) -> None:
    client, own, other = world["client"], world["own"], world["other"]
    inv = headers_for(client, "inv")
    ok = client.patch(f"/investors/{own}", headers=inv,
                      json={"phone": "+98 13 4444 ۵۵۵۵", "reason": "new office"})
    assert ok.status_code == 200, ok.text
    assert ok.json()["phone"] == "+98 13 4444 5555"
    renamed = client.patch(f"/investors/{own}", headers=inv,
                           json={"name_fa": "نام تازه", "reason": "rename"})
    assert renamed.status_code == 403
    theirs = client.patch(f"/investors/{other}", headers=inv,
                          json={"phone": "+98 1", "reason": "hijack"})
    assert theirs.status_code == 404


def test_unit_corrections_are_staff_only_and_audited(world) -> None:
    client = world["client"]
    unit = sorted(world["units"][world["own"]])[0]
    inv = client.patch(f"/units/{unit}", headers=headers_for(client, "inv"),
                       json={"employment_actual": 40, "reason": "we grew"})
    assert inv.status_code == 403
    staff = headers_for(client, "staff")
    ok = client.patch(f"/units/{unit}", headers=staff,
                      json={"employment_actual": 40, "reason": "بازدید ۱۴۰۵/۰۹/۰۱"})
    assert ok.status_code == 200 and ok.json()["employment_actual"] == 40
    events = client.get("/audit-events", headers=staff,
                        params={"entity": "production_unit"}).json()["items"]
    assert any(e.get("reason") == "بازدید ۱۴۰۵/۰۹/۰۱" for e in events)
    status = client.patch(f"/units/{unit}", headers=staff,
                          json={"status": "operating", "reason": "no"})
    assert status.status_code == 422
