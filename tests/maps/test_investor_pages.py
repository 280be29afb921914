"""The investor pages rendered from plain data: words from the catalogue, user data escaped."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from maps.investor_pages import render_investor_home, render_request_form
from maps.messages import t

HOSTILE = '<script>alert("x")</script>'
INVESTOR = {"ref": "INV-7", "name_fa": f"شرکت {HOSTILE}", "name_en": "Caspian Foods"}
UNITS = [{"ref": "U-1", "name_fa": "کارخانه", "name_en": None, "status": "dormant"}]
REQUEST = {"id": 12, "purpose": "expansion", "area_min_m2": 2000, "area_max_m2": 4500.5,
           "status": "reserved", "created_at": dt.datetime(2026, 3, 21, 8),
           "reservation": {"district": "D3", "code": "ک-۱۲",
                           "expires_at": dt.datetime(2026, 4, 1)},
           "allocated_plot": None}


@pytest.mark.parametrize("lang", ["fa", "en"])
def test_home_escapes_names_and_says_so_when_empty(lang) -> None:
    html = render_investor_home({**INVESTOR, "name_en": None}, units=[], requests=[],
                                lang=lang)
    assert HOSTILE not in html and "&lt;script&gt;" in html
    assert t("inv.no_units", lang) in html and t("inv.no_requests", lang) in html
    assert f'dir="{"rtl" if lang == "fa" else "ltr"}"' in html


def test_home_rows_in_persian_have_jalali_dates_and_labels() -> None:
    html = render_investor_home(INVESTOR, units=UNITS, requests=[REQUEST], lang="fa")
    assert "۱۴۰۵/۰۱/۰۱" in html  # 2026-03-21 is Nowruz 1405
    assert "راکد" in html and "رزروشده" in html and "توسعهٔ واحد موجود" in html
    assert "D3 / ک-۱۲ (رزرو تا ۱۴۰۵/۰۱/۱۲)" in html
    assert "۲٬۰۰۰ – ۴٬۵۰۰" in html


def test_home_in_english_uses_english_names_and_gregorian_dates() -> None:
    allocated = {**REQUEST, "status": "approved", "reservation": None,
                 "allocated_plot": ("D1", "40")}
    html = render_investor_home(INVESTOR, units=UNITS, requests=[allocated], lang="en")
    assert "Caspian Foods" in html and "2026-03-21" in html
    assert "D1 / 40 (allocated)" in html and "Approved" in html
    assert "کارخانه" in html  # no English name: the Persian one, not a blank


def test_staff_view_keeps_the_investor_on_links() -> None:
    html = render_investor_home(INVESTOR, units=[], requests=[], lang="en", staff_view=True)
    assert 'href="/my/requests/new?investor=INV-7&amp;lang=en"' in html


def test_form_data_block_is_json_and_escaped() -> None:
    html = render_request_form(INVESTOR, units=UNITS,
                               districts=[{"code": "D1", "name_fa": "یک", "name_en": "One"}],
                               lang="fa", basemap_url=None)
    assert HOSTILE not in html
    block = re.search(r'id="request-data">(.*?)</script>', html, re.S).group(1)
    data = json.loads(block)
    assert data["rtl"] is True and data["statuses"] == ["planned", "serviced", "revoked"]
    assert data["text"]["remove"] == t("inv.remove", "fa")
    assert '<option value="A">الف</option>' in html  # environmental groups by their letters
    assert 'value="expansion"' in html and 'value="expansion" disabled' not in html


def test_form_without_units_cannot_ask_for_an_expansion() -> None:
    html = render_request_form(INVESTOR, units=[], districts=[], lang="en")
    assert 'value="expansion" disabled' in html


def test_language_switch_keeps_the_investor_staff_chose() -> None:
    from maps.investor_pages import render_investor_home

    html = render_investor_home({"ref": "INV-9", "name_fa": "الف", "name_en": None},
                                units=[], requests=[], lang="fa", staff_view=True)
    assert 'href="?investor=INV-9&amp;lang=en"' in html
    own = render_investor_home({"ref": "INV-9", "name_fa": "الف", "name_en": None},
                               units=[], requests=[], lang="en")
    assert 'href="?lang=fa"' in own
