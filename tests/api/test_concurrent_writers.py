"""A burst of signed-in writers against the real service process, on both backends.

Each request holds at most one database connection at a time (the sign-in lookup returns
its connection before the handler takes one), so a burst larger than the pool queues and
completes instead of deadlocking; ``/health`` has its own connection and threads, so it
keeps answering while the burst runs.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import sqlalchemy as sa

from tests.live import serve
from zones.db import create_engine, session_factory
from zones.model import District, Plot, Role
from zones.services.users import create_user
from zones.settings import Settings

PASSWORD = "a-long-enough-password"
# (concurrent writers, worker processes): the two reported stalls.
BURST = {"postgis": (40, 1), "spatialite": (30, 2)}


def _staff_and_plots(settings: Settings, count: int) -> list[tuple[str, str]]:
    """Add a staff account; the (district, code) of ``count`` current plots."""
    engine = create_engine(settings)
    with session_factory(engine, write=True)() as session:
        create_user(session=session, username="burst", password=PASSWORD, role=Role.STAFF)
        session.commit()
        rows = session.execute(
            sa.select(District.code, Plot.code).join(District, Plot.district_id == District.id)
            .where(Plot.valid_to.is_(None)).order_by(Plot.id).limit(count)).all()
    engine.dispose()
    assert len(rows) == count
    return [(d, c) for d, c in rows]


def _stored_coverage(settings: Settings, plots: list[tuple[str, str]]) -> list[float]:
    engine = create_engine(settings)
    with session_factory(engine)() as session:
        found = dict(session.execute(
            sa.select(District.code + "/" + Plot.code, Plot.max_coverage)
            .join(District, Plot.district_id == District.id)
            .where(Plot.valid_to.is_(None))).all())
    engine.dispose()
    return [found[f"{d}/{c}"] for d, c in plots]


def test_a_burst_of_writers_all_succeed_while_health_answers(backend: str,
                                                             demo_settings: Settings) -> None:
    writers, workers = BURST[backend]
    plots = _staff_and_plots(demo_settings, writers)
    wanted = [round(0.5 + i / 1000, 3) for i in range(writers)]
    done = threading.Event()
    health: list[tuple[int, float]] = []

    with serve(demo_settings, workers=workers) as url:
        signed = httpx.post(f"{url}/auth/token",
                            data={"username": "burst", "password": PASSWORD}, timeout=30)
        auth = {"Authorization": f"Bearer {signed.json()['access_token']}"}
        start = threading.Barrier(writers + 1)

        def write(i: int) -> int:
            district, code = plots[i]
            with httpx.Client(base_url=url, headers=auth, timeout=60) as client:
                start.wait()
                return client.patch(f"/plots/{district}/{code}", json={
                    "max_coverage": wanted[i], "reason": "burst test"}).status_code

        def watch() -> None:
            with httpx.Client(base_url=url, timeout=30) as client:
                start.wait()
                while not done.is_set():
                    began = time.monotonic()
                    status = client.get("/health").status_code
                    health.append((status, time.monotonic() - began))
                    time.sleep(0.05)

        watcher = threading.Thread(target=watch)
        watcher.start()
        with ThreadPoolExecutor(writers) as pool:
            statuses = list(pool.map(write, range(writers)))
        done.set()
        watcher.join()

    assert statuses == [200] * writers
    assert _stored_coverage(demo_settings, plots) == wanted
    assert health and {status for status, _ in health} == {200}
    # A liveness bound, not a benchmark: before the fix /health waited out the pool (10 s).
    assert max(seconds for _, seconds in health) < 5


def test_a_signed_in_write_holds_one_connection(backend: str, demo_settings: Settings
                                                ) -> None:
    """The sign-in lookup and the handler share the request's session: a signed-in write
    never holds two pooled connections at once."""
    from fastapi.testclient import TestClient

    from api.main import create_app

    plots = _staff_and_plots(demo_settings, 1)
    app = create_app(demo_settings)
    with TestClient(app) as client:
        token = client.post("/auth/token", data={"username": "burst", "password": PASSWORD}
                            ).json()["access_token"]
        engine = app.state.sessions.kw["bind"]
        held, most = [0], [0]

        def checkout(*_: object) -> None:
            held[0] += 1
            most[0] = max(most[0], held[0])

        def checkin(*_: object) -> None:
            held[0] -= 1

        sa.event.listen(engine.pool, "checkout", checkout)
        sa.event.listen(engine.pool, "checkin", checkin)
        district, code = plots[0]
        answer = client.patch(f"/plots/{district}/{code}",
                              headers={"Authorization": f"Bearer {token}"},
                              json={"max_coverage": 0.55, "reason": "one connection"})
        assert answer.status_code == 200, answer.text
        assert most[0] == 1
