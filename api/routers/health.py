"""Liveness and readiness, answered even while the service is saturated.

The probes never share what requests queue for: they have their own small engine
(:func:`zones.db.engine.create_probe_engine`) and their own threads, and their handlers
are ``async`` with no synchronous dependencies (FastAPI runs those in the request thread
pool, which a burst of writers or uploads fills). A database that refuses connections
or does not answer within ``health_timeout_s`` is a 503 ``backend_unavailable``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

import anyio
import anyio.to_thread
import sqlalchemy as sa
from fastapi import APIRouter, Request
from sqlalchemy.engine import Engine

from api.schemas.health import Health
from zones import __version__, errors
from zones.db.engine import create_probe_engine
from zones.db.migrate import current, head
from zones.settings import Settings

router = APIRouter(tags=["service"])
log = logging.getLogger("zones.api")
T = TypeVar("T")
PROBE_THREADS = 4  # as many as the probe engine's connections: a probe never waits for one
RETRY_AFTER = 5  # seconds: an outage is not over in less, and probes should not hammer it


class Probe:
    """The probes' engine and threads; made in the app's lifespan, disposed with it."""

    def __init__(self, settings: Settings) -> None:
        self.backend = settings.backend
        self.timeout = settings.health_timeout_s
        self.head = head()  # read once: the migrations on disk do not change while it runs
        self.engine = create_probe_engine(settings)
        self._threads = anyio.CapacityLimiter(PROBE_THREADS)

    async def run(self, check: Callable[[Engine], T]) -> T:
        """``check(engine)`` in a probe thread, or 503 when the database fails or stalls.

        A stalled check is abandoned, not waited for; it holds one of the probe threads
        until the database answers, so stalls cannot pile up threads without bound.
        """
        try:
            with anyio.fail_after(self.timeout):
                return await anyio.to_thread.run_sync(check, self.engine, limiter=self._threads,
                                                      abandon_on_cancel=True)
        except TimeoutError:
            raise errors.BackendUnavailable(
                f"the database did not answer within {self.timeout:g} s",
                retry_after=RETRY_AFTER) from None
        except (sa.exc.DBAPIError, sa.exc.TimeoutError) as exc:
            log.warning("health probe: database unavailable: %s", exc)
            raise errors.BackendUnavailable("the database cannot be reached",
                                            retry_after=RETRY_AFTER) from None

    def close(self) -> None:
        self.engine.dispose()


@router.get("/ready", response_model=Health,
            summary="Readiness: the database answers and its schema is current")
async def ready(request: Request) -> Health:
    probe: Probe = request.app.state.probe
    revision = await probe.run(current)
    if revision != probe.head:
        raise errors.BackendUnavailable(f"schema at {revision}, code expects {probe.head}",
                                        schema_revision=revision)
    return Health(status="ready", version=__version__, backend=probe.backend,
                  schema_revision=revision)


@router.get("/health", response_model=Health, summary="Liveness: the service and database")
async def health(request: Request) -> Health:
    probe: Probe = request.app.state.probe
    revision = await probe.run(current)  # reading the schema version proves the database answers
    return Health(status="ok", version=__version__, backend=probe.backend,
                  schema_revision=revision)
