"""The application factory. Nothing is built at import: ``create_app(settings)`` does it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from api import access_log, errors, headers
from api.routers import (
    accounts,
    allocation_requests,
    auth,
    dashboards,
    districts,
    exports,
    facilities,
    health,
    infrastructure,
    investor_pages,
    levies,
    ogc,
    pages,
    parties,
    party_changes,
    plan_pages,
    planning,
    plot_changes,
    plot_pages,
    plots,
    registers,
    review_pages,
    revival_plans,
    tiles,
    unit_pages,
    unit_projects,
    unit_sheets,
    unit_status,
    uploads,
    web_session,
)
from zones import __version__
from zones.db import create_engine, session_factory, upgrade
from zones.settings import Settings
from zones.uploads.reading import start_reader_server

log = logging.getLogger("zones.api")


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the service for ``settings``; the engine is made (and migrated) at start-up."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings)
        if settings.migrate_on_start:
            upgrade(engine)
        app.state.engine = engine
        app.state.sessions = session_factory(engine)
        app.state.write_sessions = session_factory(engine, write=True)
        app.state.probe = health.Probe(settings)  # /health's own engine and threads
        log.info("zones %s on %s", __version__, settings.backend)
        await asyncio.to_thread(_recover_uploads, app, settings)
        # The upload readers' fork server, ready before the first upload needs it.
        await asyncio.to_thread(start_reader_server)
        sweeper = (asyncio.create_task(_expiry_loop(app, settings))
                   if settings.expiry_interval_s > 0 else None)
        yield
        if sweeper is not None:
            sweeper.cancel()
        if (jobs := getattr(app.state, "upload_jobs", None)) is not None:
            jobs.shutdown()  # let running upload jobs finish before the engine goes
        app.state.probe.close()
        engine.dispose()

    app = FastAPI(
        title="zones",
        version=__version__,
        summary="Plots, districts and infrastructure of an industrial free zone.",
        lifespan=lifespan,
        responses=errors.PROBLEM_RESPONSES,
    )
    app.state.settings = settings
    errors.install(app)
    access_log.install(app)
    if settings.allowed_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.allowed_origins,
                           allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                           allow_headers=["Authorization", "Content-Type", "If-None-Match"])
    headers.install(app, settings)  # after CORS: outermost, so every answer carries them
    _mount_assets(app, settings)
    for router in (health.router, auth.router, districts.router, plots.router,
                   plot_changes.router,
                   # before parties: its /units/{ref} would swallow /units/export.xlsx
                   unit_sheets.router, unit_projects.router, unit_status.router,
                   revival_plans.router, levies.router, facilities.router,
                   parties.router, registers.router, pages.router, tiles.router,
                   exports.router, ogc.router, uploads.router,
                   allocation_requests.router, planning.router,
                   web_session.router, infrastructure.router, party_changes.router,
                   accounts.router, dashboards.router, plot_pages.router,
                   unit_pages.router, investor_pages.router, plan_pages.router,
                   review_pages.router):
        app.include_router(router)
    return app


def _recover_uploads(app: FastAPI, settings: Settings) -> None:
    """Fail upload jobs a killed process left running and remove their temp files (safe
    with several workers: see ``recover_interrupted``). A failure must not stop start-up."""
    from zones.services.upload_jobs import recover_interrupted

    try:
        recover_interrupted(sessions=app.state.write_sessions, upload_dir=settings.upload_dir)
    except Exception:
        log.exception("recovering interrupted upload jobs failed; next start retries")


async def _expiry_loop(app: FastAPI, settings: Settings) -> None:
    """Close lapsed reservations and stale requests every ``expiry_interval_s`` seconds,
    and fail upload jobs whose process is gone.

    The work runs in a thread (it is blocking database work); a failure is logged and the
    next round tries again, so a database restart does not stop expiry for good.
    """
    from zones.services.expiry import expire_due

    def sweep() -> None:
        with app.state.write_sessions() as session:
            session.info["actor"] = "system:expiry"
            done = expire_due(session=session, settings=settings)
            session.commit()
        if done.reservations or done.requests:
            log.info("expiry: %d reservations closed, %d requests expired",
                     done.reservations, done.requests)

    while True:
        await asyncio.sleep(settings.expiry_interval_s)
        try:
            await asyncio.to_thread(sweep)
        except Exception:
            log.exception("expiry sweep failed; retrying next round")
        # Again each round: a start-up whose recovery met a locked or absent database
        # would otherwise leave an interrupted job "running" for good.
        await asyncio.to_thread(_recover_uploads, app, settings)


def _mount_assets(app: FastAPI, settings: Settings) -> None:
    """Serve every JS/CSS/font the pages use from this service (users may have no internet)."""
    from maps.assets import STATIC_DIR, VENDOR, missing_assets

    missing = missing_assets(settings.node_modules)
    if missing:
        log.warning("map assets missing (run `npm ci`): %s", ", ".join(missing[:5]))
    for name, subdir in VENDOR.items():
        directory = settings.node_modules / subdir
        app.mount(f"{settings.static_prefix}/vendor/{name}",
                  StaticFiles(directory=directory, check_dir=False), name=f"vendor-{name}")
    app.mount(f"{settings.static_prefix}/maps", StaticFiles(directory=STATIC_DIR),
              name="maps-static")


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory``: settings from ``ZONES_*`` variables."""
    logging.basicConfig(level=logging.INFO)
    return create_app(Settings())
