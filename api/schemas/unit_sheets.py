"""The investors-and-units spreadsheet import report."""

from __future__ import annotations

from pydantic import BaseModel


class SheetProblem(BaseModel):
    sheet: str
    row: int
    column: str | None
    code: str
    message: str


class UnitImportReport(BaseModel):
    dry_run: bool
    written: bool
    rows: dict[str, int]
    created: dict[str, int]
    updated: dict[str, int]
    problems: list[SheetProblem]
