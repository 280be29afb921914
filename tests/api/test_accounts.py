"""Admins manage accounts; disabling one ends its sessions at once; own password changes;
failed sign-ins are throttled per account and per client address."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from api.main import create_app
from tests.api.conftest import PASSWORD, headers_for
from tests.api.test_web_session import sign_in
from zones.model import utcnow
from zones.model.auth import LoginFailure


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


def _sign_in(client: TestClient, username: str, password: str = PASSWORD):
    return client.post("/auth/token", data={"username": username, "password": password})


def _throttled(response) -> int:
    """Assert a throttled answer; the seconds its Retry-After asks to wait."""
    assert response.status_code == 429, response.text
    assert response.json()["code"] == "login_throttled"
    return int(response.headers["retry-after"])


def _age_failures(client: TestClient) -> None:
    """Move every recorded failure out of the throttle's window (instead of waiting)."""
    window = dt.timedelta(seconds=client.app.state.settings.login_window_s)
    with client.app.state.write_sessions() as session:
        session.execute(sa.update(LoginFailure).values(at=utcnow() - window))
        session.commit()


def test_failed_sign_ins_lock_the_account_even_for_the_right_password(world) -> None:
    client = world["client"]
    settings = client.app.state.settings
    for _ in range(settings.login_max_failures_per_account):
        assert _sign_in(client, "staff", "wrong password").status_code == 401
    wait = _throttled(_sign_in(client, "staff"))
    assert 0 < wait <= settings.login_window_s
    assert _sign_in(client, "wg").status_code == 200  # other accounts, same address
    _age_failures(client)
    assert _sign_in(client, "staff").status_code == 200


def test_every_worker_counts_the_same_failures(world) -> None:
    """Failures are stored in the database: a second app (another worker) sees them."""
    client = world["client"]
    limit = client.app.state.settings.login_max_failures_per_account
    with TestClient(create_app(client.app.state.settings)) as worker:
        for i in range(limit):
            assert _sign_in((client, worker)[i % 2], "cons", "wrong password").status_code == 401
        _throttled(_sign_in(worker, "cons"))
        _throttled(_sign_in(client, "cons"))


def test_failed_sign_ins_from_one_address_lock_it_for_every_account(world) -> None:
    client = world["client"]
    for i in range(client.app.state.settings.login_max_failures_per_address):
        assert _sign_in(client, f"guess{i}", "wrong password").status_code == 401
    _throttled(_sign_in(client, "staff"))
    elsewhere = TestClient(client.app, client=("192.0.2.7", 50000))
    assert _sign_in(elsewhere, "staff").status_code == 200


def test_a_success_clears_the_accounts_failures(world) -> None:
    client = world["client"]
    limit = client.app.state.settings.login_max_failures_per_account
    for _ in range(limit - 1):
        assert _sign_in(client, "inv", "wrong password").status_code == 401
    assert _sign_in(client, "inv").status_code == 200
    for _ in range(limit - 1):
        assert _sign_in(client, "inv", "wrong password").status_code == 401
    assert _sign_in(client, "inv").status_code == 200


def test_password_change_ends_the_users_other_sessions_and_tokens(world) -> None:
    client = world["client"]
    current, other, peer = (headers_for(client, who) for who in ("staff", "staff", "wg"))
    browser = TestClient(client.app)
    sign_in(browser, "staff")
    changed = client.post("/me/password", headers=current,
                          json={"current_password": PASSWORD, "new_password": "a new secret"})
    assert changed.status_code == 204
    assert client.get("/me", headers=current).status_code == 200  # the one that changed it
    assert client.get("/me", headers=other).status_code == 401
    assert browser.get("/me").status_code == 401
    assert client.get("/me", headers=peer).status_code == 200  # other users keep theirs


def test_password_change_in_the_browser_keeps_that_session(world) -> None:
    client = world["client"]
    program = headers_for(client, "staff")
    csrf = sign_in(client, "staff")
    changed = client.post("/me/password", headers={"X-CSRF-Token": csrf},
                          json={"current_password": PASSWORD, "new_password": "a new secret"})
    assert changed.status_code == 204
    assert client.get("/me").json()["username"] == "staff"
    assert client.get("/me", headers=program).status_code == 401


def test_wrong_current_passwords_count_as_failed_sign_ins(world) -> None:
    client = world["client"]
    staff = headers_for(client, "staff")
    wrong = {"current_password": "not it at all", "new_password": "a new secret"}
    for _ in range(client.app.state.settings.login_max_failures_per_account):
        assert client.post("/me/password", headers=staff, json=wrong).status_code == 401
    _throttled(client.post("/me/password", headers=staff, json={
        "current_password": PASSWORD, "new_password": "a new secret"}))
    _age_failures(client)
    assert _sign_in(client, "staff", "a new secret").status_code == 401  # nothing changed
    assert _sign_in(client, "staff").status_code == 200
