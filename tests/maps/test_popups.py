"""Feature text: escaped, in the page language, with Persian digits on Persian pages."""

from __future__ import annotations

import pandas as pd
import pytest

from maps.popups import (
    code,
    format_number,
    is_blank,
    name_of,
    plot_text,
    popup,
    tooltip,
    unit_text,
)


@pytest.mark.parametrize(
    ("value", "lang", "expected"),
    [
        (12500, "fa", "۱۲٬۵۰۰"),
        (12500.4, "en", "12,500"),
        (0, "fa", "۰"),
        (None, "fa", "—"),
        (float("nan"), "en", "—"),
        ("n/a", "en", "—"),
    ],
)
def test_format_number(value: object, lang: str, expected: str) -> None:
    assert format_number(value, lang) == expected


def test_persian_decimal_separator() -> None:
    assert format_number(1.5, "fa", decimals=1) == "۱٫۵"


def test_code_is_escaped_and_isolated() -> None:
    assert code("<b>D1</b>") == "<bdi>&lt;b&gt;D1&lt;/b&gt;</bdi>"
    assert code(None) == "—"


def test_tooltip_escapes_and_skips_blanks(xss: str) -> None:
    html = tooltip("en", xss, None, "", pd.NA, "Idle")

    assert xss not in html
    assert html.endswith("&lt;/script&gt; · Idle</div>")


def test_popup_leaves_out_blank_rows() -> None:
    html = popup("en", "P1", [("field.status", "Idle"), ("field.area", "—"), ("field.kind", None)])

    assert html.count("<tr>") == 1


@pytest.mark.parametrize("value", [None, "", "  ", "—", float("nan"), pd.NA])
def test_blank_values(value: object) -> None:
    assert is_blank(value)


def test_name_falls_back_to_the_other_language() -> None:
    assert name_of({"name_fa": "  ", "name_en": "Estate 1"}, "fa") == "Estate 1"
    assert name_of({"name_fa": None, "name_en": None}, "en") == ""


def test_plot_text_with_missing_values() -> None:
    row = {"code": "P1", "status": None, "land_use": None, "area_m2": None, "district_code": None}

    tip, pop = plot_text(row, "fa")

    assert "<bdi>P1</bdi>" in tip
    assert pop.count("<tr>") == 0


def test_plot_popup_links_its_page_with_the_code_encoded() -> None:
    _, pop = plot_text({"district_code": "D3", "code": "ک/۱۲", "status": "serviced"}, "fa")
    assert 'href="plots/D3/%DA%A9%2F%DB%B1%DB%B2/page?lang=fa"' in str(pop)
    _, no_code = plot_text({"district_code": "D3", "code": None}, "en")
    assert "href" not in str(no_code)


def test_unit_popup_shows_the_investor_and_page_only_when_allowed() -> None:
    row = {"ref": "U-7", "name_fa": "<b>نساجی</b>", "name_en": None, "status": "dormant",
           "isic4": "1311", "district_code": "D2", "plot_code": "41"}
    tip, public = unit_text(row, "fa")
    assert "<b>" not in str(tip) + str(public) and "&lt;b&gt;" in str(public)
    assert "سرمایه‌گذار" not in str(public) and "href" not in str(public)
    assert "راکد" in str(tip)
    _, allowed = unit_text({**row, "investor": "شرکت الف", "page": True}, "fa")
    assert "شرکت الف" in str(allowed) and 'href="units/U-7/page?lang=fa"' in str(allowed)
