"""Persian-first text handling: input normalisation and Jalali display.

Every string that comes from a person or a file passes through :func:`normalize`
before it is stored or compared, so ``"ك-١٢"`` (Arabic kaf, Arabic-Indic digits)
and ``"ک-۱۲"`` (Persian kaf, Persian digits) and ``"ک-12"`` are the same code.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import TypeVar

import jdatetime

T = TypeVar("T")

# Arabic code points that Persian keyboards and legacy data (cp1256, Word) produce in
# place of the Persian letters. NFKC alone does not fold these: they are distinct letters.
_LETTERS = {
    "\u064a": "\u06cc",  # ARABIC YEH -> FARSI YEH
    "\u0649": "\u06cc",  # ALEF MAKSURA -> FARSI YEH
    "\u0643": "\u06a9",  # ARABIC KAF -> KEHEH
    "\u0629": "\u0647",  # TEH MARBUTA -> HEH
    "\u06c0": "\u0647\u0654",  # HEH WITH YEH ABOVE, decomposed as NFKC would
}
_PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
_ARABIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"
_TO_ASCII = str.maketrans(
    {**_LETTERS, **{d: str(i) for i, d in enumerate(_PERSIAN_DIGITS)},
     **{d: str(i) for i, d in enumerate(_ARABIC_DIGITS)}}
)
_TO_PERSIAN_DIGITS = str.maketrans({str(i): d for i, d in enumerate(_PERSIAN_DIGITS)})
# Kashida (tatweel) and directional marks carry no meaning in names or codes.
_INVISIBLE = re.compile("[\u0640\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_SPACES = re.compile(r"\s+")
# What no stored text may hold: C0 controls other than tab and line breaks, DEL, C1
# controls, unpaired surrogates and the noncharacters U+FFFE/U+FFFF. PostgreSQL refuses
# NUL, UTF-8 cannot encode a lone surrogate, and XML (an .xlsx export) refuses the rest.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def normalize(text: str | None) -> str | None:
    """Return ``text`` in the canonical form used for storage and comparison.

    Folds Arabic yeh/kaf to Persian, Persian and Arabic-Indic digits to ASCII,
    applies NFKC (which also folds presentation forms and full-width digits),
    drops kashida and bidi control marks, collapses runs of white space and
    trims. The zero-width non-joiner (U+200C) is kept: it is part of Persian
    spelling (``می‌شود``). ``None`` stays ``None``.

    >>> normalize(" ك-١٢ ")
    'ک-12'
    """
    if text is None:
        return None
    text = unicodedata.normalize("NFKC", str(text)).translate(_TO_ASCII)
    text = _INVISIBLE.sub("", text)
    return _SPACES.sub(" ", text).strip()


def has_control(text: str) -> bool:
    """Whether ``text`` holds a character that must never be stored (see :func:`refuse_control`)."""
    return _CONTROL.search(text) is not None


def strip_control(text: str) -> str:
    """``text`` without the characters :func:`refuse_control` refuses (for output and files).

    >>> strip_control("Tehran\x0b road")
    'Tehran road'
    """
    return _CONTROL.sub("", text)


def refuse_control(value: T) -> T:
    """Input validator: raise ``ValueError`` if ``value`` holds a control character.

    Walks strings inside lists and dicts too (a unit's ``products``). Tab, LF and CR are
    allowed; :func:`normalize` folds them into spaces where a field is one line. Used by
    the API's input models, so one investor's address can never break an export.
    """
    if isinstance(value, str):
        if match := _CONTROL.search(value):
            raise ValueError(f"must not contain control character U+{ord(match.group()):04X}")
    elif isinstance(value, dict):
        for key, item in value.items():
            refuse_control(key)
            refuse_control(item)
    elif isinstance(value, list | tuple):
        for item in value:
            refuse_control(item)
    return value


def fold(text: str | None) -> str | None:
    """Key for case-insensitive lookups: :func:`normalize` then ``casefold``."""
    value = normalize(text)
    return None if value is None else value.casefold()


def persian_digits(text: object) -> str:
    """Render ASCII digits in ``text`` as Persian digits, for Persian pages."""
    return str(text).translate(_TO_PERSIAN_DIGITS)


def jalali(value: dt.date | dt.datetime | None, *, digits: str = "fa") -> str:
    """Format a Gregorian date as a Jalali ``YYYY/MM/DD`` string.

    ``digits="fa"`` gives Persian digits (for Persian pages); ``"latin"`` ASCII.

    >>> jalali(dt.date(2026, 3, 21), digits="latin")
    '1405/01/01'
    """
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    text = jdatetime.date.fromgregorian(date=value).strftime("%Y/%m/%d")
    return persian_digits(text) if digits == "fa" else text
