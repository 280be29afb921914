"""Who sees what: a role × endpoint × own/other-object matrix, on both backends.

An investor asking for another investor's records gets 404, exactly as for a record that
does not exist; consultants and the public have no access to party records.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.api.conftest import PASSWORD
from tests.api.conftest import headers_for as _headers
from zones.db import create_engine, session_factory

ROLES = [None, "inv", "cons", "staff", "wg", "admin"]
# Expected status per (who, endpoint); "own"/"other" are the investor's and someone else's.
MATRIX = {
    None: {"/investors": 401, "investor:own": 401, "investor:other": 401, "/units": 401,
           "unit:own": 401, "unit:other": 401},
    "inv": {"/investors": 200, "investor:own": 200, "investor:other": 404, "/units": 200,
            "unit:own": 200, "unit:other": 404},
    "cons": {"/investors": 403, "investor:own": 403, "investor:other": 403, "/units": 403,
             "unit:own": 403, "unit:other": 403},
    **{r: {"/investors": 200, "investor:own": 200, "investor:other": 200, "/units": 200,
           "unit:own": 200, "unit:other": 200} for r in ("staff", "wg", "admin")},
}
REGISTERS = {  # /allocations, /bank-facilities, /audit-events, /users
    None: (401, 401, 401, 401),
    "inv": (200, 200, 403, 403),
    "cons": (403, 403, 403, 403),
    "staff": (200, 200, 200, 403),
    "wg": (200, 200, 200, 403),
    "admin": (200, 200, 200, 200),
}
for _who, _codes in REGISTERS.items():
    MATRIX[_who].update(zip(("/allocations", "/bank-facilities", "/audit-events", "/users"),
                            _codes, strict=True))


def _url(world: dict, endpoint: str) -> str:
    kind, _, whose = endpoint.partition(":")
    if not whose:
        return endpoint
    investor = world[whose]
    if kind == "investor":
        return f"/investors/{investor}"
    return f"/units/{sorted(world['units'][investor])[0]}"


@pytest.mark.parametrize("who", ROLES, ids=lambda r: r or "anonymous")
def test_role_matrix(world, who) -> None:
    client = world["client"]
    headers = _headers(client, who)
    for endpoint, expected in MATRIX[who].items():
        response = client.get(_url(world, endpoint), headers=headers)
        assert response.status_code == expected, (who, endpoint, response.text)
        if expected >= 400:
            assert response.headers["content-type"] == "application/problem+json"


def test_investor_lists_only_its_own_records(world) -> None:
    client = world["client"]
    headers = _headers(client, "inv")
    investors = client.get("/investors", headers=headers).json()["items"]
    assert [i["ref"] for i in investors] == [world["own"]]
    units = client.get("/units", headers=headers).json()["items"]
    assert {u["ref"] for u in units} == world["units"][world["own"]]
    assert {u["investor_ref"] for u in units} == {world["own"]}


def test_investor_sees_only_its_allocations_and_facilities(world) -> None:
    client = world["client"]
    headers = _headers(client, "inv")
    me = client.get("/me", headers=headers).json()
    allocations = client.get("/allocations", params={"limit": 1000}, headers=headers).json()
    assert allocations["items"] and {a["investor_id"] for a in allocations["items"]} == {
        me["investor_id"]}
    assert len(allocations["items"]) == len(world["units"][world["own"]])
    unit_ids = {a["unit_id"] for a in allocations["items"]}
    facilities = client.get("/bank-facilities", headers=headers).json()["items"]
    assert {f["unit_id"] for f in facilities} <= unit_ids


def test_registers_page_with_next_links(world) -> None:
    client = world["client"]
    headers = _headers(client, "staff")
    seen, url = [], "/allocations?limit=40"
    while url:
        body = client.get(url, headers=headers).json()
        seen += [a["id"] for a in body["items"]]
        url = body["next"]
    assert len(seen) == len(set(seen)) == world["n_units"]


def test_staff_list_everything(world) -> None:
    client = world["client"]
    headers = _headers(client, "staff")
    big = {"limit": 1000}
    assert len(client.get("/investors", params=big, headers=headers).json()["items"]) == world[
        "n_investors"]
    assert len(client.get("/units", params=big, headers=headers).json()["items"]) == world[
        "n_units"]


def test_unit_filters_search_and_sort(world) -> None:
    client = world["client"]
    headers = _headers(client, "staff")

    def units(**params) -> list[dict]:
        response = client.get("/units", params={"limit": 1000, **params}, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()["items"]

    dormant = units(status="dormant")
    assert dormant and {u["status"] for u in dormant} == {"dormant"}
    food = units(isic4="10")
    assert food and all(u["isic4"].startswith("10") for u in food)
    # Typed with Arabic kaf and yeh, as a Persian keyboard on Windows often does.
    found = units(q="كاسپين")
    assert found and all("کاسپین" in u["name_fa"] for u in found)
    by_jobs = units(sort="-employment_actual")
    jobs = [u["employment_actual"] for u in by_jobs]
    assert jobs == sorted(jobs, reverse=True)
    mine = units(investor=world["own"])
    assert {u["ref"] for u in mine} == world["units"][world["own"]]
    refused = client.get("/units", params={"sort": "password_hash"}, headers=headers)
    assert refused.status_code == 400 and refused.json()["code"] == "invalid_input"


def test_wrong_password_and_bad_token_are_401_with_codes(world) -> None:
    client = world["client"]
    wrong = client.post("/auth/token", data={"username": "staff", "password": "nope"})
    assert wrong.status_code == 401 and wrong.json()["code"] == "invalid_credentials"
    unknown = client.post("/auth/token", data={"username": "ghost", "password": PASSWORD})
    assert unknown.json()["code"] == "invalid_credentials"
    bad = client.get("/me", headers={"Authorization": "Bearer not.a.token"})
    assert bad.status_code == 401 and bad.json()["code"] == "not_authenticated"
    assert bad.headers["www-authenticate"] == "Bearer"


def test_me_and_username_normalised(world) -> None:
    client = world["client"]
    # Persian-keyboard digits or capitals in a username still sign the same person in.
    response = client.post("/auth/token", data={"username": "STAFF", "password": PASSWORD})
    me = client.get("/me", headers={"Authorization":
                                    f"Bearer {response.json()['access_token']}"}).json()
    assert me["username"] == "staff" and me["role"] == "staff"


def test_revoked_token_stops_working_at_once(world) -> None:
    client = world["client"]
    login = client.post("/auth/token", data={"username": "inv", "password": PASSWORD}).json()
    headers = {"Authorization": f"Bearer {login['access_token']}"}
    assert client.get("/units", headers=headers).status_code == 200
    other = _headers(client, "staff")
    # Someone else's token is invisible to a non-admin: revoking it is a 404.
    assert client.delete(f"/auth/tokens/{login['token_id']}", headers=other).status_code == 404
    assert client.delete(f"/auth/tokens/{login['token_id']}", headers=headers).status_code == 204
    refused = client.get("/units", headers=headers)
    assert refused.status_code == 401 and refused.json()["code"] == "not_authenticated"


def test_tokens_are_stored_hashed_and_kept_out_of_the_audit(world, demo_settings) -> None:
    from zones.model import ApiToken, AuditEvent, User

    token = world["client"].post(
        "/auth/token", data={"username": "admin", "password": PASSWORD}).json()["access_token"]
    engine = create_engine(demo_settings)
    with session_factory(engine)() as session:
        stored = session.scalars(sa.select(ApiToken.token_hash)).all()
        events = session.scalars(sa.select(AuditEvent).where(
            AuditEvent.entity.in_(["api_token", "app_user"]))).all()
        hashes = session.scalars(sa.select(User.password_hash)).all()
    engine.dispose()
    assert token not in stored and len(stored) >= 1
    assert all(h.startswith("$argon2id$") for h in hashes)
    dumped = " ".join(str(e.after) for e in events)
    assert token not in dumped and "$argon2id$" not in dumped
    assert all(h not in dumped for h in stored)


def test_expired_token_is_refused(world, demo_settings) -> None:
    import datetime as dt

    from zones.model import User
    from zones.services.users import issue_token

    engine = create_engine(demo_settings)
    with session_factory(engine, write=True)() as session:
        user = session.scalar(sa.select(User).where(User.username == "staff"))
        _, text = issue_token(session=session, user=user, name="old",
                              lifetime=dt.timedelta(seconds=-1))
        session.commit()
    engine.dispose()
    response = world["client"].get("/me", headers={"Authorization": f"Bearer {text}"})
    assert response.status_code == 401
