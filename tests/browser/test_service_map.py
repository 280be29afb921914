"""The real service in a real browser, with every request outside the service blocked.

Starts uvicorn on a free loopback port over a demo database and opens ``/`` in headless
Chromium (the system one). Any request to another host is aborted and recorded, so a
page that needs a CDN fails. The demo zone is small: its plots are drawn inline.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_demo_zone_map_renders_with_no_outside_requests(open_page, live_url, backend,
                                                        tmp_path) -> None:
    seen = open_page(f"{live_url}/")
    assert seen.outside == []
    assert seen.problems == []
    page = seen.page
    assert page.locator("html").get_attribute("dir") == "rtl"
    plots = "path.leaflet-interactive:not(.zones-unit)"
    page.wait_for_function(f"document.querySelectorAll('{plots}').length > 200")
    # The demo has ~220 plots plus districts and networks: all drawn as SVG paths; its
    # operating and dormant production units as round markers of their own class.
    assert page.locator(plots).count() > 200
    assert page.locator("path.zones-unit").count() > 100
    page.screenshot(path=str(tmp_path / f"zone-inline-fa-{backend}.png"))


def test_english_page_is_left_to_right(open_page, live_url, backend, tmp_path) -> None:
    seen = open_page(f"{live_url}/?lang=en")
    assert seen.outside == [] and seen.problems == []
    assert seen.page.locator("html").get_attribute("dir") == "ltr"
    assert seen.page.locator("html").get_attribute("lang") == "en"
    seen.page.screenshot(path=str(tmp_path / f"zone-inline-en-{backend}.png"))
