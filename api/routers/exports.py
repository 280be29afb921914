"""File exports: a district as a GeoPackage that QGIS opens as it is."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from fastapi import APIRouter, BackgroundTasks
from fastapi.responses import FileResponse

from api.deps import SessionDep
from zones.exchange import write_district_gpkg
from zones.text import normalize

router = APIRouter(tags=["exports"])
GPKG = "application/geopackage+sqlite3"


@router.get("/districts/{code}/export.gpkg", response_class=FileResponse,
            responses={200: {"content": {GPKG: {}}}},
            summary="A district's plots (with units' public fields) and infrastructure")
def export_district(code: str, session: SessionDep, background: BackgroundTasks
                    ) -> FileResponse:
    workdir = Path(tempfile.mkdtemp(prefix="zones-export-"))
    path = workdir / "district.gpkg"  # never a name built from the request
    try:
        write_district_gpkg(session, normalize(code) or "", path)
    except Exception:
        _remove(workdir)
        raise
    background.add_task(_remove, workdir)  # after the file has been sent
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", normalize(code) or "district")
    return FileResponse(path, media_type=GPKG, filename=f"{safe}.gpkg")


def _remove(workdir: Path) -> None:
    for child in workdir.iterdir():
        child.unlink(missing_ok=True)
    workdir.rmdir()
