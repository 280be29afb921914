"""Behind a proxy under a path prefix (ZONES_ROOT_PATH), every page link and every URL a
page script calls carries the prefix; at the site root, none does."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from maps.investor_pages import render_investor_home, render_request_form
from maps.plan_pages import render_plans_page, render_revision_page
from maps.review_page import render_review_page

INVESTOR = {"ref": "INV-7", "name_fa": "شرکت", "name_en": "Caspian Foods"}
UNITS = [{"ref": "U-1", "name_fa": "کارخانه", "name_en": None, "status": "dormant"}]
REVISION = {"id": 4, "number": 2, "status": "draft", "district_code": "D3",
            "district_name_fa": "شهرک ۳", "district_name_en": "Estate 3", "uploaded_by": "cons",
            "created_at": dt.datetime(2026, 11, 1), "submitted_at": None, "checksum": "ab" * 32,
            "original_filename": "plan.gpkg", "error_count": 0, "warning_count": 0,
            "decision_ref": None}


def _pages(root: str) -> list[str]:
    return [
        render_investor_home(INVESTOR, units=UNITS, requests=[], root=root),
        render_request_form(INVESTOR, units=UNITS, districts=[], root=root),
        render_plans_page([REVISION], [], can_upload=True, can_review=True, root=root),
        render_revision_page(REVISION, {"issues": []}, can_submit=True, can_review=True,
                             root=root),
        render_review_page([], [], criteria=[], can_decide=True, can_review=True, root=root),
    ]


def _service_urls(html: str) -> list[str]:
    """Links and script-config URLs that point into the service (not static assets)."""
    hrefs = re.findall(r'href="(/[^"]*)"', html)
    data = re.search(r'<script type="application/json"[^>]*>(.*?)</script>', html, re.S)
    urls: list[str] = []
    if data:
        def walk(value):
            if isinstance(value, str) and value.startswith("/"):
                urls.append(value)
            elif isinstance(value, dict):
                for v in value.values():
                    walk(v)
        walk(json.loads(data.group(1)))
    return [u for u in hrefs + urls if "/static/" not in u]


@pytest.mark.parametrize("root", ["", "/zones"])
def test_every_page_link_and_script_url_carries_the_root(root) -> None:
    for html in _pages(root):
        assert f'<meta name="zones-root" content="{root}">' in html
        urls = _service_urls(html)
        assert urls, "each page links into the service"
        if root:
            assert all(u.startswith("/zones/") for u in urls), urls
        else:
            assert not any(u.startswith("/zones/") for u in urls), urls
