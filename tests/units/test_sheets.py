"""Bulk import of Persian unit and investor sheets (dry run, commit, broken rows) and
an export that spreadsheets cannot execute."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import sqlalchemy as sa

from zones.model import Investor, ProductionUnit, UnitStatus, UnitStatusChange
from zones.services.unit_sheets import INVESTOR_COLUMNS, UNIT_COLUMNS

INV_HEADERS = [c.header for c in INVESTOR_COLUMNS]
UNIT_HEADERS = [c.header for c in UNIT_COLUMNS]


def _inv_row(ref: str, name: str) -> list:
    return [ref, "حقوقی", name, "Test Co", "IR", "۱۰۱۰۲۰۳۰۴۰", None, "۰۱۳۴۴۴۴۴۴۴۴", "انزلی"]


def _unit_row(ref: str, investor: str, **over) -> list:
    row = dict(zip(UNIT_HEADERS, [
        ref, investor, "کارخانه نمونه", None, "۱۰۷۹", "راکد", "۱۴۰۰/۰۳/۱۱", "مالی", "۴۵", "۳",
        "ج", "خیر", "0.2", "۱٬۲۰۰٬۰۰۰٬۰۰۰", "ج-۱۲", "۱۳۹۸/۰۱/۱۵", None, None], strict=True))
    row.update(over)
    return list(row.values())


def _xlsx(investors: list[list], units: list[list]) -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "سرمایه‌گذاران"
    for row in [INV_HEADERS, *investors]:
        ws.append(row)
    ws = book.create_sheet("واحدها")
    for row in [UNIT_HEADERS, *units]:
        ws.append(row)
    for sheet in book.worksheets:  # text as typed, even when it starts with "="
        for line in sheet.iter_rows():
            for cell in line:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _post(client, headers, data: bytes, name: str, dry_run: bool, status: int = 200):
    response = client.post(f"/units/import?dry_run={str(dry_run).lower()}", headers=headers,
                           files={"file": (name, data)})
    assert response.status_code == status, response.text
    return response.json()


def _counts(db) -> tuple[int, int]:
    n = (db.scalar(sa.select(sa.func.count()).select_from(Investor)),
         db.scalar(sa.select(sa.func.count()).select_from(ProductionUnit)))
    db.commit()
    return n


def test_dry_run_reports_every_broken_row_and_writes_nothing(world, db, as_user) -> None:
    api = as_user("staff")
    before = _counts(db)
    data = _xlsx([_inv_row("INV-900", "شركت آزمايشي"), _inv_row("INV-900", "تکراری")],
                 [_unit_row("U-900", "INV-900"),
                  _unit_row("U-901", "INV-404"),                       # unknown investor
                  _unit_row("U-902", "INV-900", **{"کد آیسیک": "12"}),  # bad ISIC
                  _unit_row("U-903", "INV-900", **{"تاریخ وضعیت": "۱۴۰۰/۱۳/۰۱",
                                                   "وضعیت": "خوابیده"}),
                  _unit_row(None, "INV-900", **{"اشتغال فعلی": "-۳"})])
    report = _post(api.client, api.headers, data, "units.xlsx", dry_run=True)
    got = {(p["sheet"], p["row"], p["code"]) for p in report["problems"]}
    assert got == {("investors", 3, "duplicate_ref"), ("units", 3, "unknown_investor"),
                   ("units", 4, "bad_isic4"), ("units", 5, "bad_date"),
                   ("units", 5, "bad_choice"), ("units", 6, "missing_value"),
                   ("units", 6, "bad_number")}
    assert report["written"] is False
    refused = _post(api.client, api.headers, data, "units.xlsx", dry_run=False, status=400)
    assert refused["code"] == "unit_sheet_invalid" and len(refused["problems"]) == 7
    assert _counts(db) == before


def test_commit_writes_investors_units_and_history_in_one_go(world, db, as_user) -> None:
    api = as_user("staff")
    before = _counts(db)
    data = _xlsx([_inv_row("INV-900", "شركت آزمايشي")],
                 [_unit_row("U-900", "INV-900"),
                  _unit_row("U-901", "INV-900", **{"وضعیت": "فعال", "تاریخ وضعیت": None,
                                                   "علت رکود": None})])
    dry = _post(api.client, api.headers, data, "units.xlsx", dry_run=True)
    assert (dry["problems"], dry["created"], dry["written"]) == (
        [], {"investors": 1, "units": 2}, False)
    assert _counts(db) == before
    done = _post(api.client, api.headers, data, "units.xlsx", dry_run=False)
    assert done["written"] is True
    assert _counts(db) == (before[0] + 1, before[1] + 2)
    unit = db.scalar(sa.select(ProductionUnit).where(ProductionUnit.ref == "U-900"))
    assert (unit.name_fa, unit.isic4, unit.status, unit.status_since, unit.investment_rial,
            unit.employment_licensed, unit.export_share) == (
        "کارخانه نمونه", "1079", UnitStatus.DORMANT, dt.date(2021, 6, 1), 1_200_000_000, 45, 0.2)
    assert unit.investor.name_fa == "شرکت آزمایشی"  # Arabic kaf/yeh normalised
    assert unit.establishment_licence_date == dt.date(2019, 4, 4)
    history = db.scalars(sa.select(UnitStatusChange.to_status)
                         .where(UnitStatusChange.unit_id == unit.id)).all()
    db.commit()
    assert history == [UnitStatus.DORMANT]
    # Re-importing as CSV with a new status updates the unit and extends its history.
    rows = [UNIT_HEADERS, _unit_row("U-900", "INV-900", **{"وضعیت": "فعال",
                                                           "تاریخ وضعیت": "1405/01/01"})]
    text = io.StringIO()
    csv.writer(text).writerows([["" if v is None else v for v in r] for r in rows])
    again = _post(api.client, api.headers, text.getvalue().encode(), "u.csv", dry_run=False)
    assert again["updated"]["units"] == 1
    db.expire_all()
    unit = db.scalar(sa.select(ProductionUnit).where(ProductionUnit.ref == "U-900"))
    assert (unit.status, unit.status_since) == (UnitStatus.OPERATING, dt.date(2026, 3, 21))
    db.commit()


def test_import_refuses_other_formats_and_roles(world, as_user) -> None:
    api = as_user("staff")
    got = _post(api.client, api.headers, b"%PDF-1.4", "x.pdf", dry_run=True, status=415)
    assert got["code"] == "unsupported_media_type"
    got = _post(api.client, api.headers, b"not a zip", "x.xlsx", dry_run=True, status=400)
    assert got["code"] == "invalid_input"
    inv = as_user("inv")
    _post(inv.client, inv.headers, b"a,b\n", "x.csv", dry_run=True, status=403)


def test_export_neutralises_formulas(world, db, as_user) -> None:
    api = as_user("staff")
    evil = '=HYPERLINK("http://evil.example","x")'
    data = _xlsx([_inv_row("INV-900", "+SUM(1,2)")],
                 [_unit_row("U-900", "INV-900", **{"نام واحد": evil,
                                                   "شماره جواز تأسیس": "@cmd|' /C calc'!A0"})])
    _post(api.client, api.headers, data, "units.xlsx", dry_run=False)
    response = api.client.get("/units/export.xlsx", headers=api.headers)
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    units = book["واحدها"]
    row = next(r for r in units.iter_rows() if r[0].value == "U-900")
    assert row[2].value == "'" + evil and row[2].data_type == "s"
    assert row[14].value.startswith("'@")
    assert row[6].value == "۱۴۰۰/۰۳/۱۱" and row[5].value == "راکد"
    cells = [c for r in book.worksheets for line in r.iter_rows() for c in line]
    assert not any(c.data_type == "f" for c in cells)
    assert not any(isinstance(c.value, str) and c.value[:1] in "=+-@\t\r" for c in cells)
    exported = api.client.get("/units/export.csv?sheet=investors", headers=api.headers)
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0] == INV_HEADERS
    assert next(r for r in rows if r[0] == "INV-900")[:3] == ["INV-900", "حقوقی", "'+SUM(1,2)"]
    # What we export imports back unchanged (the guard apostrophe is stripped).
    back = _post(api.client, api.headers, response.content, "back.xlsx", dry_run=True)
    assert back["problems"] == [] and back["created"] == {"investors": 0, "units": 0}
