"""Benchmark: storing an N-plot upload as a draft revision on PostGIS, beside its floor.

Same file, same run:

* **floor** = the read-and-validate floor of :mod:`bench.uploads_validate` (pyogrio read,
  shapely's vectorised ``is_valid``, one STRtree overlap query) **plus** ``ogr2ogr``
  bulk-loading the same GeoPackage into PostGIS (``COPY``);
* **zones** = ``zones.services.revisions.create_revision``: the file read in an isolated
  child process, every validation rule against the district, the original kept, and every
  feature stored, in one transaction.

Prints each time and the ratio (aim: within 2× of the floor).

    apt-get install gdal-bin   # ogr2ogr
    .venv/bin/python -m bench.uploads_store --plots 10000 100000
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zones.settings import Settings

# Imports happen inside the functions: every upload's reader child re-imports this main
# module, and the service's own main modules (uvicorn, `zones`) import little at the top.
DB = "zones_bench_store"


def _district(settings: Settings, plan: dict) -> None:
    """A zone and district S1 around the generated plan."""
    import shapely
    from geoalchemy2.shape import from_shape

    from bench.uploads_validate import _lonlat
    from zones.db import create_engine, session_factory, upgrade
    from zones.model import District, DistrictKind, DistrictStatus, Zone

    everything = shapely.box(*shapely.total_bounds(plan["geoms"]))
    engine = create_engine(settings)
    upgrade(engine)
    with session_factory(engine, write=True)() as session:
        zone_shape = _lonlat([everything.buffer(1000)]).iloc[0]
        zone = Zone(code="BZ", name_fa="منطقه", name_en="Bench zone", metric_srid=32639,
                    boundary=from_shape(shapely.MultiPolygon([zone_shape]), srid=4326))
        session.add(zone)
        session.flush()
        session.add(District(zone_id=zone.id, code="S1", number=9, name_fa="شهرک آزمون",
                             name_en="Bench estate", kind=DistrictKind.ESTATE,
                             status=DistrictStatus.PLANNED,
                             boundary=from_shape(_lonlat([everything.buffer(200)]).iloc[0],
                                                 srid=4326)))
        session.commit()
    engine.dispose()


def _ogr2ogr(path: Path, settings: Settings) -> float:
    import sqlalchemy as sa

    url = sa.make_url(settings.database_url)
    target = f"PG:host={url.host} port={url.port or 5432} user={url.username} dbname={url.database}"
    started = time.perf_counter()
    subprocess.run(["ogr2ogr", "-f", "PostgreSQL", target, str(path), "-overwrite",
                    "-lco", "GEOMETRY_NAME=geom", "-lco", "SCHEMA=public",
                    "-nlt", "PROMOTE_TO_MULTI", "--config", "PG_USE_COPY", "YES",
                    "-nln", "bulk_plots", "plots"],
                   check=True, capture_output=True)
    return time.perf_counter() - started


def run(n: int, workdir: Path) -> dict[str, float]:
    import sqlalchemy as sa

    from bench.common import fresh_postgis
    from bench.uploads_validate import _floor, build_upload, write_upload
    from zones.db import create_engine, session_factory
    from zones.services.revisions import create_revision
    from zones.uploads.contract import LayerRole, ReadOptions, UploadLimits
    from zones.uploads.reading import start_reader_server

    plan = build_upload(n, 0)
    path = workdir / f"upload_{n}.gpkg"
    write_upload(plan, path)
    # The service's caps (20k features) are below the benchmark's sizes: read with the
    # in-process ones (UploadLimits' defaults, 250k features).
    limits = UploadLimits()
    settings = fresh_postgis(DB).model_copy(update={
        "upload_dir": workdir / "kept", "upload_max_bytes": limits.max_bytes,
        "upload_max_features": limits.max_features,
        "upload_max_vertices": limits.max_vertices})
    _district(settings, plan)
    floor_read = _floor(path)["seconds"]
    floor_load = _ogr2ogr(path, settings)
    start_reader_server()  # as the service does at start-up
    engine = create_engine(settings)
    options = ReadOptions(layers={"plots": LayerRole.PLOTS, "roads": LayerRole.ROADS})
    with session_factory(engine, write=True)() as session:
        started = time.perf_counter()
        revision = create_revision(session, district_code="S1", path=path,
                                   filename=path.name, options=options, user=None,
                                   settings=settings)
        session.commit()
        ours = time.perf_counter() - started
        stored = session.execute(sa.text(
            "SELECT count(*) FROM plan_feature WHERE revision_id = :r"), {"r": revision.id}
        ).scalar_one()
    engine.dispose()
    expected = len(plan["geoms"]) + len(plan["roads"])
    if stored != expected:
        raise AssertionError(f"stored {stored} features, expected {expected}")
    return {"plots": n, "floor_read": floor_read, "floor_load": floor_load,
            "floor": floor_read + floor_load, "zones": ours,
            "ratio": ours / (floor_read + floor_load)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plots", type=int, nargs="+", default=[10_000, 100_000])
    args = parser.parse_args()
    print(f"# {time.strftime('%Y-%m-%d')} {os.cpu_count()} cores; seconds")
    print(f"{'plots':>8}{'read+valid':>12}{'ogr2ogr':>10}{'floor':>9}{'zones':>9}{'ratio':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.plots:
            r = run(n, Path(tmp))
            print(f"{r['plots']:>8}{r['floor_read']:>12.2f}{r['floor_load']:>10.2f}"
                  f"{r['floor']:>9.2f}{r['zones']:>9.2f}{r['ratio']:>8.2f}", flush=True)


if __name__ == "__main__":
    main()
