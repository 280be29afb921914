"""Tooltip and popup HTML for map features, in the page language, always escaped.

Names and codes come from the database, where anyone with edit rights can type
``<script>``. Leaflet puts tooltip and popup strings into the page as HTML, so
every value goes through ``markupsafe.escape`` (the ``html.escape`` rules, plus a
type that marks what is already safe, so nothing is escaped twice). Only this
module builds feature HTML.

Numbers (areas, distances) use Persian digits and separators on Persian pages.
Codes are shown as stored, inside ``<bdi>`` so a Latin code such as ``D1-P012``
keeps its order in a right-to-left line.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

import pandas as pd
from markupsafe import Markup, escape

from maps.messages import direction, label, t
from zones.text import jalali, persian_digits

Row = Mapping[str, Any]

DASH = "—"


def is_blank(value: object) -> bool:
    """True for ``None``, NaN, ``pd.NA``, ``""`` and ``"—"``: nothing worth a table row."""
    if isinstance(value, str):
        return value.strip() in ("", DASH)
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # list-likes: not a scalar, so not blank
        return False


def format_number(value: object, lang: str, *, decimals: int = 0) -> str:
    """``value`` with thousands separators; Persian digits, ``٬`` and ``٫`` on Persian pages.

    ``None``, NaN and non-numbers give ``"—"``.

    >>> format_number(12500.5, "en")
    '12,500'
    >>> format_number(12500, "fa")
    '۱۲٬۵۰۰'
    """
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return DASH
    if math.isnan(number) or math.isinf(number):
        return DASH
    text = f"{number:,.{decimals}f}"
    if lang != "fa":
        return text
    return persian_digits(text.replace(",", "\u066c").replace(".", "\u066b"))


def format_percent(share: float | None, lang: str) -> str:
    """A 0..1 share as a percentage in the page's digits (``"—"`` when unknown).

    >>> format_percent(0.6, "fa")
    '۶۰٪'
    """
    if share is None:
        return DASH
    return format_number(share * 100, lang) + ("٪" if lang == "fa" else " %")


def format_date(value: dt.date | dt.datetime | None, lang: str) -> str:
    """A date as people read it: Jalali with Persian digits on Persian pages, ISO otherwise.

    >>> format_date(dt.date(2026, 11, 28), "en")
    '2026-11-28'
    """
    if value is None:
        return ""
    return jalali(value) if lang == "fa" else value.isoformat()[:10]


def quantity(value: object, unit_key: str, lang: str) -> str:
    """A number and its unit (``unit.m2``, ``unit.m``), or ``"—"`` when there is no number."""
    number = format_number(value, lang)
    return number if number == DASH else f"{number} {t(unit_key, lang)}"


def name_of(row: Row, lang: str) -> str:
    """The row's name in ``lang``, else in the other language, else ``""``."""
    first, second = ("name_fa", "name_en") if lang == "fa" else ("name_en", "name_fa")
    for column in (first, second):
        value = row.get(column)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def code(value: object) -> Markup:
    """A code, escaped and isolated from the surrounding text direction."""
    if is_blank(value):
        return escape(DASH)
    return Markup("<bdi>{}</bdi>").format(value)


def tooltip(lang: str, *parts: object) -> Markup:
    """One line: the non-empty ``parts`` joined by " · ", each escaped."""
    shown = [part for part in parts if not is_blank(part)]
    return Markup('<div class="zones-tip" dir="{}">{}</div>').format(
        direction(lang), Markup(" · ").join(escape(part) for part in shown)
    )


def popup(lang: str, title: object, rows: Iterable[tuple[str, object]],
          link: str | None = None) -> Markup:
    """A title and a table of ``(message key, value)`` rows; empty values are left out.
    ``link``: a relative URL of the thing's own page, shown as "details"."""
    body = Markup("").join(
        Markup("<tr><th>{}</th><td>{}</td></tr>").format(t(key, lang), value)
        for key, value in rows
        if not is_blank(value)
    )
    more = (Markup('<p class="zones-more"><a href="{}">{}</a></p>').format(
        link, t("popup.details", lang)) if link else Markup(""))
    return Markup('<div class="zones-popup" dir="{}"><h3>{}</h3><table>{}</table>{}</div>'
                  ).format(direction(lang), title, body, more)


