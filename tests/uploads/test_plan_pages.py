"""The plan pages (/plans, /plans/{id}): who may open which, and what the pages show."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from tests.uploads.plan_fixtures import BASE, PASSWORD, layers, plan_world, plot
from zones.db import create_engine, session_factory
from zones.model import Investor, PartyKind, Role
from zones.services.revisions import create_draft_revision
from zones.services.users import create_user
from zones.settings import Settings
from zones.uploads.contract import LayerRole

HTML = {"Accept": "text/html"}


@pytest.fixture
def pages(settings: Settings, tmp_path: Path) -> Iterator[dict]:
    """The plan world with three drafts: ``clean`` and ``broken`` (a duplicate code) by
    ``cons``, ``other`` by ``cons2``; and an investor ``inv``."""
    settings = settings.model_copy(update={"upload_dir": tmp_path / "uploads"})
    engine = create_engine(settings)
    with session_factory(engine, write=True)() as session:
        users = plan_world(session)["users"]
        session.add(Investor(ref="INV-1", kind=PartyKind.LEGAL, name_fa="سرمایه‌گذار",
                             nationality="IR"))
        session.flush()
        create_user(session=session, username="inv", password=PASSWORD, role=Role.INVESTOR,
                    investor_ref="INV-1")
        broken = layers(BASE)
        broken[LayerRole.PLOTS].loc[1, "code"] = "3-01"

        def draft(by: str, plan: dict, title: str) -> int:
            return create_draft_revision(session=session, district_code="D1", layers=plan,
                                         title=title, user=users[by]).id

        ids = {"clean": draft("cons", layers(BASE), "clean"),
               "broken": draft("cons", broken, "broken"),
               "other": draft("cons2", layers(BASE | {"3-06": plot(6)}), "other")}
        session.commit()
    engine.dispose()
    with TestClient(create_app(settings)) as client:
        yield {"client": client, "ids": ids}


def sign_in(client: TestClient, username: str | None) -> dict[str, str]:
    """Bearer headers for ``username`` (none for anonymous), plus Accept: text/html."""
    if username is None:
        return dict(HTML)
    response = client.post("/auth/token", data={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {**HTML, "Authorization": f"Bearer {response.json()['access_token']}"}


def listed(html: str) -> set[int]:
    return {int(n) for n in re.findall(r'data-revision="(\d+)"', html)}


def test_anonymous_browser_is_sent_to_sign_in(pages) -> None:
    client, rid = pages["client"], pages["ids"]["clean"]
    for path in ("/plans?lang=en", f"/plans/{rid}"):
        response = client.get(path, headers=HTML, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")
    assert client.get("/plans", headers={"Accept": "application/json"}).status_code == 401


def test_investor_gets_403(pages) -> None:
    client, rid = pages["client"], pages["ids"]["clean"]
    headers = sign_in(client, "inv")
    for path in ("/plans", f"/plans/{rid}"):
        response = client.get(path, headers=headers)
        assert response.status_code == 403
        assert response.json()["code"] == "forbidden"


@pytest.mark.parametrize(("who", "sees"), [("cons", {"clean", "broken"}),
                                           ("cons2", {"other"}),
                                           ("staff", {"clean", "broken", "other"}),
                                           ("wg", {"clean", "broken", "other"})])
def test_list_shows_what_the_api_shows(pages, who, sees) -> None:
    client, ids = pages["client"], pages["ids"]
    response = client.get("/plans", headers=sign_in(client, who))
    assert response.status_code == 200
    assert listed(response.text) == {ids[k] for k in sees}
    order = [int(n) for n in re.findall(r'<tr data-revision="(\d+)"', response.text)]
    assert order == sorted(order, reverse=True)  # newest first


def test_consultant_cannot_open_anothers_revision(pages) -> None:
    client, ids = pages["client"], pages["ids"]
    headers = sign_in(client, "cons")
    assert client.get(f"/plans/{ids['other']}", headers=headers).status_code == 404
    assert client.get("/plans/999999", headers=headers).status_code == 404
    assert client.get(f"/plans/{ids['clean']}", headers=headers).status_code == 200


def test_upload_form_for_consultants_and_staff_only(pages) -> None:
    client = pages["client"]
    for who, has_form in [("cons", True), ("staff", True), ("wg", False)]:
        html = client.get("/plans", headers=sign_in(client, who)).text
        assert ('id="upload-form"' in html) is has_form, who
    html = client.get("/plans", headers=sign_in(client, "cons")).text
    assert re.search(r'<option value="D1">', html)
    assert '<details id="upload-advanced">' in html and 'id="opt-crs"' in html
    assert 'role="alert"' in html


def test_pages_in_both_languages(pages) -> None:
    client, rid = pages["client"], pages["ids"]["clean"]
    headers = sign_in(client, "cons")
    fa = client.get(f"/plans/{rid}", headers=headers).text
    en = client.get(f"/plans/{rid}?lang=en", headers=headers).text
    assert '<html lang="fa" dir="rtl">' in fa and '<html lang="en" dir="ltr">' in en
    assert "پیش‌نویس" in fa and "Draft" in en
    # Jalali date with Persian digits / Gregorian ISO date.
    assert re.search(r"<bdi>[۰-۹]{4}/[۰-۹]{2}/[۰-۹]{2}</bdi>", fa)
    assert re.search(r"<bdi>20\d\d-\d\d-\d\d</bdi>", en)
    listing = client.get("/plans?lang=en", headers=headers).text
    assert '<html lang="en" dir="ltr">' in listing and "Upload a plan" in listing


def test_revision_page_lists_problems_and_offers_submit_only_when_clean(pages) -> None:
    client, ids = pages["client"], pages["ids"]
    headers = sign_in(client, "cons")
    broken = client.get(f"/plans/{ids['broken']}?lang=en", headers=headers).text
    codes = re.findall(r'data-code="([a-z_]+)"', broken)
    # Its second plot took the first one's code, so 3-02 would be retired: said too.
    assert codes == ["code_duplicate", "code_duplicate", "plots_retired"]
    assert "retires 1 current plot(s) of district D1 that it does not carry: 3-02" in broken
    assert "Plot code 3-01 is also used by feature(s) 1." in broken
    assert 'id="revision-submit"' not in broken and "blocking errors" in broken
    clean = client.get(f"/plans/{ids['clean']}?lang=en", headers=headers).text
    assert 'id="revision-submit"' in clean and 'id="no-problems"' in clean
    for href in (f"/revisions/{ids['clean']}/report.json",
                 f"/revisions/{ids['clean']}/report.gpkg"):
        assert f'href="{href}"' in clean
    # The working group decides elsewhere; it gets no submit button here.
    wg = client.get(f"/plans/{ids['clean']}", headers=sign_in(client, "wg")).text
    assert 'id="revision-submit"' not in wg and 'href="/review?lang=fa"' in wg


def test_revision_page_links_only_local_assets(pages) -> None:
    client, rid = pages["client"], pages["ids"]["broken"]
    html = client.get(f"/plans/{rid}", headers=sign_in(client, "cons")).text
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls and all(u.startswith(("/", "?")) for u in urls), urls
    assert "/static/vendor/leaflet/leaflet.js" in urls
    assert "/static/maps/plan-revision.js" in urls


def test_file_names_from_uploads_are_escaped(pages, tmp_path) -> None:
    from tests.uploads.test_revisions import plan_geojson

    client = pages["client"]
    headers = sign_in(client, "cons")
    path = plan_geojson(tmp_path / "plan.geojson", BASE | {"3-06": plot(6)})
    name = '<img src=x onerror="alert(1)">.geojson'
    with path.open("rb") as fh:
        response = client.post("/districts/D1/uploads", headers=headers,
                               files={"file": (name, fh, "application/geo+json")})
    assert response.status_code == 201, response.text
    rid = response.json()["id"]
    for page in ("/plans", f"/plans/{rid}"):
        html = client.get(page, headers=headers).text
        assert "<img" not in html
        assert "&lt;img src=x onerror=" in html


def test_review_page_warns_of_retired_plots_and_asks_to_acknowledge(pages, settings
                                                                    ) -> None:
    """The working group's approval form (GET /review) names the plots a plan retires and
    carries the acknowledgement the API requires, in Persian and English."""
    from zones.model import User
    from zones.services.revisions import submit

    engine = create_engine(settings)
    with session_factory(engine, write=True)() as session:
        user = session.query(User).filter_by(username="cons").one()
        revision = create_draft_revision(
            session=session, district_code="D1", title="drops 3-04", user=user,
            layers=layers({k: v for k, v in BASE.items() if k != "3-04"}))
        rid = submit(session, revision, user=user).id
        session.commit()  # the revision services leave the commit to their caller
    engine.dispose()
    client = pages["client"]
    cons = sign_in(client, "cons")
    keeps = pages["ids"]["other"]  # retires nothing
    assert client.post(f"/revisions/{keeps}/submit",
                       headers=sign_in(client, "cons2")).status_code == 200
    wg = sign_in(client, "wg")
    fa = client.get("/review", headers=wg).text
    item = fa[fa.index(f'id="revision-{rid}"'):]
    item = item[:item.index("</tbody>")]
    assert "قطعه‌های جاری زیر را بازنشسته می‌کند" in item and "3-04" in item
    assert 'name="acknowledge_retired" value="1" required' in item
    other = fa[fa.index(f'id="revision-{keeps}"'):]
    assert "acknowledge_retired" not in other[:other.index("</tbody>")]
    en = client.get("/review?lang=en", headers=wg).text
    assert "Approving this plan retires these current plots" in en
    assert "I acknowledge that this many plots will be retired" in en
    # The revision's own page lists the warning with the plot's code.
    page = client.get(f"/plans/{rid}?lang=en", headers=cons).text
    assert "plots_retired" in page and "3-04" in page
