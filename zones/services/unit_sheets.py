"""Bulk import and export of investors and units as the spreadsheets staff already keep.

Sheets have Persian headers (English field names are accepted too), Persian or Latin
digits and Jalali dates. An import first checks every row and reports every problem
(sheet, row, column, code); only a clean file is written, in the caller's single
transaction. Rows are matched by ``ref``: a known ref updates the record, a new one
creates it; an empty optional cell clears the field (the sheet is the source of truth).

Exported text cells that a spreadsheet would run as a formula (leading ``=``, ``+``,
``-``, ``@``, tab or CR) are prefixed with an apostrophe; the importer strips it again.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import jdatetime
import openpyxl
import sqlalchemy as sa
from sqlalchemy.orm import Session

from zones import errors
from zones.model import (
    DormancyCause,
    EnvGroup,
    Investor,
    PartyKind,
    ProductionUnit,
    UnitStatus,
)
from zones.model.parties import ENV_GROUP_FA
from zones.services.parties import create_investor, create_unit, update_investor, update_unit
from zones.services.unit_registry import change_status, record_initial_status
from zones.text import fold, jalali, normalize, strip_control

STATUS_FA = {"applied": "متقاضی", "allocated": "واگذار شده", "under_construction": "در حال ساخت",
             "operating": "فعال", "partially_active": "نیمه‌فعال", "dormant": "راکد",
             "terminated": "فسخ شده"}
CAUSE_FA = {"finance": "مالی", "mismanagement": "سوء مدیریت", "technology": "فناوری",
            "bureaucracy": "بوروکراسی", "market": "بازار", "other": "سایر"}
KIND_FA = {"legal": "حقوقی", "natural": "حقیقی"}
YES, NO = "بله", "خیر"
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


class Bad(ValueError):
    """One cell's problem: ``code`` is stable, the message says what was expected."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _key(text: Any) -> str:
    """Comparison key for headers and labels: folded, without spaces or ZWNJ."""
    return re.sub(r"[\s\u200c]", "", fold(str(text)) or "")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = normalize(strip_control(str(value)))
    if text and text[0] == "'" and text[1:2] in DANGEROUS:  # our own formula guard
        text = text[1:]
    return text or None


def _choice(labels: dict[str, str], extra: dict[str, str] | None = None
            ) -> Callable[[Any], str]:
    table = {_key(v): k for k, v in labels.items()} | {_key(k): k for k in labels}
    table |= {_key(k): v for k, v in (extra or {}).items()}

    def parse(value: Any) -> str:
        found = table.get(_key(value))
        if found is None:
            raise Bad("bad_choice", f"one of {', '.join(labels.values())}")
        return found
    return parse


def _number(kind: type) -> Callable[[Any], Any]:
    def parse(value: Any) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            number = value
        else:
            text = (normalize(str(value)) or "").replace(",", "").replace("\u066c", "")
            text = text.replace("\u066b", ".").replace("%", "")
            try:
                number = float(text)
            except ValueError:
                raise Bad("bad_number", "a number") from None
        if number < 0 or (kind is int and number != int(number)):
            raise Bad("bad_number", "a non-negative whole number" if kind is int
                      else "a non-negative number")
        return kind(number)
    return parse


def _share(value: Any) -> float:
    share = _number(float)(value)
    if share > 1:
        raise Bad("bad_number", "a share between 0 and 1 (0.25 for 25%)")
    return share


