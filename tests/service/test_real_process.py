"""``zones serve`` as its own process survives every route that writes a GeoPackage or an
XLSX or reads an upload, and a worker that dies is replaced without an operator.

Regression for the SIGSEGV in GDAL on the first GeoPackage download (issue 18): GDAL's
wheel loaded after mod_spatialite bound to Debian's SQLite. These tests start the console
script, as ``scripts/demo.sh`` does; see ``zones/native.py`` for the load order.
"""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import geopandas as gpd
import openpyxl
import pyogrio
import pytest

from tests.service.conftest import Service, cli
from tests.uploads.files import csv_file, dxf_file, geojson_file, shapefile_zip

# One worker is the order that crashed: `zones serve` migrates SpatiaLite in the process
# that then imports the app (and GDAL). Two: uvicorn's supervisor, which replaces workers.
ONE_WORKER = pytest.mark.parametrize("service", [("spatialite", 1), ("postgis", 1)],
                                     indirect=True, ids=["spatialite", "postgis"])
SUPERVISED = pytest.mark.parametrize("service", [("spatialite", 2), ("postgis", 2)],
                                     indirect=True, ids=["spatialite", "postgis"])

GPKG_MAGIC = b"SQLite format 3\x00"


def _still_serving(service: Service, after: str) -> None:
    assert service.alive(), f"the service died after {after}:\n{service.log()}"


def _district_plots(service: Service, tmp_path: Path, district: str) -> gpd.GeoDataFrame:
    """The district's GeoPackage as an anonymous visitor downloads it, read back."""
    reply = service.client().get(f"/districts/{district}/export.gpkg")
    assert reply.status_code == 200, reply.text
    assert reply.content.startswith(GPKG_MAGIC)
    path = tmp_path / f"{district}.gpkg"
    path.write_bytes(reply.content)
    plots = pyogrio.read_dataframe(path, layer="plots")
    assert len(plots) > 0
    return plots


@ONE_WORKER
def test_downloads_and_uploads_keep_the_service_alive(service: Service, tmp_path: Path) -> None:
    for district in ("D1", "D2", "D3"):
        _district_plots(service, tmp_path, district)
        _still_serving(service, f"GET /districts/{district}/export.gpkg")
    plots = _district_plots(service, tmp_path, "D3")[["code", "geometry"]]

    staff = service.client("staff")
    workbook = staff.get("/units/export.xlsx")
    assert workbook.status_code == 200, workbook.text
    units = openpyxl.load_workbook(io.BytesIO(workbook.content)).worksheets
    assert sum(sheet.max_row for sheet in units) > 2
    _still_serving(service, "GET /units/export.xlsx")
    imported = staff.post("/units/import", params={"dry_run": True},
                          files={"file": ("units.xlsx", workbook.content)})
    assert imported.status_code == 200, imported.text
    assert sum(imported.json()["rows"].values()) > 0, imported.json()
    _still_serving(service, "POST /units/import (XLSX)")

    metric = plots.to_crs(32639)
    gpkg = tmp_path / "plan.gpkg"
    plots.to_file(gpkg, layer="plots", driver="GPKG")
    files = {
        "GeoPackage": gpkg,
        "GeoJSON": geojson_file(tmp_path, json.loads(plots.to_json(drop_id=True))["features"]),
        "Shapefile": shapefile_zip(tmp_path, plots),
        "CSV": csv_file(tmp_path, [{"code": r.code, "wkt": r.geometry.wkt}
                                   for r in plots.itertuples()]),
        "DXF": dxf_file(tmp_path, {"PLOTS": list(metric.geometry)}),
    }
    options = {"DXF": {"crs": "EPSG:32639"}}
    consultant = service.client("consultant")
    revisions = []
    for kind, path in files.items():
        with path.open("rb") as fh:
            reply = consultant.post(
                "/districts/D3/uploads",
                files={"file": (path.name, fh)},
                data={"options": json.dumps(options.get(kind, {}))})
        assert reply.status_code == 201, f"{kind}: {reply.text}"
        revisions.append(reply.json()["id"])
        _still_serving(service, f"a {kind} upload")

    with gpkg.open("rb") as fh:  # a background job reads in the same fork server
        job = consultant.post("/districts/D3/uploads", params={"background": True},
                              files={"file": (gpkg.name, fh)})
    assert job.status_code == 202, job.text
    deadline = time.monotonic() + 60
    while (state := consultant.get(f"/jobs/{job.json()['id']}").json())["status"] not in (
            "succeeded", "failed"):
        assert time.monotonic() < deadline, state
        time.sleep(0.2)
    assert state["status"] == "succeeded", state
    _still_serving(service, "an upload job")

    for revision in revisions:
        report = consultant.get(f"/revisions/{revision}/report.gpkg")
        assert report.status_code == 200, report.text
        assert report.content.startswith(GPKG_MAGIC)
        _still_serving(service, f"GET /revisions/{revision}/report.gpkg")


@ONE_WORKER
def test_cli_export_writes_a_geopackage(service: Service, tmp_path: Path) -> None:
    out = tmp_path / "zone.gpkg"
    cli(service.env, "export", "--out", str(out))
    layers = {name for name, _ in pyogrio.list_layers(out)}
    assert {"plots", "districts"} <= layers


@SUPERVISED
def test_a_killed_worker_is_replaced(service: Service) -> None:
    before = service.kill_workers()
    assert len(before) == 2
    after = service.workers()
    assert len(after) == 2 and not set(after) & set(before)
    reply = service.client().get("/districts/D3/export.gpkg")
    assert reply.status_code == 200 and reply.content.startswith(GPKG_MAGIC)
    assert service.process.poll() is None
