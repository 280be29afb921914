"""Faults around an upload: a full disk (507, nothing half-written), a file name the disk
cannot take (400), and jobs a killed process left running (failed at the next start).

The full-disk tests really fill a disk: a tiny tmpfs mounted as the upload (or temp)
directory. They skip only where mounting is impossible (not root, no CAP_SYS_ADMIN).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from tests.uploads.plan_fixtures import BASE, PASSWORD, plan_world
from tests.uploads.test_revisions import plan_geojson
from zones.db import create_engine, session_factory
from zones.model import JobStatus, PlanRevision, UploadJob, User
from zones.settings import Settings
from zones.uploads.receiving import ProcessId, process_id, this_process


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Callable[[int], Path]]:
    """``small_disk(kib)`` mounts a tmpfs of that size and returns its directory."""
    mounted: list[Path] = []

    def mount(kib: int) -> Path:
        target = tmp_path / f"disk{len(mounted)}"
        target.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={kib}k,mode=0700",
                               "tmpfs", str(target)], capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
        mounted.append(target)
        return target

    yield mount
    for target in mounted:
        subprocess.run(["umount", str(target)], check=True)


def _world(settings: Settings) -> None:
    engine = create_engine(settings)
    with session_factory(engine, write=True)() as session:
        plan_world(session)
    engine.dispose()


@contextmanager
def _service(settings: Settings, upload_dir: Path) -> Iterator[TestClient]:
    settings = settings.model_copy(update={"upload_dir": upload_dir,
                                           "upload_max_bytes": 1024 * 1024})
    with TestClient(create_app(settings)) as client:
        yield client


def _auth(client: TestClient, username: str) -> dict[str, str]:
    token = client.post("/auth/token", data={"username": username, "password": PASSWORD})
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def _post(client: TestClient, body: bytes, filename: str, **params: str) -> object:
    return client.post("/districts/D1/uploads", params=params, headers=_auth(client, "cons"),
                       files={"file": (filename, body, "application/geo+json")},
                       data={"options": json.dumps({})})


def _padded_plan(tmp_path: Path, size: int) -> bytes:
    """A valid plan of the district (the BASE plots plus one), padded to ``size`` bytes with
    an unmapped property, so it is read and validated before anything is kept."""
    doc = json.loads(plan_geojson(tmp_path / "plan.geojson", BASE).read_text())
    doc["features"][0]["properties"]["padding"] = ""
    pad = size - len(json.dumps(doc).encode())
    doc["features"][0]["properties"]["padding"] = "x" * max(pad, 0)
    return json.dumps(doc).encode()


def _revisions(settings: Settings) -> int:
    engine = create_engine(settings)
    with session_factory(engine)() as session:
        count = session.query(PlanRevision).count()
    engine.dispose()
    return count


def _files(directory: Path) -> list[Path]:
    return [p for p in directory.rglob("*") if p.is_file()]


def _disk_full_problem(response: object) -> None:
    assert response.status_code == 507, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "storage_full"


# -- file names ------------------------------------------------------------------------


def test_overlong_file_suffix_refused_with_400(settings: Settings, tmp_path: Path) -> None:
    _world(settings)
    with _service(settings, tmp_path / "uploads") as client:
        response = _post(client, _padded_plan(tmp_path, 1000), "plan." + "x" * 300)
    assert response.status_code == 400, response.text
    assert (response.json()["code"], response.json()["limit"]) == ("filename_invalid", 16)
    assert _files(tmp_path / "uploads") == []
    assert _revisions(settings) == 0


# -- a full disk -----------------------------------------------------------------------


def test_upload_on_a_full_disk_answers_507_and_keeps_nothing(
        settings: Settings, tmp_path: Path, small_disk: Callable[[int], Path]) -> None:
    _world(settings)
    disk = small_disk(64)  # the 200 KB body cannot even be received
    with _service(settings, disk) as client:
        response = _post(client, _padded_plan(tmp_path, 200_000), "plan.geojson")
        _disk_full_problem(response)
        assert _files(disk) == []  # the partial temp file is gone
        # The service goes on: once there is room, the same upload works.
        ok = _post(client, _padded_plan(tmp_path, 20_000), "plan.geojson")
        assert ok.status_code == 201, ok.text
    assert _revisions(settings) == 1


def test_disk_full_while_keeping_the_original_answers_507_and_stores_nothing(
        settings: Settings, tmp_path: Path, small_disk: Callable[[int], Path]) -> None:
    _world(settings)
    disk = small_disk(160)  # room for the received file, not for the kept copy as well
    with _service(settings, disk) as client:
        response = _post(client, _padded_plan(tmp_path, 100_000), "plan.geojson")
    _disk_full_problem(response)
    assert _files(disk) == []
    assert _revisions(settings) == 0


def test_background_job_on_a_full_disk_fails_with_storage_full(
        settings: Settings, tmp_path: Path, small_disk: Callable[[int], Path]) -> None:
    _world(settings)
    disk = small_disk(160)
    with _service(settings, disk) as client:
        response = _post(client, _padded_plan(tmp_path, 100_000), "plan.geojson",
                         background="true")
        assert response.status_code == 202, response.text
        # One worker thread: a task queued after the job runs once the job has ended.
        client.app.state.upload_jobs.pool.submit(lambda: None).result()
        job = client.get(response.headers["Location"], headers=_auth(client, "cons")).json()
    assert (job["status"], job["error_code"]) == ("failed", "storage_full")
    assert _files(disk) == []
    assert _revisions(settings) == 0


def test_report_gpkg_on_a_full_temp_disk_answers_507_and_leaves_no_file(
        settings: Settings, tmp_path: Path, small_disk: Callable[[int], Path],
        monkeypatch: pytest.MonkeyPatch) -> None:
    _world(settings)
    with _service(settings, tmp_path / "uploads") as client:
        response = _post(client, _padded_plan(tmp_path, 1000), "plan.geojson")
        assert response.status_code == 201, response.text
        report = f"/revisions/{response.json()['id']}/report.gpkg"
        headers = _auth(client, "cons")
        temp = small_disk(48)  # a GeoPackage needs ~100 KB
        monkeypatch.setattr(tempfile, "tempdir", str(temp))
        _disk_full_problem(client.get(report, headers=headers))
        assert _files(temp) == []
        monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
        assert client.get(report, headers=headers).status_code == 200


# -- jobs a killed process left running ------------------------------------------------


def _job(settings: Settings, owner: str | None) -> int:
    engine = create_engine(settings)
    with session_factory(engine, write=True)() as session:
        user = session.query(User).filter_by(username="cons").one()
        job = UploadJob(kind="upload", status=JobStatus.RUNNING, progress=50,
                        filename="plan.geojson", created_by_id=user.id, message="validating",
                        owner=owner)
        session.add(job)
        session.commit()
        job_id = job.id
    engine.dispose()
    return job_id


def _incoming(upload_dir: Path, owner: ProcessId | str) -> Path:
    path = upload_dir / "incoming" / f"{owner}.{os.urandom(16).hex()}.geojson"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{}")
    return path


def test_start_fails_jobs_of_dead_processes_and_spares_live_ones(
        settings: Settings, tmp_path: Path) -> None:
    _world(settings)
    uploads = tmp_path / "uploads"
    # Two real processes: one stays alive (another worker), one is killed mid-job.
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    killed = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        live_owner, dead_owner = process_id(alive.pid), process_id(killed.pid)
        os.kill(killed.pid, signal.SIGKILL)
        killed.wait()
        me = this_process()
        elsewhere = ProcessId("0" * 8 if me.host != "0" * 8 else "1" * 8, me.boot, 1, 1)
        jobs = {"dead": _job(settings, str(dead_owner)),
                "alive": _job(settings, str(live_owner)),
                "elsewhere": _job(settings, str(elsewhere)),
                "before owners": _job(settings, None)}
        files = {"dead": _incoming(uploads, dead_owner),
                 "alive": _incoming(uploads, live_owner),
                 "elsewhere": _incoming(uploads, elsewhere)}
        with _service(settings, uploads) as client:
            headers = _auth(client, "staff")
            seen = {name: client.get(f"/jobs/{job_id}", headers=headers).json()
                    for name, job_id in jobs.items()}
    finally:
        alive.kill()
        alive.wait()
    for name in ("dead", "before owners"):
        assert (seen[name]["status"], seen[name]["error_code"]) == ("failed",
                                                                   "job_interrupted")
    for name in ("alive", "elsewhere"):
        assert (seen[name]["status"], seen[name]["progress"]) == ("running", 50)
    assert not files["dead"].exists()
    assert files["alive"].exists() and files["elsewhere"].exists()


def test_a_reused_pid_does_not_pass_for_the_owner() -> None:
    me = this_process()
    assert me.alive() is True
    assert ProcessId(me.host, me.boot, me.pid, me.start + 1).alive() is False
    assert ProcessId(me.host, "f" * 8 if me.boot != "f" * 8 else "e" * 8, me.pid,
                     me.start).alive() is False
    assert ProcessId.parse(str(me)) == me
    assert ProcessId.parse("0123abcd0123abcd.geojson") is None
