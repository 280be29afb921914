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
from tests.common import PASSWORD, investors_by_units
from zones.settings import Settings

sync_api = pytest.importorskip("playwright.sync_api")


@contextmanager
def serve(settings: Settings) -> Iterator[str]:
    """``create_app(settings)`` under uvicorn in a thread; yields its base URL.

    The server gets a socket already bound to a free port, so parallel test workers can
    never race for the same port."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1",
                                           port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    try:
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("service did not start in 30 s")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


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


@pytest.fixture
def people(demo_settings: Settings) -> dict[str, str]:
    """Accounts in the demo database, one per role (tests.common.PEOPLE): ``inv`` (holding
    the investor with the most units), ``cons``, ``staff``, ``wg``, ``admin``; all with
    :data:`PASSWORD`. The accounts come with the database (tests/conftest.py
    ``demo_settings``). Returns ``{"investor_ref": ..., "unit_ref": <one of its units>}``."""
    import sqlalchemy as sa

    from zones.db import create_engine, session_factory
    from zones.model import Investor, ProductionUnit

    engine = create_engine(demo_settings)
    with session_factory(engine)() as session:
        own = investors_by_units(session)[0][0]
        unit = session.scalars(sa.select(ProductionUnit.ref).join(Investor)
                               .where(Investor.ref == own).order_by(ProductionUnit.ref)).first()
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
