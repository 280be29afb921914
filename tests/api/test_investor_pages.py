"""The investor pages (/my, /my/requests/new) follow the JSON API's access rules.

An investor sees only itself: naming another investor with ``?investor=`` is a 404, the
answer ``GET /investors/{ref}`` gives, so a ref's existence is not disclosed. Staff, the
working group and admins name any investor; consultants get 403; a browser with no
sign-in is sent to the login form and a program gets a 401 problem.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from tests.api.conftest import headers_for
from zones.text import jalali

PAGES = ["/my", "/my/requests/new"]
HTML = {"Accept": "text/html,application/xhtml+xml"}


def _script_data(html: str) -> dict:
    found = re.search(r'<script type="application/json" id="request-data">(.*?)</script>', html,
                      re.S)
    assert found is not None
    return json.loads(found.group(1))


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_browser_is_sent_to_sign_in_and_program_gets_401(world, path) -> None:
    client = world["client"]
    page = client.get(path, params={"lang": "en"}, headers=HTML, follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"].startswith("/login?")
    assert "next=" + path.replace("/", "%2F") in page.headers["location"]
    assert "lang=en" in page.headers["location"]
    program = client.get(path, headers={"Accept": "application/json"})
    assert program.status_code == 401
    assert program.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("path", PAGES)
def test_consultant_is_refused(world, path) -> None:
    client = world["client"]
    response = client.get(path, headers=headers_for(client, "cons"))
    assert response.status_code == 403 and response.json()["code"] == "forbidden"


def test_investor_sees_own_units_and_an_empty_request_list(world) -> None:
    client = world["client"]
    page = client.get("/my", headers=headers_for(client, "inv"))
    assert page.status_code == 200
    assert '<html lang="fa" dir="rtl">' in page.text
    for ref in world["units"][world["own"]]:
        assert f'data-unit="{ref}"' in page.text and f"/units/{ref}/page?lang=fa" in page.text
    assert not any(f'data-unit="{ref}"' in page.text for ref in world["units"][world["other"]])
    assert "هنوز درخواستی ثبت نکرده‌اید." in page.text
    assert 'href="/my/requests/new?lang=fa"' in page.text
    assert "https://" not in page.text


@pytest.mark.parametrize("path", PAGES)
def test_investor_naming_another_investor_gets_404(world, path) -> None:
    client = world["client"]
    inv = headers_for(client, "inv")
    theirs = client.get(path, params={"investor": world["other"]}, headers=inv)
    assert theirs.status_code == 404 and theirs.json()["code"] == "not_found"
    missing = client.get(path, params={"investor": "NO-SUCH"}, headers=inv)
    assert missing.status_code == 404  # the same answer: nothing to tell them apart
    assert client.get(path, params={"investor": world["own"]}, headers=inv).status_code == 200


@pytest.mark.parametrize("role", ["staff", "wg", "admin"])
def test_staff_open_any_investors_page(world, role) -> None:
    client = world["client"]
    headers = headers_for(client, role)
    page = client.get("/my", params={"investor": world["other"], "lang": "en"}, headers=headers)
    assert page.status_code == 200 and '<html lang="en" dir="ltr">' in page.text
    assert all(f'data-unit="{ref}"' in page.text for ref in world["units"][world["other"]])
    assert f"/my/requests/new?investor={world['other']}&amp;lang=en" in page.text
    form = client.get("/my/requests/new", params={"investor": world["other"]}, headers=headers)
    assert form.status_code == 200
    assert _script_data(form.text)["investorRef"] == world["other"]
    unnamed = client.get("/my", headers=headers)
    assert unnamed.status_code == 400 and unnamed.json()["code"] == "invalid_input"


def test_submitted_request_is_listed_with_status_and_date(world) -> None:
    client = world["client"]
    inv = headers_for(client, "inv")
    body = {"purpose": "new_unit", "isic4": "1079", "env_group": "B",
            "area_min_m2": 2500, "area_max_m2": 6000}
    made = client.post("/requests", json=body, headers={**inv, "Idempotency-Key": "page-1"})
    assert made.status_code == 201, made.text
    request_id = made.json()["id"]
    fa = client.get("/my", headers=inv).text
    row = re.search(rf'<tr data-request="{request_id}">(.*?)</tr>', fa, re.S)
    assert row is not None
    assert "ثبت‌شده" in row.group(1) and "۲٬۵۰۰ – ۶٬۰۰۰" in row.group(1)
    assert jalali(dt.datetime.now(dt.UTC)) in row.group(1)  # Jalali, Persian digits
    en = client.get("/my", params={"lang": "en"}, headers=inv).text
    row = re.search(rf'<tr data-request="{request_id}">(.*?)</tr>', en, re.S)
    assert row is not None and "Submitted" in row.group(1) and "New unit" in row.group(1)
    assert dt.datetime.now(dt.UTC).date().isoformat() in row.group(1)


def test_form_offers_own_units_districts_and_local_assets_only(world) -> None:
    client = world["client"]
    form = client.get("/my/requests/new", params={"lang": "en"},
                      headers=headers_for(client, "inv"))
    assert form.status_code == 200 and '<html lang="en" dir="ltr">' in form.text
    for ref in world["units"][world["own"]]:
        assert f'<option value="{ref}">' in form.text
    assert not any(f'<option value="{ref}">' in form.text
                   for ref in world["units"][world["other"]])
    assert 'name="district" value="D1"' in form.text
    data = _script_data(form.text)
    assert data["investorRef"] is None and data["submitUrl"] == "/requests"
    assert data["doneUrl"] == "/my?lang=en"
    sources = re.findall(r'(?:src|href)="([^"]+)"', form.text)
    assert all(s.startswith(("/", "?")) for s in sources), sources
    for src in re.findall(r'src="([^"]+)"', form.text):
        assert client.get(src).status_code == 200, src
