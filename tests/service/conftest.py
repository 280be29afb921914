"""The service started exactly as its users start it: the ``zones`` console script.

``zones demo`` builds a fresh demo zone and ``zones serve`` runs it in its own process
tree (uvicorn's supervisor and its workers), so native libraries load in the order a
user's machine loads them; the in-process test app imports them in another order and
cannot see a crash of that kind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from tests.backends import Templates
from tests.live import _environment, free_port
from zones.settings import Settings

ZONES = str(Path(sys.executable).with_name("zones"))
PASSWORD = "a-long-enough-password"
ACCOUNTS = {"staff": "staff", "consultant": "consultant", "wg": "working_group"}


@dataclass
class Service:
    """A running ``zones serve`` and what its tests need to call it."""

    url: str
    process: subprocess.Popen
    settings: Settings
    env: dict[str, str]

    def client(self, who: str | None = None) -> httpx.Client:
        client = httpx.Client(base_url=self.url, timeout=60)
        if who is not None:
            reply = client.post("/auth/token", data={"username": who, "password": PASSWORD})
            reply.raise_for_status()
            client.headers["Authorization"] = f"Bearer {reply.json()['access_token']}"
        return client

    def alive(self) -> bool:
        """The supervisor runs and the service answers /health."""
        if self.process.poll() is not None:
            return False
        try:
            return httpx.get(f"{self.url}/health", timeout=10).status_code == 200
        except httpx.HTTPError:
            return False

    def workers(self) -> list[int]:
        """Pids of the worker processes (uvicorn spawns them from the supervisor)."""
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return [int(c) for c in children
                if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()]

    def kill_workers(self, *, wait: bool = True) -> list[int]:
        """SIGKILL every worker and (``wait``) wait until replacements answer; returns the
        killed pids."""
        killed = self.workers()
        for pid in killed:
            os.kill(pid, signal.SIGKILL)
        if wait:
            self.wait_for_replacements(killed)
        return killed

    def wait_for_replacements(self, killed: list[int]) -> None:
        deadline = time.monotonic() + 120
        while set(self.workers()) & set(killed) or not self.alive():
            assert time.monotonic() < deadline, f"no worker came back:\n{self.log()}"
            time.sleep(0.2)

    def log(self) -> str:
        return Path(self.env["ZONES_TEST_LOG"]).read_text(errors="replace")[-4000:]


def database(service: Service) -> sa.Engine:
    """An engine of the test's own on the service's database (autocommit on PostGIS)."""
    url = service.settings.database_url
    if url.startswith("postgresql"):
        return sa.create_engine(url, isolation_level="AUTOCOMMIT")
    import sqlean

    return sa.create_engine(url, module=sqlean, isolation_level="AUTOCOMMIT",
                            connect_args={"check_same_thread": False})


def check_clean(service: Service) -> None:
    """``zones check`` finds every invariant holding."""
    done = cli(service.env, "check")
    assert "all invariants hold" in done.stdout, done.stdout


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([ZONES, *args], env=env, capture_output=True, text=True, timeout=300,
                          check=False)
    assert done.returncode == 0, f"zones {' '.join(args)}: {done.stderr[-2000:]}"
    return done


def wait_until_answering(url: str, process: subprocess.Popen, log: Path, seconds: float = 180
                         ) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"zones serve did not answer: {log.read_text()[-3000:]}")
        time.sleep(0.2)


@pytest.fixture(scope="module")
def service(request: pytest.FixtureRequest, templates: Templates,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """``zones demo`` then ``zones serve --workers N`` on a fresh database of the backend;
    ``request.param`` is ``(backend, N)``."""
    from tests.backends import require

    backend, workers = request.param
    require(backend)
    workdir = tmp_path_factory.mktemp(f"serve-{backend}")
    if backend == "spatialite":  # fresh: the CLI creates and migrates the file itself
        settings = Settings(database_url=f"sqlite:///{workdir / 'zones.sqlite'}")
    else:
        settings = templates.clone(backend, "empty", None)
    # Started as users start it: the service checks the schema (migrates) itself.
    settings = settings.model_copy(update={"upload_dir": workdir / "uploads",
                                           "environment": "development",
                                           "migrate_on_start": True})
    env = _environment(settings) | {"ZONES_TEST_LOG": str(workdir / "serve.log"),
                                    "ZONES_USER_PASSWORD": PASSWORD}
    cli(env, "demo")
    for username, role in ACCOUNTS.items():
        cli(env, "user", "add", username, "--role", role)
    port = free_port()
    log = workdir / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen([ZONES, "serve", "--port", str(port), "--workers", str(workers)],
                                   env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(url, process, log)
        yield Service(url=url, process=process, settings=settings, env=env)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        if backend == "postgis":
            templates.drop(settings)
