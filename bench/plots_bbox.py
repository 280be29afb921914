"""Benchmark: GET /plots?bbox=… against a raw SQL query of the same rows, same run.

Loads a generated zone of N plots (1k, 10k, 100k) into a backend, then for the same set
of map-window bboxes times (a) the HTTP endpoint in-process (routing, ORM query,
GeoJSON encoding) and (b) the cheapest way the database can hand back those rows
(index-assisted SQL with the database's own GeoJSON writer, through the DB-API cursor).
The printed ratio is the endpoint's overhead over that floor.

    .venv/bin/python -m bench.plots_bbox --plots 1000 10000 100000 --backend spatialite postgis
"""

from __future__ import annotations

import argparse
import platform
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from fastapi.testclient import TestClient

from api.main import create_app
from bench.common import fresh_postgis
from data.generator import generate
from zones.db import create_engine, session_factory, upgrade
from zones.services.loading import load_dataset
from zones.settings import Settings

WINDOW_DEG = 0.004  # about 350 m × 440 m around Anzali: a close-up map view

RAW = {
    "spatialite": (
        "SELECT p.id, p.code, p.status, p.land_use, p.area_m2, AsGeoJSON(p.geom) FROM plot p "
        "WHERE p.valid_to IS NULL AND p.id IN (SELECT rowid FROM SpatialIndex "
        "WHERE f_table_name = 'plot' AND f_geometry_column = 'geom' "
        "AND search_frame = BuildMbr(?, ?, ?, ?, 4326)) "
        "AND ST_Intersects(p.geom, BuildMbr(?, ?, ?, ?, 4326)) ORDER BY p.id LIMIT 1001"
    ),
    "postgis": (
        "SELECT p.id, p.code, p.status, p.land_use, p.area_m2, ST_AsGeoJSON(p.geom) FROM plot p "
        # psycopg's own placeholders: the raw connection's cursor is psycopg's default one.
        "WHERE p.valid_to IS NULL AND p.geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326) "
        "AND ST_Intersects(p.geom, ST_MakeEnvelope(%s, %s, %s, %s, 4326)) "
        "ORDER BY p.id LIMIT 1001"
    ),
}


def _database(backend: str, n: int, workdir: Path) -> Settings:
    if backend == "spatialite":
        return Settings(database_url=f"sqlite:///{workdir / f'bench_{n}.sqlite'}")
    return fresh_postgis(f"zones_bench_{n}")


def _windows(data, count: int, seed: int = 7) -> list[tuple[float, float, float, float]]:
    centres = data.plots.geometry.representative_point()
    picks = np.random.default_rng(seed).choice(len(centres), size=count, replace=False)
    half = WINDOW_DEG / 2
    return [(c.x - half, c.y - half, c.x + half, c.y + half) for c in centres.iloc[picks]]


def run(backend: str, n: int, repeat: int, workdir: Path) -> dict[str, float]:
    settings = _database(backend, n, workdir)
    engine = create_engine(settings)
    upgrade(engine)
    data = generate(plots=n)
    started = time.perf_counter()
    with session_factory(engine, write=True)() as session:
        load_dataset(session=session, data=data, actor="system:bench")
        session.commit()
    load_s = time.perf_counter() - started
    windows = _windows(data, repeat)
    api_times, raw_times, rows = [], [], []
    with TestClient(create_app(settings)) as client:
        client.get("/plots", params={"limit": 1})  # warm caches and connection pool
        raw_conn = engine.raw_connection()
        cursor = raw_conn.cursor()
        for box in windows:
            params = {"bbox": ",".join(f"{v:.7f}" for v in box), "limit": 1000}
            t0 = time.perf_counter()
            body = client.get("/plots", params=params).json()
            api_times.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            cursor.execute(RAW[backend], (*box, *box))
            fetched = cursor.fetchall()
            raw_times.append(time.perf_counter() - t0)
            if len(fetched) != body["numberReturned"]:
                raise AssertionError(f"API returned {body['numberReturned']} rows, SQL "
                                     f"{len(fetched)} for bbox {box}")
            rows.append(len(fetched))
        raw_conn.close()
    engine.dispose()
    api_ms = statistics.median(api_times) * 1000
    raw_ms = statistics.median(raw_times) * 1000
    return {"plots": n, "load_s": load_s, "rows": statistics.median(rows), "api_ms": api_ms,
            "raw_ms": raw_ms, "ratio": api_ms / raw_ms}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plots", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--backend", nargs="+", default=["spatialite", "postgis"],
                        choices=["spatialite", "postgis"])
    parser.add_argument("--repeat", type=int, default=30, help="bbox windows per size")
    args = parser.parse_args()
    print(f"# {time.strftime('%Y-%m-%d')} {platform.node()} {platform.processor() or ''} "
          f"python {platform.python_version()}")
    print(f"{'backend':<11}{'plots':>8}{'load s':>9}{'rows/bbox':>11}{'API ms':>9}"
          f"{'SQL ms':>9}{'API/SQL':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        for backend in args.backend:
            for n in args.plots:
                r = run(backend, n, args.repeat, Path(tmp))
                print(f"{backend:<11}{r['plots']:>8}{r['load_s']:>9.1f}{r['rows']:>11.0f}"
                      f"{r['api_ms']:>9.2f}{r['raw_ms']:>9.2f}{r['ratio']:>9.2f}", flush=True)


if __name__ == "__main__":
    main()
