"""Investors and units to and from spreadsheets (staff): CSV/XLSX import, XLSX/CSV export.

An import checks every row first; unless it is a dry run (the default) and only if no row
has a problem, it writes them all in the request's one transaction (a refused import
raises, so nothing is half-written).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import Response

from api.deps import SessionDep, SettingsDep, WriteSessionDep
from api.routers._programmes import Staff, act, today
from api.schemas.unit_sheets import SheetProblem, UnitImportReport
from zones import errors
from zones.services import unit_sheets

router = APIRouter(tags=["units"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BINARY = {"schema": {"type": "string", "format": "binary"}}


@router.post("/units/import", response_model=UnitImportReport,
             summary="Import investors and units from CSV/XLSX (staff)")
async def import_units(request: Request, session: WriteSessionDep, user: Staff,
                       settings: SettingsDep, file: Annotated[UploadFile, File()],
                       dry_run: Annotated[bool, Query()] = True) -> UnitImportReport:
    declared = int(request.headers.get("content-length") or 0)
    if declared > settings.unit_import_max_bytes + 64 * 1024:
        raise errors.PayloadTooLarge("the upload is too large",
                                     limit=settings.unit_import_max_bytes)
    data = await file.read(settings.unit_import_max_bytes + 1)
    act(session, user, "bulk import")
    report = unit_sheets.import_sheets(
        session=session, data=data, filename=file.filename or "", dry_run=dry_run,
        actor_id=user.id, today=today(), max_bytes=settings.unit_import_max_bytes,
        max_rows=settings.unit_import_max_rows)
    return UnitImportReport(
        dry_run=dry_run, written=report.written, rows=report.rows, created=report.created,
        updated=report.updated,
        problems=[SheetProblem.model_validate(p.__dict__) for p in report.problems])


@router.get("/units/export.xlsx", summary="Investors and units as a Persian workbook (staff)",
            response_class=Response,
            responses={200: {"description": "Workbook", "content": {XLSX: BINARY}}})
def export_xlsx(session: SessionDep, user: Staff) -> Response:
    body = unit_sheets.to_xlsx(unit_sheets.export_rows(session=session))
    return Response(body, media_type=XLSX,
                    headers={"Content-Disposition": 'attachment; filename="units.xlsx"'})


@router.get("/units/export.csv", summary="Units (or ?sheet=investors) as CSV (staff)",
            response_class=Response,
            responses={200: {"description": "CSV", "content": {"text/csv": BINARY}}})
def export_csv(session: SessionDep, user: Staff,
               sheet: Annotated[Literal["units", "investors"], Query()] = "units") -> Response:
    body = unit_sheets.to_csv(unit_sheets.export_rows(session=session)[sheet])
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{sheet}.csv"'})
