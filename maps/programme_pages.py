"""Printable pages of the unit programmes (issue 7): the point-zero report.

One A4 page the working group prints: Persian (RTL, Jalali dates, Persian digits) by
default, English with ``lang="en"``. Plain CSS, no script and no CDN.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from maps.messages import check_lang
from maps.pages import _environment
from zones.services.revival import Overdue
from zones.text import jalali, persian_digits


def _num(value: Any, lang: str) -> str:
    return persian_digits(value) if lang == "fa" else str(value)


def render_point_zero(numbers: dict[str, Any], overdue: Sequence[Overdue], *,
                      lang: str = "fa") -> str:
    """The point-zero report: ``numbers`` from :func:`zones.services.revival.point_zero`,
    ``overdue`` its escalation list (most overdue first)."""
    check_lang(lang)
    digits = "fa" if lang == "fa" else "latin"
    return _environment().get_template("point_zero.html").render(
        lang=lang, numbers=numbers, overdue=overdue,
        date=lambda d: jalali(d, digits=digits), num=lambda n: _num(n, lang))
