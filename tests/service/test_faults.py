"""Faults against the real service process: each gets its documented answer, nothing is
stored half-done, and ``zones check`` is clean afterwards (issue 18).

The service runs as users run it (``zones serve``, two workers under uvicorn's
supervisor); the faults come from outside it: SIGKILL of its workers, the database's own
sessions terminated, the database closed to connections, a table lock held for 15 s.
"""

from __future__ import annotations

import concurrent.futures
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import geopandas as gpd
import httpx
import pyogrio
import pytest
import shapely
import sqlalchemy as sa

from tests.backends import ADMIN_URL
from tests.service.conftest import Service, check_clean, database

BOTH = pytest.mark.parametrize("service", [("spatialite", 2), ("postgis", 2)], indirect=True,
                               ids=["spatialite", "postgis"])
POSTGIS = pytest.mark.parametrize("service", [("postgis", 2)], indirect=True, ids=["postgis"])


# -- helpers -----------------------------------------------------------------------------


def _problem(reply: httpx.Response, status: int, code: str) -> None:
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"].startswith("application/problem+json")
    assert reply.json()["code"] == code, reply.text


def _plot(service: Service, code: str, district: str = "D3") -> dict[str, Any]:
    reply = service.client().get(f"/plots/{district}/{code}")
    assert reply.status_code == 200, reply.text
    return reply.json()["properties"]


def _d3_plots(service: Service, tmp_path: Path) -> gpd.GeoDataFrame:
    reply = service.client().get("/districts/D3/export.gpkg")
    assert reply.status_code == 200, reply.text
    path = tmp_path / "d3.gpkg"
    path.write_bytes(reply.content)
    return pyogrio.read_dataframe(path, layer="plots")


def _submitted_plan(service: Service, tmp_path: Path) -> tuple[int, str, dict[str, Any]]:
    """District 3's plan with one planned plot turned green, uploaded and submitted;
    returns the revision id, that plot's code and the approval body the diff asks for."""
    plots = _d3_plots(service, tmp_path)
    target = plots.index[(plots.status == "planned") & (plots.land_use == "industrial")][0]
    code = plots.at[target, "code"]
    plots.loc[target, "land_use"] = "green"
    path = tmp_path / "plan.geojson"
    plots[["code", "land_use", "name_fa", "geometry"]].to_file(path, driver="GeoJSON")
    consultant = service.client("consultant")
    with path.open("rb") as fh:
        upload = consultant.post("/districts/D3/uploads", files={"file": (path.name, fh)})
    assert upload.status_code == 201, upload.text
    revision = upload.json()["id"]
    submitted = consultant.post(f"/revisions/{revision}/submit")
    assert submitted.status_code == 200, submitted.text
    diff = service.client("wg").get(f"/revisions/{revision}/diff").json()
    body = {"decision_ref": "WG-FAULT-1", "retire_count": diff.get("retire_count", 0)}
    return revision, code, body


def _dense_plan(service: Service, tmp_path: Path) -> Path:
    """District 3's plots with dense rings (4,500 vertices each, under the per-feature cap):
    a 5 MB GeoJSON, every plot named UPLOAD-00 in English so copies can differ."""
    metric = _d3_plots(service, tmp_path)[["code", "land_use", "geometry"]].to_crs(32639)
    rings = metric.geometry.to_numpy()
    metric["geometry"] = shapely.segmentize(rings, shapely.length(rings) / 4500)
    metric["name_en"] = "UPLOAD-00"
    path = tmp_path / "dense.geojson"
    metric.to_crs(4326).to_file(path, driver="GeoJSON", COORDINATE_PRECISION=7)
    assert 4.5e6 < path.stat().st_size < 6.5e6, path.stat().st_size
    return path


@contextmanager
def _plots_locked(service: Service, mode: str = "EXCLUSIVE") -> Iterator[None]:
    """Another session holds the plot table: writers (and, ACCESS EXCLUSIVE, readers) of
    plots wait. On SpatiaLite: a write transaction holds the database's write lock."""
    engine = database(service)
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("BEGIN")
            conn.exec_driver_sql(f"LOCK TABLE plot IN {mode} MODE")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            with suppress(sa.exc.DBAPIError):  # unless the test terminated this session too
                conn.exec_driver_sql("ROLLBACK")
    engine.dispose()


def _in_background(call: Callable[[], Any]) -> concurrent.futures.Future:
    pool = concurrent.futures.ThreadPoolExecutor(1)
    future = pool.submit(call)
    pool.shutdown(wait=False)
    return future


def _sessions_of(service: Service) -> int:
    db = sa.make_url(service.settings.database_url).database
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        count = conn.scalar(sa.text("SELECT count(*) FROM pg_stat_activity WHERE datname = :d"),
                            {"d": db})
    admin.dispose()
    return count


