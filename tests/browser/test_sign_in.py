"""Signing in through the real form: a page that needs a sign-in sends the browser to the
login form and, once signed in, back to the page it asked for."""

from __future__ import annotations

import pytest

from tests.browser.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_unit_page_sends_a_stranger_to_sign_in_and_back(open_page, people, live_url,
                                                         backend, tmp_path) -> None:
    unit = people["unit_ref"]
    seen = open_page(f"{live_url}/units/{unit}/page?lang=en")
    page = seen.page
    assert "/login" in page.url
    assert page.locator("html").get_attribute("dir") == "ltr"
    page.fill("#username", "inv")
    page.fill("#password", PASSWORD)
    with page.expect_navigation(wait_until="networkidle"):
        page.click("button[type=submit]")
    assert page.url.endswith(f"/units/{unit}/page?lang=en")
    assert page.locator("#unit-details").is_visible()
    assert seen.outside == [] and seen.problems == []
    page.screenshot(path=str(tmp_path / f"unit-page-en-{backend}.png"))


def test_wrong_password_stays_on_the_form_and_says_so(open_page, people, live_url) -> None:
    seen = open_page(f"{live_url}/login")
    page = seen.page
    page.fill("#username", "inv")
    page.fill("#password", "not the password")
    with page.expect_navigation(wait_until="networkidle"):
        page.click("button[type=submit]")
    assert page.locator("[role=alert]").is_visible()
    assert page.locator("html").get_attribute("dir") == "rtl"
