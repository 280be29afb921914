"""Persian/Arabic normalisation and Jalali display."""

from __future__ import annotations

import datetime as dt

import pytest

from zones.text import fold, jalali, normalize, persian_digits


@pytest.mark.parametrize(("raw", "clean"), [
    ("ك-١٢", "ک-12"),                     # Arabic kaf, Arabic-Indic digits
    ("ي۳", "ی3"),                          # Arabic yeh, Persian digit
    ("على", "علی"),                        # alef maksura
    ("  شهرک   صنعتی ", "شهرک صنعتی"),      # runs of spaces trimmed
    ("مـــهر", "مهر"),                     # kashida
    ("\u200fD1\u200e", "D1"),              # bidi marks
    ("می\u200cشود", "می\u200cشود"),         # ZWNJ is spelling: kept
    ("ＡＢＣ１２", "ABC12"),                 # full-width forms (NFKC)
    ("", ""),
])
def test_normalize(raw: str, clean: str) -> None:
    assert normalize(raw) == clean


def test_none_stays_none() -> None:
    assert normalize(None) is None and fold(None) is None


def test_fold_ignores_case_and_script() -> None:
    assert fold("d1-a٣") == fold("D1-A3")


@pytest.mark.parametrize(("day", "fa", "latin"), [
    (dt.date(2026, 3, 21), "۱۴۰۵/۰۱/۰۱", "1405/01/01"),       # Nowruz
    (dt.date(2026, 11, 28), "۱۴۰۵/۰۹/۰۷", "1405/09/07"),
    (dt.datetime(2017, 6, 11, 10, 0, tzinfo=dt.UTC), "۱۳۹۶/۰۳/۲۱", "1396/03/21"),  # decree [S4]
])
def test_jalali(day, fa: str, latin: str) -> None:
    assert jalali(day) == fa
    assert jalali(day, digits="latin") == latin


def test_persian_digits() -> None:
    assert persian_digits("D1-12") == "D۱-۱۲"
    assert jalali(None) == ""
