"""The uploads API: upload (inline and as a job), reports, diff, decisions, who sees what."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from tests.uploads.plan_fixtures import BASE, PASSWORD, layers, plan_world, plot
from tests.uploads.test_revisions import plan_geojson
from zones.db import create_engine, session_factory
from zones.model import Investor, PartyKind, Role
from zones.services.revisions import approve, create_draft_revision, submit
from zones.services.users import create_user
from zones.settings import Settings


@pytest.fixture
def api(settings: Settings, tmp_path: Path) -> Iterator[dict]:
    settings = settings.model_copy(update={"upload_dir": tmp_path / "uploads",
                                           "upload_max_bytes": 100_000})
    engine = create_engine(settings)
    with session_factory(engine, write=True)() as session:
        world = plan_world(session)
        users = world["users"]
        session.add(Investor(ref="INV-1", kind=PartyKind.LEGAL, name_fa="سرمایه‌گذار",
                             nationality="IR"))
        session.flush()
        create_user(session=session, username="inv", password=PASSWORD, role=Role.INVESTOR,
                    investor_ref="INV-1")
        session.commit()

        def draft(by: str, plots: dict) -> int:
            return create_draft_revision(session=session, district_code="D1",
                                         layers=layers(plots), title=f"by {by}",
                                         user=users[by]).id
        ids = {"own": draft("cons", BASE), "other": draft("cons2", BASE | {"3-06": plot(6)})}
        published = create_draft_revision(session=session, district_code="D1",
                                          layers=layers(BASE), title="approved",
                                          user=users["cons2"])
        submit(session, published, user=users["cons2"])
        approve(session, published, user=users["wg"], decision_ref="WG-1")
        ids["pub"] = published.id
        session.commit()  # the revision services leave the commit to their caller
    engine.dispose()
    with TestClient(create_app(settings)) as client:
        yield {"client": client, "ids": ids, "settings": settings}


def auth(client: TestClient, username: str | None) -> dict[str, str]:
    if username is None:
        return {}
    response = client.post("/auth/token", data={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def upload(client: TestClient, path: Path, who: str = "cons", **params) -> object:
    with path.open("rb") as fh:
        return client.post("/districts/D1/uploads", params=params, headers=auth(client, who),
                           files={"file": (path.name, fh, "application/geo+json")},
                           data={"options": json.dumps({})})


VISIBLE = {None: {"pub"}, "inv": {"pub"}, "cons": {"own"}, "cons2": {"other", "pub"},
           "staff": {"own", "other", "pub"}, "wg": {"own", "other", "pub"},
           "admin": {"own", "other", "pub"}}


@pytest.mark.parametrize("who", list(VISIBLE))
def test_who_sees_which_revisions(api, who) -> None:
    client, ids = api["client"], api["ids"]
    headers = auth(client, who)
    listed = {r["id"] for r in client.get("/revisions", headers=headers).json()["items"]}
    assert listed == {ids[k] for k in VISIBLE[who]}
    for name, rid in ids.items():
        status = client.get(f"/revisions/{rid}", headers=headers).status_code
        assert status == (200 if name in VISIBLE[who] else 404), (name, status)


def test_working_group_approves_and_dates_are_jalali(api) -> None:
    client, rid = api["client"], api["ids"]["own"]
    assert client.post(f"/revisions/{rid}/submit", headers=auth(client, "cons")).status_code \
        == 200
    refused = client.post(f"/revisions/{rid}/approve", headers=auth(client, "staff"),
                          json={"decision_ref": "X"})
    assert (refused.status_code, refused.json()["code"]) == (403, "approval_forbidden")
    smuggled = client.post(f"/revisions/{rid}/approve", headers=auth(client, "wg"),
                           json={"decision_ref": "WG-2", "status": "approved"})
    assert smuggled.status_code in (400, 422)
    done = client.post(f"/revisions/{rid}/approve", headers=auth(client, "wg"),
                       json={"decision_ref": "WG-2", "comments": "تصویب شد"})
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["status"] == "approved" and body["decided_at_jalali"].startswith("14")
    previous = client.get(f"/revisions/{api['ids']['pub']}").json()
    assert previous["status"] == "superseded"


# 300 kB fails on Content-Length before the body is read; 120 kB passes that check (the
# form may add overhead) and fails while the file streams to disk.
@pytest.mark.parametrize("size", [300_000, 120_000])
def test_oversized_body_is_413_and_leaves_nothing(api, tmp_path, size) -> None:
    client = api["client"]
    big = tmp_path / "big.geojson"
    big.write_bytes(b" " * size)
    response = upload(client, big)
    assert response.status_code == 413 and response.json()["code"] == "payload_too_large"
    assert not any(api["settings"].upload_dir.rglob("*.geojson"))


def test_small_upload_inline_with_report_diff_and_features(api, tmp_path) -> None:
    client = api["client"]
    response = upload(client, plan_geojson(tmp_path / "plan.geojson", BASE | {"3-06": plot(6)}))
    assert response.status_code == 201, response.text
    rid = response.json()["id"]
    headers = auth(client, "cons")
    report = client.get(f"/revisions/{rid}/report", headers=headers).json()
    assert report["counts"]["features"] == {"plots": 6}
    html = client.get(f"/revisions/{rid}/report.html", headers=headers)
    assert html.status_code == 200 and "<html" in html.text.lower()
    gpkg = client.get(f"/revisions/{rid}/report?format=gpkg", headers=headers)
    assert gpkg.status_code == 200 and gpkg.content[:15] == b"SQLite format 3"
    diff = client.get(f"/revisions/{rid}/diff", headers=headers).json()
    assert diff["counts"]["added"] == 1 and diff["counts"]["unchanged"] == 5
    shapes = client.get(f"/revisions/{rid}/diff?format=geojson", headers=headers).json()
    assert [f["properties"]["code"] for f in shapes["features"]] == ["3-06"]
    features = client.get(f"/revisions/{rid}/features", headers=headers).json()
    assert len(features["features"]) == 6
    assert client.get(f"/revisions/{rid}/report", headers=auth(client, "cons2")).status_code \
        == 404
    assert not any((api["settings"].upload_dir / "incoming").glob("*"))


def _wait(client: TestClient, url: str, headers: dict) -> dict:
    for _ in range(300):
        job = client.get(url, headers=headers).json()
        if job["status"] in ("succeeded", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job did not finish: {job}")


def test_background_job_succeeds(api, tmp_path) -> None:
    client = api["client"]
    response = upload(client, plan_geojson(tmp_path / "plan.geojson"), background="true")
    assert response.status_code == 202 and response.headers["Location"].startswith("/jobs/")
    headers = auth(client, "cons")
    job = _wait(client, response.headers["Location"], headers)
    assert (job["status"], job["progress"], job["error_code"]) == ("succeeded", 100, None)
    assert client.get(job["links"]["revision"], headers=headers).status_code == 200
    assert client.get(response.headers["Location"],
                      headers=auth(client, "cons2")).status_code == 404


def test_background_job_fails_with_the_problem_code(api, tmp_path) -> None:
    client = api["client"]
    broken = tmp_path / "broken.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    headers = auth(client, "cons")
    before = len(client.get("/revisions", headers=auth(client, "staff")).json()["items"])
    response = upload(client, broken, background="true")
    job = _wait(client, response.headers["Location"], headers)
    assert job["status"] == "failed" and job["revision_id"] is None
    assert job["error_code"] not in (None, "internal_error")
    assert len(client.get("/revisions", headers=auth(client, "staff")).json()["items"]) == before
    assert not any((api["settings"].upload_dir / "incoming").glob("*"))


def test_background_job_names_the_feature_like_the_inline_problem(api, tmp_path) -> None:
    """A refusal in a job keeps what the inline problem says: code, file, layer, feature."""
    client = api["client"]
    bad = tmp_path / "plan.geojson"
    bad.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [49.4, 37.4]},
         "properties": {}}, 7]}), encoding="utf-8")
    inline = upload(client, bad)
    problem = inline.json()
    assert inline.status_code == 400 and problem["feature"] == 1
    job = _wait(client, upload(client, bad, background="true").headers["Location"],
                auth(client, "cons"))
    assert job["status"] == "failed" and job["error_code"] == problem["code"]
    assert job["error_extra"] == {"file": "plan.geojson", "layer": "plan", "feature": 1}
    assert {k: problem[k] for k in job["error_extra"]} == job["error_extra"]


def test_empty_plan_is_refused_with_a_code(api, tmp_path) -> None:
    client = api["client"]
    before = len(client.get("/revisions", headers=auth(client, "staff")).json()["items"])
    empty = tmp_path / "empty.geojson"
    empty.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    response = upload(client, empty)
    problem = response.json()
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert problem["code"] == "plan_has_no_plots" and problem["file"] == "empty.geojson"
    assert len(client.get("/revisions", headers=auth(client, "staff")).json()["items"]) == before
    assert not any(api["settings"].upload_dir.rglob("*.geojson"))


def test_approval_must_acknowledge_the_plots_it_retires(api, tmp_path) -> None:
    client = api["client"]
    dropped = {k: v for k, v in BASE.items() if k != "3-04"}
    rid = upload(client, plan_geojson(tmp_path / "plan.geojson", dropped)).json()["id"]
    assert client.post(f"/revisions/{rid}/submit", headers=auth(client, "cons")).status_code \
        == 200
    wg = auth(client, "wg")
    diff = client.get(f"/revisions/{rid}/diff", headers=wg).json()
    assert (diff["retire_count"], diff["retired_codes"]) == (1, ["3-04"])
    assert [w["code"] for w in diff["warnings"]] == ["plots_retired"]
    for sent in ({}, {"retire_count": 0}, {"retire_count": 5}):
        refused = client.post(f"/revisions/{rid}/approve", headers=wg,
                              json={"decision_ref": "WG-7", **sent})
        problem = refused.json()
        assert (refused.status_code, problem["code"]) == (409, "retirement_not_acknowledged")
        assert problem["retire_count"] == 1 and problem["plot_codes"] == ["3-04"]
    assert client.get(f"/revisions/{rid}", headers=wg).json()["status"] == "submitted"
    done = client.post(f"/revisions/{rid}/approve", headers=wg,
                       json={"decision_ref": "WG-7", "retire_count": 1})
    assert done.status_code == 200, done.text
    codes = {f["properties"]["code"] for f in client.get(
        "/plots", params={"district": "D1"}).json()["features"]}
    assert codes == set(dropped)


def _metric_ring(k: int, *, clockwise: bool = False, z: float | None = None) -> list:
    """Plot ``k``'s rectangle (as :func:`tests.uploads.plan_fixtures.plot`) in UTM 39N."""
    import shapely

    from tests.common import X0, Y0

    ring = list(shapely.box(X0 + 40 * (k - 1), Y0, X0 + 40 * k, Y0 + 50,
                            ccw=not clockwise).exterior.coords)
    return [[x, y, z] if z is not None else [x, y] for x, y in ring]