def _terminate_sessions(service: Service, *, allow_connections: bool | None = None) -> None:
    """Terminate every session of the service's database (the admin's own is elsewhere)."""
    db = sa.make_url(service.settings.database_url).database
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if allow_connections is not None:
            flag = "true" if allow_connections else "false"
            conn.exec_driver_sql(f'ALTER DATABASE "{db}" WITH ALLOW_CONNECTIONS {flag}')
        conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                             "WHERE datname = :d AND pid <> pg_backend_pid()"), {"d": db})
    admin.dispose()


def _until_answered(call: Callable[[], httpx.Response], tries: int = 6) -> httpx.Response:
    """The first 2xx of ``call``; every failure before it must be a documented 503."""
    for _ in range(tries):
        reply = call()
        if reply.status_code < 300:
            return reply
        _problem(reply, 503, "backend_unavailable")
        assert reply.headers.get("retry-after")
    raise AssertionError(f"no answer after {tries} tries")


class _HealthWatch:
    """Polls /health twice a second from a thread; records every answer's status and time."""

    def __init__(self, service: Service) -> None:
        self.url = f"{service.url}/health"
        self.answers: list[tuple[int, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(timeout=30) as client:
            while not self._stop.is_set():
                started = time.monotonic()
                status = client.get(self.url).status_code
                self.answers.append((status, time.monotonic() - started))
                self._stop.wait(0.5)

    def __enter__(self) -> _HealthWatch:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(60)


# -- scenarios ---------------------------------------------------------------------------


@BOTH
def test_worker_killed_mid_approval_leaves_the_plan_unapproved(service: Service,
                                                               tmp_path: Path) -> None:
    revision, code, body = _submitted_plan(service, tmp_path)
    wg = service.client("wg")
    with _plots_locked(service):
        approving = _in_background(lambda: wg.post(f"/revisions/{revision}/approve", json=body))
        time.sleep(1.5)  # the approval is now waiting inside its transaction
        assert not approving.done()
        killed = service.kill_workers(wait=False)
    # Released before the new workers start: on SpatiaLite their start-up recovery writes.
    service.wait_for_replacements(killed)
    with pytest.raises(httpx.TransportError):
        approving.result(timeout=60)  # the worker died: no answer, and nothing kept
    assert service.client("wg").get(f"/revisions/{revision}").json()["status"] == "submitted"
    assert _plot(service, code)["land_use"] == "industrial"
    check_clean(service)

    again = service.client("wg").post(f"/revisions/{revision}/approve", json=body)
    assert again.status_code == 200, again.text
    assert again.json()["status"] == "approved"
    assert _plot(service, code)["land_use"] == "green"
    check_clean(service)


@contextmanager
def _revisions_locked(service: Service) -> Iterator[None]:
    """Storing a revision waits: PostGIS, its tables locked; SpatiaLite, the write lock."""
    engine = database(service)
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("BEGIN")
            conn.exec_driver_sql("LOCK TABLE plan_revision, plan_feature IN EXCLUSIVE MODE")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            conn.exec_driver_sql("ROLLBACK")
    engine.dispose()


@BOTH
def test_worker_killed_mid_upload_fails_the_job_and_keeps_nothing(service: Service,
                                                                  tmp_path: Path) -> None:
    path = _dense_plan(service, tmp_path)
    consultant = service.client("consultant")
    before = _count(consultant.get("/revisions", params={"limit": 1000}).json())
    with path.open("rb") as fh:
        job = consultant.post("/districts/D3/uploads", params={"background": True},
                              files={"file": (path.name, fh)})
    assert job.status_code == 202, job.text
    job_url = f"/jobs/{job.json()['id']}"
    # Reading 5 MB takes longer than taking the lock: the job cannot finish before the kill.
    with _revisions_locked(service):
        time.sleep(1)
        assert consultant.get(job_url).json()["status"] in ("queued", "running")
        killed = service.kill_workers(wait=False)  # the job's worker is gone with it
    # Released before the new workers start: on SpatiaLite their start-up recovery writes.
    service.wait_for_replacements(killed)
    state = consultant.get(job_url).json()
    assert state["status"] == "failed", state
    assert state["error_code"] == "job_interrupted", state
    assert state["revision_id"] is None
    assert _count(consultant.get("/revisions", params={"limit": 1000}).json()) == before
    incoming = Path(service.settings.upload_dir) / "incoming"
    assert not incoming.exists() or not any(incoming.iterdir()), list(incoming.iterdir())
    check_clean(service)


@BOTH
def test_table_lock_held_for_15_seconds(service: Service) -> None:
    staff = service.client("staff")
    code = "1-01"
    before = _plot(service, code)
    change = {"name_en": "Locked plot", "reason": "fault test"}
    mode = "ACCESS EXCLUSIVE" if "postgresql" in service.settings.database_url else ""
    with _HealthWatch(service) as health:
        with _plots_locked(service, mode or "EXCLUSIVE"):
            started = time.monotonic()
            patch = _in_background(lambda: staff.patch(f"/plots/D3/{code}", json=change))
            read = service.client().get("/plots", params={"district": "D3", "limit": 5})
            while time.monotonic() - started < 15:
                time.sleep(0.5)
            if mode:  # PostGIS: past lock_timeout both are refused, nothing written
                _problem(read, 503, "database_busy")
                assert read.headers["retry-after"]
                _problem(patch.result(timeout=30), 503, "database_busy")
            else:  # SpatiaLite: readers never wait (WAL); the writer queues
                assert read.status_code == 200, read.text
                assert not patch.done()
        if not mode:  # ... and is answered once the lock is gone (busy timeout 30 s)
            assert patch.result(timeout=30).status_code == 200
    assert health.answers and all(status == 200 for status, _ in health.answers), health.answers
    assert max(seconds for _, seconds in health.answers) < 1, health.answers
    after = _plot(service, code)
    assert after["name_en"] == (before["name_en"] if mode else "Locked plot")
    check_clean(service)


@POSTGIS
def test_database_sessions_killed_mid_request(service: Service) -> None:
    anonymous = service.client()
    with _plots_locked(service, "ACCESS EXCLUSIVE"):
        reading = _in_background(lambda: anonymous.get("/plots", params={"district": "D3"}))
        time.sleep(1)  # the read waits on the lock, inside its transaction
        _terminate_sessions(service)
    _problem(reading.result(timeout=30), 503, "backend_unavailable")
    reply = _until_answered(lambda: anonymous.get("/plots", params={"district": "D3"}))
    assert len(reply.json()["features"]) > 0
    staff = service.client("staff")
    changed = _until_answered(lambda: staff.patch(
        "/plots/D3/1-02", json={"name_en": "After the restart", "reason": "fault test"}))
    assert changed.json()["code"] == "1-02"
    check_clean(service)


@POSTGIS
def test_database_refusing_connections(service: Service) -> None:
    staff = service.client("staff")
    try:
        _terminate_sessions(service, allow_connections=False)
        for path in ("/health", "/ready", "/plots", "/districts"):
            reply = httpx.get(f"{service.url}{path}", timeout=10)
            _problem(reply, 503, "backend_unavailable")
            assert reply.headers["retry-after"]
        refused = staff.patch("/plots/D3/1-03", json={"name_en": "Never", "reason": "fault"})
        _problem(refused, 503, "backend_unavailable")
    finally:
        _terminate_sessions(service, allow_connections=True)
    assert _until_answered(lambda: httpx.get(f"{service.url}/health", timeout=10))
    assert _plot(service, "1-03")["name_en"] != "Never"
    check_clean(service)


@BOTH
def test_ten_concurrent_5mb_uploads(service: Service, tmp_path: Path) -> None:
    """Ten consultants upload 5 MB plans at once: each becomes a job that finishes with a
    draft revision, and /health keeps answering."""
    text = _dense_plan(service, tmp_path).read_bytes()
    consultant = service.client("consultant")

    def upload(i: int) -> httpx.Response:  # each file differs: an identical one is the
        body = text.replace(b"UPLOAD-00", f"UPLOAD-{i:02d}".encode())
        with httpx.Client(base_url=service.url, timeout=120,
                          headers=consultant.headers) as client:
            return client.post("/districts/D3/uploads",  # same draft again
                               files={"file": ("dense.geojson", body)})

    revisions_before = consultant.get("/revisions", params={"limit": 1000}).json()
    with _HealthWatch(service) as health:
        with concurrent.futures.ThreadPoolExecutor(10) as pool:
            replies = list(pool.map(upload, range(10)))
        assert all(r.status_code == 202 for r in replies), [r.text for r in replies]
        jobs = [r.json()["id"] for r in replies]
        deadline = time.monotonic() + 300
        states: dict[int, dict] = {}
        while len(states) < len(jobs):
            assert time.monotonic() < deadline, states
            for job in jobs:
                state = consultant.get(f"/jobs/{job}").json()
                if state["status"] in ("succeeded", "failed"):
                    states[job] = state
            time.sleep(0.5)
    assert all(s["status"] == "succeeded" for s in states.values()), json.dumps(states)
    assert len({s["revision_id"] for s in states.values()}) == 10
    revisions = consultant.get("/revisions", params={"limit": 1000}).json()
    assert _count(revisions) == _count(revisions_before) + 10
    assert all(status == 200 for status, _ in health.answers), health.answers
    assert max(seconds for _, seconds in health.answers) < 1, health.answers
    check_clean(service)


def _count(page: dict[str, Any]) -> int:
    assert page["next"] is None  # one page holds them all
    return len(page["items"])
