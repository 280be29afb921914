"""Browser sign-in: login form with its own CSRF, HttpOnly session cookie, CSRF on writes."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import PASSWORD

PLOT = "/plots/D3/1-01"


def _form_nonce(client: TestClient, query: str = "") -> str:
    page = client.get(f"/login{query}")
    assert page.status_code == 200
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def sign_in(client: TestClient, username: str, *, next_url: str = "/me") -> str:
    """Sign in through the form; returns the CSRF token the session's scripts send."""
    nonce = _form_nonce(client)
    response = client.post("/login", data={"username": username, "password": PASSWORD,
                                           "csrf_token": nonce, "next": next_url},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    return client.get("/auth/session").json()["csrf_token"]


def test_login_page_is_persian_rtl_with_english_one_click_away(world) -> None:
    client = world["client"]
    fa = client.get("/login")
    assert '<html lang="fa" dir="rtl">' in fa.text and "گذرواژه" in fa.text
    en = client.get("/login?lang=en")
    assert '<html lang="en" dir="ltr">' in en.text and "Password" in en.text
    assert "zones_login_csrf" in fa.headers["set-cookie"]


def test_session_cookie_is_httponly_and_samesite(world) -> None:
    client = world["client"]
    nonce = _form_nonce(client)
    response = client.post("/login", data={"username": "staff", "password": PASSWORD,
                                           "csrf_token": nonce}, follow_redirects=False)
    cookie = next(c for c in response.headers.get_list("set-cookie")
                  if c.startswith("zones_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert client.get("/me").json()["username"] == "staff"


def test_login_form_without_its_nonce_is_refused(world) -> None:
    client = world["client"]
    _form_nonce(client)
    response = client.post("/login", data={"username": "staff", "password": PASSWORD,
                                           "csrf_token": "forged"})
    assert response.status_code == 403 and response.json()["code"] == "csrf_failed"
    assert client.get("/me").status_code == 401


def test_wrong_password_goes_back_to_the_form_with_a_message(world) -> None:
    client = world["client"]
    nonce = _form_nonce(client, "?lang=en")
    response = client.post("/login", data={"username": "staff", "password": "nope",
                                           "csrf_token": nonce, "lang": "en"})
    assert response.status_code == 200 and "Unknown user or wrong password" in response.text
    assert client.get("/me").status_code == 401


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil"])
def test_login_never_redirects_off_site(world, target: str) -> None:
    client = world["client"]
    nonce = _form_nonce(client)
    response = client.post("/login", data={"username": "staff", "password": PASSWORD,
                                           "csrf_token": nonce, "next": target},
                           follow_redirects=False)
    assert response.headers["location"] == "/"


def test_cookie_writes_need_the_csrf_token(world) -> None:
    client = world["client"]
    csrf = sign_in(client, "staff")
    change = {"max_coverage": 0.37, "reason": "test"}
    refused = client.patch(PLOT, json=change)
    assert refused.status_code == 403 and refused.json()["code"] == "csrf_failed"
    wrong = client.patch(PLOT, json=change, headers={"X-CSRF-Token": "0" * 64})
    assert wrong.status_code == 403
    assert client.get(PLOT).json()["properties"]["max_coverage"] != 0.37
    accepted = client.patch(PLOT, json=change, headers={"X-CSRF-Token": csrf})
    assert accepted.status_code == 200, accepted.text
    assert client.get(PLOT).json()["properties"]["max_coverage"] == 0.37


def test_sign_out_revokes_the_session(world) -> None:
    client = world["client"]
    csrf = sign_in(client, "inv")
    assert client.post("/logout", data={"csrf_token": "bad"}).status_code == 403
    response = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 303
    stolen = response.request.headers.get("cookie", "")
    client.cookies.clear()
    assert client.get("/me").status_code == 401
    # The revoked token is dead even if someone kept the cookie value.
    value = re.search(r"zones_session=([^;]+)", stolen).group(1)
    client.cookies.set("zones_session", value)
    assert client.get("/me").status_code == 401


def test_a_stale_cookie_reads_public_pages_as_the_public(world) -> None:
    client = world["client"]
    client.cookies.set("zones_session", "zn_expired")
    assert client.get("/plots?limit=1").status_code == 200
    assert client.get("/me").status_code == 401


@pytest.mark.parametrize(("lang", "message"), [("fa", "ورودهای ناموفق بسیار بود"),
                                               ("en", "Too many failed sign-ins")])
def test_a_throttled_form_answers_429_with_a_message(world, lang: str, message: str) -> None:
    client = world["client"]
    for _ in range(client.app.state.settings.login_max_failures_per_account):
        nonce = _form_nonce(client)
        client.post("/login", data={"username": "staff", "password": "nope",
                                    "csrf_token": nonce})
    nonce = _form_nonce(client)
    response = client.post("/login", data={"username": "staff", "password": PASSWORD,
                                           "csrf_token": nonce, "lang": lang})
    assert response.status_code == 429 and int(response.headers["retry-after"]) > 0
    assert message in response.text and f'<html lang="{lang}"' in response.text
    assert 'name="csrf_token"' in response.text  # the form again, ready for later
    assert client.get("/me").status_code == 401