def page_link(lang: str, *parts: object) -> str | None:
    """Relative URL ``a/b/page?lang=..`` of an object's page (the map sits at the root),
    each part percent-encoded; ``None`` when a part is missing."""
    if any(is_blank(part) for part in parts):
        return None
    return "/".join(quote(str(part), safe="") for part in parts) + f"/page?lang={lang}"


def plot_text(row: Row, lang: str) -> tuple[Markup, Markup]:
    """Tooltip (code · status) and popup (code, district, status, land use, area) of a plot."""
    status = label("status", row.get("status"), lang)
    land_use = label("land_use", row.get("land_use"), lang)
    area = quantity(row.get("area_m2"), "unit.m2", lang)
    tip = tooltip(lang, code(row.get("code")), status, area)
    pop = popup(
        lang,
        code(row.get("code")),
        [
            ("field.district", code(row.get("district_code"))),
            ("field.status", status),
            ("field.land_use", land_use),
            ("field.area", area),
        ],
        page_link(lang, "plots", row.get("district_code"), row.get("code")),
    )
    return tip, pop


def unit_text(row: Row, lang: str) -> tuple[Markup, Markup]:
    """Tooltip (name · status) and popup of a production unit. The investor appears only
    when the row carries it (the page filled it in for viewers allowed to see it), and the
    link to the unit's page only for those who may open it."""
    name = name_of(row, lang) or str(row.get("ref") or "")
    status = label("status", row.get("status"), lang)
    rows = [
        ("field.ref", code(row.get("ref"))),
        ("field.status", status),
        ("field.isic", code(row.get("isic4"))),
        ("field.plot", code(f"{row.get('district_code')} / {row.get('plot_code')}")
         if not is_blank(row.get("plot_code")) else None),
        ("field.investor", row.get("investor")),
    ]
    link = page_link(lang, "units", row.get("ref")) if row.get("page") is True else None
    return tooltip(lang, name, status), popup(lang, name, rows, link)


def zone_text(row: Row, lang: str) -> tuple[Markup, Markup]:
    """Tooltip and popup of the zone boundary: its name and code."""
    name = name_of(row, lang)
    return tooltip(lang, name), popup(lang, name, [("field.code", code(row.get("code")))])


def district_text(row: Row, lang: str) -> tuple[Markup, Markup]:
    """Tooltip and popup of a district (industrial estate): name, code, status."""
    name = name_of(row, lang)
    status = label("status", row.get("status"), lang)
    rows = [("field.code", code(row.get("code"))), ("field.status", status)]
    return tooltip(lang, name, status), popup(lang, name, rows)


def expansion_text(row: Row, lang: str) -> tuple[Markup, Markup]:
    """Tooltip and popup of an expansion area: name, code, status and the approving decision."""
    name = name_of(row, lang)
    status = label("status", row.get("status"), lang)  # optional column
    rows = [
        ("field.code", code(row.get("code"))),
        ("field.status", status),
        ("field.decision_ref", row.get("decision_ref")),
    ]
    return tooltip(lang, name, status), popup(lang, name, rows)


def infrastructure_text(row: Row, lang: str) -> tuple[Markup, Markup]:
    """Tooltip and popup of a network element: name, network, kind, status."""
    name = name_of(row, lang)
    kind = label("kind", row.get("kind"), lang)
    status = label("status", row.get("status"), lang)
    rows = [
        ("field.network", label("network", row.get("network"), lang)),
        ("field.kind", kind),
        ("field.status", status),
    ]
    return tooltip(lang, name or kind, status), popup(lang, name or kind, rows)


def customs_text(row: Row, lang: str) -> tuple[Markup, Markup]:
    """Tooltip and popup of a customs candidate site: name, code, status."""
    name = name_of(row, lang)
    status = label("status", row.get("status"), lang)
    rows = [("field.code", code(row.get("code"))), ("field.status", status)]
    return tooltip(lang, name, status), popup(lang, name, rows)


def protected_text(row: Row, lang: str) -> tuple[Markup, Markup]:
    """Tooltip and popup of a protected area: name, kind and buffer width in metres."""
    name = name_of(row, lang)
    kind = label("protected", row.get("kind"), lang)
    buffer = quantity(row.get("buffer_m"), "unit.m", lang)
    rows = [("field.kind", kind), ("field.buffer", buffer)]
    return tooltip(lang, name or kind), popup(lang, name or kind, rows)