def _jalali_date(value: Any) -> dt.date:
    """A Jalali ``1398/05/12`` (any digits, / or -); a real date cell is taken as Gregorian."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    match = re.fullmatch(r"(\d{4})[/\-.](\d{1,2})[/\-.](\d{1,2})", normalize(str(value)) or "")
    if not match:
        raise Bad("bad_date", "a Jalali date like ۱۴۰۲/۰۵/۱۲")
    try:
        return jdatetime.date(*map(int, match.groups())).togregorian()
    except ValueError:
        raise Bad("bad_date", "a Jalali date that exists") from None


def _isic4(value: Any) -> str:
    text = _text(value) or ""
    if not re.fullmatch(r"\d{4}", text):
        raise Bad("bad_isic4", "a 4-digit ISIC Rev.4 class")
    return text


def _country(value: Any) -> str:
    text = (_text(value) or "").upper()
    if not re.fullmatch(r"[A-Z]{2}", text):
        raise Bad("bad_country", "a 2-letter ISO country code (IR)")
    return text


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return _choice({"yes": YES, "no": NO}, {"true": "yes", "1": "yes", "false": "no",
                                            "0": "no"})(value) == "yes"


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    parse: Callable[[Any], Any] = _text
    required: bool = False


INVESTOR_COLUMNS = [
    Column("ref", "کد سرمایه‌گذار", required=True),
    Column("kind", "نوع شخص", _choice(KIND_FA), required=True),
    Column("name_fa", "نام", required=True),
    Column("name_en", "نام لاتین"),
    Column("nationality", "تابعیت", _country, required=True),
    Column("national_id", "شناسه ملی"),
    Column("email", "ایمیل"),
    Column("phone", "تلفن"),
    Column("address", "نشانی"),
]
UNIT_COLUMNS = [
    Column("ref", "کد واحد", required=True),
    Column("investor_ref", "کد سرمایه‌گذار", required=True),
    Column("name_fa", "نام واحد", required=True),
    Column("name_en", "نام لاتین واحد"),
    Column("isic4", "کد آیسیک", _isic4, required=True),
    Column("status", "وضعیت", _choice(STATUS_FA), required=True),
    Column("status_since", "تاریخ وضعیت", _jalali_date),
    Column("dormancy_cause", "علت رکود", _choice(CAUSE_FA)),
    Column("employment_licensed", "اشتغال طبق مجوز", _number(int)),
    Column("employment_actual", "اشتغال فعلی", _number(int)),
    Column("env_group", "گروه زیست‌محیطی", _choice(ENV_GROUP_FA)),
    Column("knowledge_based", "دانش‌بنیان", _bool),
    Column("export_share", "سهم صادرات", _share),
    Column("investment_rial", "سرمایه‌گذاری (ریال)", _number(int)),
    Column("establishment_licence_no", "شماره جواز تأسیس"),
    Column("establishment_licence_date", "تاریخ جواز تأسیس", _jalali_date),
    Column("operating_licence_no", "شماره پروانه بهره‌برداری"),
    Column("operating_licence_date", "تاریخ پروانه بهره‌برداری", _jalali_date),
]
SHEETS = {"investors": ("سرمایه‌گذاران", INVESTOR_COLUMNS), "units": ("واحدها", UNIT_COLUMNS)}


@dataclass
class Problem:
    sheet: str
    row: int  # spreadsheet row number; the header is row 1
    column: str | None
    code: str
    message: str


@dataclass
class Report:
    rows: dict[str, int] = field(default_factory=dict)
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    written: bool = False


def _read_rows(data: bytes, filename: str, max_bytes: int) -> list[list[list[Any]]]:
    """Each sheet (or the CSV) as a list of rows of cell values."""
    if len(data) > max_bytes:
        raise errors.PayloadTooLarge(f"the file is over {max_bytes} bytes", limit=max_bytes)
    name = filename.lower()
    if name.endswith(".csv"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise errors.InvalidInput("the CSV is not UTF-8", field="file") from None
        if "\x00" in text:
            raise errors.InvalidInput("the CSV contains NUL characters", field="file")
        try:
            return [list(csv.reader(io.StringIO(text)))]
        except csv.Error as exc:
            raise errors.InvalidInput(f"the CSV cannot be read: {exc}", field="file") from None
    if name.endswith(".xlsx"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                inflated = sum(i.file_size for i in archive.infolist())
            if inflated > 20 * max_bytes:  # a zip bomb would exhaust memory in openpyxl
                raise errors.PayloadTooLarge("the workbook inflates too far", limit=max_bytes)
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            sheets = [[list(r) for r in ws.iter_rows(values_only=True)]
                      for ws in book.worksheets]
            book.close()
        except errors.ZonesError:
            raise
        except Exception:  # any parser failure on untrusted bytes is the sender's 400
            raise errors.InvalidInput("the file is not a readable XLSX workbook",
                                      field="file") from None
        return sheets
    raise errors.UnsupportedMediaType("send a .csv or .xlsx file", filename=filename)


def _identify(header: list[Any]) -> str | None:
    keys = {_key(h) for h in header if h is not None}
    if _key("کد واحد") in keys or ("ref" in keys and "investor_ref" in keys):
        return "units"
    if _key("تابعیت") in keys or "nationality" in keys:
        return "investors"
    return None


def _parse_sheet(kind: str, rows: list[list[Any]], report: Report
                 ) -> list[tuple[int, dict[str, Any]]]:
    label, columns = SHEETS[kind]
    by_key = {_key(c.header): c for c in columns} | {_key(c.field): c for c in columns}
    header = [by_key.get(_key(h)) if h is not None else None for h in rows[0]]
    for c in columns:
        if c.required and c not in header:
            report.problems.append(Problem(kind, 1, c.header, "missing_column",
                                           f"the sheet {label} needs a column {c.header}"))
    parsed = []
    for number, row in enumerate(rows[1:], start=2):
        if all(v is None or str(v).strip() == "" for v in row):
            continue
        values: dict[str, Any] = {}
        for column, raw in zip(header, row, strict=False):
            if column is None:
                continue
            empty = raw is None or (isinstance(raw, str) and not raw.strip())
            if empty:
                if column.required:
                    report.problems.append(Problem(kind, number, column.header,
                                                   "missing_value", "a value is required"))
                values[column.field] = None
                continue
            try:
                values[column.field] = column.parse(raw)
            except Bad as bad:
                report.problems.append(Problem(kind, number, column.header, bad.code,
                                               f"expected {bad}, got {str(raw)[:60]!r}"))
        parsed.append((number, values))
    report.rows[kind] = len(parsed)
    return parsed


def _duplicates(kind: str, rows: Iterable[tuple[int, dict[str, Any]]], report: Report) -> None:
    seen: dict[str, int] = {}
    header = SHEETS[kind][1][0].header
    for number, values in rows:
        ref = values.get("ref")
        if ref and ref in seen:
            report.problems.append(Problem(kind, number, header, "duplicate_ref",
                                           f"{ref} already on row {seen[ref]}"))
        elif ref:
            seen[ref] = number


def import_sheets(*, session: Session, data: bytes, filename: str, dry_run: bool,
                  actor_id: int | None, today: dt.date, max_bytes: int, max_rows: int
                  ) -> Report:
    """Check every row; unless ``dry_run`` or a problem was found, write them all.

    With problems and ``dry_run`` false this raises :class:`errors.SheetInvalid` carrying
    them; the caller's transaction then rolls back, so nothing is half-written.
    """
    report = Report()
    found: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for rows in _read_rows(data, filename, max_bytes):
        rows = [r for r in rows if r is not None]
        kind = _identify(rows[0]) if rows else None
        if kind is None or kind in found:
            continue
        if len(rows) - 1 > max_rows:
            raise errors.PayloadTooLarge(f"over {max_rows} rows in a sheet", limit=max_rows)
        found[kind] = _parse_sheet(kind, rows, report)
        _duplicates(kind, found[kind], report)
    if not found:
        raise errors.SheetInvalid("no sheet has investor or unit headers",
                                  problems=[], expected=[c.header for c in UNIT_COLUMNS])
    known = set(session.scalars(sa.select(Investor.ref)))
    known |= {v["ref"] for _, v in found.get("investors", []) if v.get("ref")}
    for number, values in found.get("units", []):
        ref = values.get("investor_ref")
        if ref and ref not in known:
            report.problems.append(Problem("units", number, "کد سرمایه‌گذار",
                                           "unknown_investor", f"no investor {ref}"))
    if report.problems:
        if dry_run:
            return report
        raise errors.SheetInvalid(f"{len(report.problems)} problem(s); nothing was written",
                                  problems=[p.__dict__ for p in report.problems])
    _plan_or_write(session, found, report, write=not dry_run, actor_id=actor_id, today=today)
    return report


def _plan_or_write(session: Session, found: dict[str, list[tuple[int, dict[str, Any]]]],
                   report: Report, *, write: bool, actor_id: int | None, today: dt.date
                   ) -> None:
    investors = {i.ref: i for i in session.scalars(sa.select(Investor))}
    for kind in ("investors", "units"):
        report.created[kind] = report.updated[kind] = 0
    for _, values in found.get("investors", []):
        values["kind"] = PartyKind(values["kind"])
        current = investors.get(values["ref"])
        if current is not None:
            report.updated["investors"] += 1
            if write:
                update_investor(session=session, investor=current, changes=values)
        else:
            report.created["investors"] += 1
            if write:
                investors[values["ref"]] = create_investor(session=session, values=values)
    units = {u.ref: u for u in session.scalars(sa.select(ProductionUnit))}
    for _, values in found.get("units", []):
        unit = units.get(values["ref"])
        (report.updated if unit else report.created)["units"] += 1
        if write:
            _write_unit(session, unit, values, investors, actor_id, today)
    report.written = write


def _write_unit(session: Session, unit: ProductionUnit | None, values: dict[str, Any],
                investors: dict[str, Investor], actor_id: int | None, today: dt.date) -> None:
    status = UnitStatus(values.pop("status"))
    since = values.pop("status_since", None)
    investor = investors[values.pop("investor_ref")]
    for name, enum_cls in (("dormancy_cause", DormancyCause), ("env_group", EnvGroup)):
        if values.get(name) is not None:
            values[name] = enum_cls(values[name])
    if values.get("knowledge_based") is None:
        values["knowledge_based"] = False
    if unit is None:
        unit = create_unit(session=session, investor=investor, values=values)
        unit.status, unit.status_since = status, since
        record_initial_status(session=session, unit=unit, reason="bulk import",
                              changed_by_id=actor_id, today=today)
        session.flush()
        return
    update_unit(session=session, unit=unit, changes={**values, "investor_id": investor.id})
    if unit.status is not status:
        change_status(session=session, unit=unit, to=status, effective_on=since or today,
                      reason="bulk import", changed_by_id=actor_id)


def _safe(value: Any) -> Any:
    """A cell value a spreadsheet will show, never run, and XML can hold.

    Control characters are dropped: one stored before input was checked (or by hand)
    would otherwise make openpyxl refuse the whole workbook.
    """
    if isinstance(value, str):
        value = strip_control(value)
        if value.startswith(DANGEROUS):
            return "'" + value
    return value


def _cell(column: Column, value: Any) -> Any:
    if value is None:
        return None
    if hasattr(value, "value"):  # enums
        value = value.value
    labels = {"status": STATUS_FA, "dormancy_cause": CAUSE_FA, "kind": KIND_FA,
              "env_group": ENV_GROUP_FA}.get(column.field)
    if labels:
        return labels.get(value, value)
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, dt.date):
        return jalali(value)
    return _safe(value)


def export_rows(*, session: Session) -> dict[str, list[list[Any]]]:
    """Header row plus one row per investor / unit, as the importer reads them back."""
    out: dict[str, list[list[Any]]] = {}
    investors = session.scalars(sa.select(Investor).order_by(Investor.ref)).all()
    out["investors"] = [[c.header for c in INVESTOR_COLUMNS]] + [
        [_cell(c, getattr(i, c.field)) for c in INVESTOR_COLUMNS] for i in investors]
    refs = {i.id: i.ref for i in investors}
    units = session.scalars(sa.select(ProductionUnit).order_by(ProductionUnit.ref)).all()
    out["units"] = [[c.header for c in UNIT_COLUMNS]] + [
        [_cell(c, refs[u.investor_id] if c.field == "investor_ref" else getattr(u, c.field))
         for c in UNIT_COLUMNS] for u in units]
    return out


def to_xlsx(sheets: dict[str, list[list[Any]]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for kind, rows in sheets.items():
        ws = book.create_sheet(SHEETS[kind][0])
        ws.sheet_view.rightToLeft = True
        for row in rows:
            ws.append(row)
        for cells in ws.iter_rows():
            for cell in cells:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # text, even if it looks like a formula
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def to_csv(rows: list[list[Any]]) -> bytes:
    """UTF-8 with a BOM, so Excel shows the Persian headers correctly."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["" if v is None else v for v in row] for row in rows])
    return buffer.getvalue().encode("utf-8-sig")
