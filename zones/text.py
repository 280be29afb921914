"""Persian-first text handling: input normalisation and Jalali display.

Every string that comes from a person or a file passes through :func:`normalize`
before it is stored or compared, so ``"ك-١٢"`` (Arabic kaf, Arabic-Indic digits)
and ``"ک-۱۲"`` (Persian kaf, Persian digits) and ``"ک-12"`` are the same code.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

import jdatetime

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
