"""File exports: a district as a GeoPackage that QGIS opens as it is."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import APIRouter, BackgroundTasks
from fastapi.responses import FileResponse

from api.deps import SessionDep
from zones.exchange import write_district_gpkg
from zones.text import normalize
from zones.uploads.receiving import written_or_removed

router = APIRouter(tags=["exports"])
GPKG = "application/geopackage+sqlite3"


@router.get("/districts/{code}/export.gpkg", response_class=FileResponse,
            responses={200: {"content": {GPKG: {"schema": {"type": "string", "format": "binary"}}},
                             "description": "The GeoPackage file"}},
            summary="A district's plots (with units' public fields) and infrastructure")
def export_district(code: str, session: SessionDep, background: BackgroundTasks
                    ) -> FileResponse:
    # On a failure the directory goes with what it holds; a full disk answers 507.
    with written_or_removed() as workdir:
        path = workdir / "district.gpkg"  # never a name built from the request
        write_district_gpkg(session, normalize(code) or "", path)
    background.add_task(_remove, workdir)  # after the file has been sent
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", normalize(code) or "district")
    return FileResponse(path, media_type=GPKG, filename=f"{safe}.gpkg")


def _remove(workdir: Path) -> None:
    for child in workdir.iterdir():
        child.unlink(missing_ok=True)
    workdir.rmdir()
