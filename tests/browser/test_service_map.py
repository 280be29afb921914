"""The real service in a real browser, with every request outside the service blocked.

Starts uvicorn on a free loopback port over a demo database and opens ``/`` in headless
Chromium (the system one: Playwright's browser download is unreachable here). Any
request to another host is aborted and recorded, so a page that needs a CDN fails.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlparse

import pytest
import uvicorn

from api.main import create_app
from zones.settings import Settings

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip("playwright.sync_api")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def live_url(demo_settings: Settings) -> Iterator[str]:
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(demo_settings), host="127.0.0.1",
                                           port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("service did not start in 30 s")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
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


def _open(browser, url: str) -> tuple[object, list[str], list[str]]:
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    outside: list[str] = []
    problems: list[str] = []
    host = urlparse(url).netloc

    def route(route) -> None:
        if urlparse(route.request.url).netloc == host:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", route)
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
    page.goto(url, wait_until="networkidle")
    return page, outside, problems


@pytest.mark.parametrize("backend", ["spatialite"], indirect=True)
def test_demo_zone_map_renders_with_no_outside_requests(browser, live_url, tmp_path) -> None:
    page, outside, problems = _open(browser, f"{live_url}/")
    assert outside == []
    assert problems == []
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.wait_for_function("document.querySelectorAll('path.leaflet-interactive').length > 200")
    # The demo has ~210 plots plus districts and networks: all drawn as SVG paths.
    drawn = page.locator("path.leaflet-interactive").count()
    assert drawn > 200
    page.screenshot(path=str(tmp_path / "zone-fa.png"))


@pytest.mark.parametrize("backend", ["spatialite"], indirect=True)
def test_english_page_is_left_to_right(browser, live_url) -> None:
    page, outside, problems = _open(browser, f"{live_url}/?lang=en")
    assert outside == [] and problems == []
    assert page.locator("html").get_attribute("dir") == "ltr"
    assert page.locator("html").get_attribute("lang") == "en"
