"""Admins manage accounts; disabling one ends its sessions at once; own password changes."""

from __future__ import annotations

import pytest

from tests.api.conftest import PASSWORD, headers_for


def test_admin_adds_an_investor_account_that_sees_only_its_investor(world) -> None:
    client = world["client"]
    admin = headers_for(client, "admin")
    made = client.post("/users", headers=admin, json={
        "username": "Caspian-Food", "role": "investor", "investor_ref": world["other"],
        "password": "long enough pw"})
    assert made.status_code == 201, made.text
    assert made.json()["username"] == "caspian-food"
    token = client.post("/auth/token", data={"username": "caspian-food",
                                             "password": "long enough pw"}).json()
    mine = client.get("/investors", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert [i["ref"] for i in mine.json()["items"]] == [world["other"]]


@pytest.mark.parametrize("body", [{"username": "x1", "role": "investor", "password": "12345678"},
                                  {"username": "x2", "role": "staff", "password": "short"},
                                  {"username": "x3", "role": "staff", "password": "12345678",
                                   "is_active": False}])
def test_bad_accounts_are_refused(world, body) -> None:
    client = world["client"]
    response = client.post("/users", headers=headers_for(client, "admin"), json=body)
    assert response.status_code in (400, 422)


@pytest.mark.parametrize("who", ["staff", "wg", "inv"])
def test_only_admins_manage_accounts(world, who) -> None:
    client = world["client"]
    response = client.patch("/users/cons", headers=headers_for(client, who),
                            json={"role": "admin", "reason": "promote me"})
    assert response.status_code == 403


def test_disabling_an_account_ends_its_tokens(world) -> None:
    client = world["client"]
    cons = headers_for(client, "cons")
    assert client.get("/me", headers=cons).status_code == 200
    off = client.patch("/users/cons", headers=headers_for(client, "admin"),
                       json={"is_active": False, "reason": "contract ended"})
    assert off.status_code == 200 and off.json()["is_active"] is False
    assert client.get("/me", headers=cons).status_code == 401
    refused = client.post("/auth/token", data={"username": "cons", "password": PASSWORD})
    assert refused.status_code == 401


def test_admins_cannot_lock_themselves_out(world) -> None:
    client = world["client"]
    response = client.patch("/users/admin", headers=headers_for(client, "admin"),
                            json={"role": "staff", "reason": "oops"})
    assert response.status_code == 409


def test_own_password_change_needs_the_current_one(world) -> None:
    client = world["client"]
    staff = headers_for(client, "staff")
    wrong = client.post("/me/password", headers=staff,
                        json={"current_password": "nope", "new_password": "a new secret"})
    assert wrong.status_code == 401
    ok = client.post("/me/password", headers=staff,
                     json={"current_password": PASSWORD, "new_password": "a new secret"})
    assert ok.status_code == 204
    assert client.post("/auth/token", data={"username": "staff",
                                            "password": "a new secret"}).status_code == 200