def test_upload_response_reports_every_change_reading_made(api, tmp_path) -> None:
    """BOM, a declared CRS, Z, a clockwise and an unclosed ring, Arabic letters, text too
    long and server-controlled columns: each is named in the upload's own answer."""
    import shapely

    def feature(k, ring, **props):
        return {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": {"code": f"3-0{k}", "land_use": "industrial", **props}}

    doc = {"type": "FeatureCollection",
           "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32639"}},
           "features": [
               feature(1, _metric_ring(1, clockwise=True, z=-20.0), status="allocated"),
               feature(2, _metric_ring(2)[:-1], investor="INV-9"),    # ring left open
               feature(3, _metric_ring(3), name_fa="شهرك صنعتي ٣"),  # Arabic kaf, yeh, digit
               feature(4, _metric_ring(4), name_en="x" * 250),
               feature(5, _metric_ring(5)),
               feature(6, _metric_ring(6, clockwise=True))]}
    path = tmp_path / "plan.geojson"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(doc, ensure_ascii=False).encode())
    client = api["client"]
    response = upload(client, path)
    assert response.status_code == 201, response.text
    body = response.json()
    notices = {n["code"]: n for n in body["notices"]}
    assert set(notices) == {"bom_removed", "crs_transformed", "z_dropped", "rings_reoriented",
                            "ring_closed", "text_normalised", "text_truncated",
                            "columns_ignored"}
    assert notices["crs_transformed"]["extra"]["crs"] == "EPSG:32639"
    assert "UTM zone 39N" in notices["crs_transformed"]["message"]["en"]
    assert notices["z_dropped"]["extra"]["features"] == [0]
    assert notices["rings_reoriented"]["extra"]["features"] == [0, 5]
    assert notices["ring_closed"]["extra"] == {"features": [1], "codes": ["3-02"]}
    assert notices["text_normalised"]["extra"] == {"fields": ["name_fa"], "features": [2]}
    assert notices["text_truncated"]["extra"]["fields"] == ["name_en"]
    assert notices["text_truncated"]["extra"]["features"] == [3]
    assert notices["columns_ignored"]["extra"]["server_controlled"] == ["status", "investor"]
    assert all(n["message"]["fa"] and n["message"]["en"] for n in body["notices"])
    # The same notices are in the stored report.
    headers = auth(client, "cons")
    rid = body["id"]
    assert client.get(f"/revisions/{rid}/report", headers=headers).json()["notices"] \
        == body["notices"]
    html = client.get(f"/revisions/{rid}/report.html?lang=en", headers=headers).text
    assert "<code>ring_closed</code>" in html and "(Layer: plan; Feature: 1)" in html
    # Served back counter-clockwise (RFC 7946 §3.1.6), whatever the file had.
    features = client.get(f"/revisions/{rid}/features", headers=headers).json()["features"]
    rings = [shapely.geometry.shape(f["geometry"]).exterior for f in features]
    assert len(rings) == 6 and all(shapely.is_ccw(r) for r in rings)
    names = {f["properties"]["code"]: f["properties"] for f in features}
    assert names["3-03"]["name_fa"] == "شهرک صنعتی 3" and len(names["3-04"]["name_en"]) == 200
    assert client.post(f"/revisions/{rid}/submit", headers=headers).status_code == 200
    done = client.post(f"/revisions/{rid}/approve", headers=auth(client, "wg"),
                       json={"decision_ref": "WG-8"})
    assert done.status_code == 200, done.text
    plots = client.get("/plots", params={"district": "D1"}).json()["features"]
    assert {p["properties"]["code"] for p in plots} >= {"3-06"}
    assert all(shapely.is_ccw(shapely.geometry.shape(p["geometry"]).exterior) for p in plots)
