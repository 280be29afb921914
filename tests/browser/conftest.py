"""The real service in a thread on a free loopback port, and the system's headless Chromium.

Playwright's browser download is unreachable here: the tests drive Debian's
``/usr/bin/chromium`` (or ``ZONES_CHROMIUM``). Without it they skip, and fail under
``CI=true``. Every page opened through :func:`open_page` records each request it makes
and aborts any to another origin, so a page that needs a CDN fails its test.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest
import uvicorn

from api.main import create_app
from zones.settings import Settings

sync_api = pytest.importorskip("playwright.sync_api")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(settings: Settings) -> Iterator[str]:
    """``create_app(settings)`` under uvicorn in a thread; yields its base URL."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1",
                                           port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("service did not start in 30 s")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def live_url(demo_settings: Settings) -> Iterator[str]:
    """The demo zone served as configured (its ~220 plots drawn inline)."""
    with serve(demo_settings) as url:
        yield url


@pytest.fixture
def tiled_url(demo_settings: Settings) -> Iterator[str]:
    """The demo zone with the tile threshold at 0: every plot comes from vector tiles."""
    with serve(demo_settings.model_copy(update={"map_tile_threshold": 0})) as url:
        yield url


ARTIFACTS = Path(os.environ.get("ZONES_TEST_ARTIFACTS",
                                Path(__file__).resolve().parents[2] / "var" / "test-artifacts"))


@pytest.fixture(autouse=True)
def keep_screenshots(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[None]:
    """Copy every screenshot a browser test saved in ``tmp_path`` to the run's artifacts
    (``ZONES_TEST_ARTIFACTS``, default ``var/test-artifacts/screenshots``), named after the
    test, so a person or CI can look at each page after the run."""
    yield
    shots = sorted(tmp_path.glob("*.png"))
    if not shots:
        return
    target = ARTIFACTS / "screenshots"
    target.mkdir(parents=True, exist_ok=True)
    prefix = re.sub(r"[^\w.-]+", "_", request.node.name)
    for shot in shots:
        shutil.copyfile(shot, target / f"{prefix}--{shot.name}")


# Module scope, not session: a live sync Playwright keeps an event loop running in this
# thread, which breaks every later test that calls asyncio.run() or starts Playwright.
@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    executable = os.environ.get("ZONES_CHROMIUM") or shutil.which("chromium")
    if executable is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium missing under CI=true (scripts/setup.sh --test installs it)")
        pytest.skip("no Chromium")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run"])
        yield browser
        browser.close()


@dataclass
class OpenPage:
    """A page and what happened while it was open."""

    page: object
    requested: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@pytest.fixture
def open_page(browser) -> Iterator[Callable[[str], OpenPage]]:
    """Open a URL in a fresh page (1280×800) and wait until the network is idle."""
    opened: list[OpenPage] = []

    def open_(url: str) -> OpenPage:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        seen = OpenPage(page)
        origin = urlparse(url).netloc

        def route(route) -> None:
            seen.requested.append(route.request.url)
            if urlparse(route.request.url).netloc == origin:
                route.continue_()
            else:
                seen.outside.append(route.request.url)
                route.abort()

        page.route("**/*", route)
        page.on("console", lambda m: seen.problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: seen.problems.append(str(e)))
        page.on("requestfailed", lambda r: seen.problems.append(f"failed: {r.url}"))
        page.goto(url, wait_until="networkidle")
        opened.append(seen)
        return seen

    yield open_
    for seen in opened:
        seen.page.close()


PASSWORD = "correct horse battery"


@pytest.fixture
def people(demo_settings: Settings) -> dict[str, str]:
    """Accounts in the demo database, one per role: ``inv`` (holding the investor with the
    most units), ``cons``, ``staff``, ``wg``, ``admin``; all with :data:`PASSWORD`.
    Returns ``{"investor_ref": ..., "unit_ref": <one of its units>}``.
    Ask for it before ``live_url``/``tiled_url``."""
    import sqlalchemy as sa

    from zones.db import create_engine, session_factory
    from zones.model import Investor, ProductionUnit, Role
    from zones.services.users import create_user

    engine = create_engine(demo_settings)
    with session_factory(engine, write=True)() as session:
        own = session.execute(
            sa.select(Investor.ref).join(ProductionUnit).group_by(Investor.ref)
            .order_by(sa.func.count(ProductionUnit.id).desc(), Investor.ref).limit(1)).scalar_one()
        for name, role in [("inv", Role.INVESTOR), ("cons", Role.CONSULTANT),
                           ("staff", Role.STAFF), ("wg", Role.WORKING_GROUP),
                           ("admin", Role.ADMIN)]:
            create_user(session=session, username=name, password=PASSWORD, role=role,
                        investor_ref=own if role is Role.INVESTOR else None)
        unit = session.scalars(sa.select(ProductionUnit.ref).join(Investor)
                               .where(Investor.ref == own).order_by(ProductionUnit.ref)).first()
        session.commit()
    engine.dispose()
    return {"investor_ref": own, "unit_ref": unit}


def sign_in(seen: OpenPage, base_url: str, username: str, *, next_url: str = "/",
            lang: str = "fa") -> None:
    """Sign ``username`` in through the real login form in ``seen.page``; the browser
    context then holds the session cookie and lands on ``next_url``."""
    page = seen.page
    page.goto(f"{base_url}/login?lang={lang}&next={next_url}", wait_until="networkidle")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    with page.expect_navigation(wait_until="networkidle"):
        page.click("button[type=submit]")
