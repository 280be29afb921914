"""Benchmark: serving 100k plots from PostGIS under concurrent load, beside tipg and pgbench.

Three measurements of the same work in one run, on the same database:

* **zones**: ``GET /plots?bbox=…&limit=1000`` (a GeoJSON page of 1,000 plots) and
  ``GET /tiles/15/x/y`` (an MVT tile), through the real service (uvicorn, one worker,
  permissions on: every request goes through the caller check);
* **tipg** (developmentseed's OGC Features and Tiles server, from PyPI, one worker): its
  items and tiles endpoints on the same table;
* **PostgreSQL alone** (``pgbench``), twice: the very statement zones sends for that
  request (captured from the service's own code path, parameters inlined) — the floor the
  aim is measured against — and a reference statement for the same page written the
  common way (``json_agg`` of ``ST_AsGeoJSON(record)`` with four properties, or a
  one-layer ``ST_AsMVT``), which is what tipg-style servers send.

Load comes from ``wrk`` (Debian package) with 8 connections for 15 s. Prints requests per
second, p50 and p99 latency, and each server's rate as a share of the database's own.
``--workers N`` runs both servers with N uvicorn workers (the same for both).

    apt-get install wrk
    python3 -m venv /tmp/tipg-venv && /tmp/tipg-venv/bin/pip install tipg uvicorn
    .venv/bin/python -m bench.serving --plots 100000 --tipg /tmp/tipg-venv
"""

from __future__ import annotations

import argparse
import math
import os
import re
import socket
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import morecantile
import psycopg
import sqlalchemy as sa

from bench.common import PG_ADMIN, fresh_postgis
from data.generator import generate
from zones.db import create_engine, session_factory, upgrade
from zones.services.loading import load_dataset

DB = "zones_bench_serving"
ZOOM = 15

ITEMS_SQL = """
SELECT json_build_object('type', 'FeatureCollection', 'features',
       json_agg(ST_AsGeoJSON(t.*)::json))
FROM (SELECT id, code, status, land_use, area_m2, geom FROM plot
      WHERE valid_to IS NULL AND geom && ST_MakeEnvelope({b}, 4326)
        AND ST_Intersects(geom, ST_MakeEnvelope({b}, 4326))
      ORDER BY id LIMIT 1000) t;
"""
TILE_SQL = """
SELECT ST_AsMVT(q, 'plots', 4096, 'geom')
FROM (SELECT id, code, status, ST_AsMVTGeom(ST_Transform(geom, 3857),
             ST_TileEnvelope({z}, {x}, {y}), 4096, 64, true) AS geom
      FROM plot WHERE valid_to IS NULL
        AND geom && ST_Transform(ST_TileEnvelope({z}, {x}, {y}), 4326)) q;
"""


def _inline(statement: str, params: Mapping[str, Any] | Sequence[Any],
            conn: psycopg.Connection) -> str:
    """The statement's ``%(name)s`` placeholders (the engine's paramstyle) replaced by
    literals quoted by psycopg itself."""
    return psycopg.ClientCursor(conn).mogrify(statement, params) + ";"


def _service_sql(url: str, box: tuple[float, ...], tile: morecantile.Tile) -> dict[str, str]:
    """The statements the service itself sends for the benchmarked page and tile."""
    from api.geojson import feature_page
    from zones import frames, tiles
    from zones.db import backend
    from zones.model import Plot
    from zones.settings import Settings

    settings = Settings(database_url=url, migrate_on_start=False)
    engine = create_engine(settings)
    sent: list[tuple[str, dict]] = []
    sa.event.listen(engine, "before_cursor_execute",
                    lambda conn, cur, stmt, params, ctx, many: sent.append((stmt, params)))
    found = {}
    with session_factory(engine)() as session:
        quoting = session.connection().connection.dbapi_connection
        where = backend.bbox_clause(session, Plot.__table__, Plot.__table__.c.geom, box)
        feature_page(session, frames.plot_select(where=where, limit=1001), limit=1000)
        found["items"] = _inline(*sent[-1], quoting)
        tiles.render_tile(session, tile.z, tile.x, tile.y,
                          plot_min_zoom=settings.tile_plot_min_zoom,
                          max_features=settings.tile_max_features)
        found["tiles"] = _inline(*sent[-1], quoting)
    engine.dispose()
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _prepare(n: int) -> str:
    settings = fresh_postgis(DB)
    engine = create_engine(settings)
    upgrade(engine)
    with session_factory(engine, write=True)() as session:
        load_dataset(session=session, data=generate(plots=n), actor="system:bench")
        session.commit()
    with engine.connect() as conn:
        conn.execute(sa.text("ANALYZE"))
    engine.dispose()
    return settings.database_url


def _window(url: str) -> tuple[float, float, float, float]:
    """A bbox around the first district's middle that holds at least 1,000 plots."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        x, y = conn.execute(sa.text(
            "SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Centroid(ST_Collect(geom)) c FROM plot "
            "WHERE id <= 5000) s")).one()
        half = 0.002
        while True:
            box = (x - half, y - half, x + half, y + half)
            count = conn.execute(sa.text(
                "SELECT count(*) FROM plot WHERE geom && ST_MakeEnvelope(:a, :b, :c, :d, 4326)"
            ), dict(zip("abcd", box, strict=True))).scalar_one()
            if count >= 1000:
                return box
            half *= 1.3


def _serve(cmd: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(cmd, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"{cmd[0]} did not start on port {port}")


def _wrk(url: str, seconds: int, connections: int) -> dict[str, float]:
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url],
                         capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise RuntimeError(f"{url}: {non2xx.group(1)} error responses\n{out}")

    def pct(p: str) -> float:
        value, unit = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return {"rps": rate, "p50": pct("50"), "p99": pct("99")}


def _pgbench(sql: str, seconds: int, clients: int) -> float:
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write(sql)
    out = subprocess.run(["pgbench", "-n", "-h", "127.0.0.1", "-U", "postgres", "-c",
                          str(clients), "-j", "2", "-T", str(seconds), "-f", f.name, DB],
                         capture_output=True, text=True, check=True).stdout
    Path(f.name).unlink()
    return float(re.search(r"tps = ([\d.]+)", out).group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plots", type=int, default=100_000)
    parser.add_argument("--tipg", type=Path, default=Path("/tmp/tipg-venv"),
                        help="virtualenv with tipg and uvicorn installed")
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--reuse", action="store_true", help="keep the loaded database")
    parser.add_argument("--workers", type=int, default=1,
                        help="uvicorn worker processes, the same for zones and tipg")
    args = parser.parse_args()

    url = (sa.make_url(PG_ADMIN).set(database=DB).render_as_string(hide_password=False)
           if args.reuse else _prepare(args.plots))
    box = _window(url)
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    tile = morecantile.tms.get("WebMercatorQuad").tile(cx, cy, ZOOM)
    bbox = ",".join(f"{v:.6f}" for v in box)
    libpq = url.replace("postgresql+psycopg://", "postgresql://")

    ours, theirs = _free_port(), _free_port()
    servers = [
        _serve([".venv/bin/uvicorn", "api.main:app_from_env", "--factory", "--port", str(ours),
                "--log-level", "warning", "--workers", str(args.workers)],
               {"ZONES_DATABASE_URL": url, "ZONES_MIGRATE_ON_START": "false"}, ours),
        _serve([str(args.tipg / "bin" / "uvicorn"), "tipg.main:app", "--port", str(theirs),
                "--log-level", "warning", "--workers", str(args.workers)],
               {"DATABASE_URL": libpq, "TIPG_DB_SCHEMAS": '["public"]',
                "TIPG_MAX_FEATURES_PER_QUERY": "1000"}, theirs),
    ]
    try:
        time.sleep(2)
        urls = {
            ("items", "zones"): f"http://127.0.0.1:{ours}/plots?bbox={bbox}&limit=1000",
            ("items", "tipg"): (f"http://127.0.0.1:{theirs}/collections/public.plot/items"
                                f"?bbox={bbox}&limit=1000"),
            ("tiles", "zones"): f"http://127.0.0.1:{ours}/tiles/{tile.z}/{tile.x}/{tile.y}",
            ("tiles", "tipg"): (f"http://127.0.0.1:{theirs}/collections/public.plot/tiles/"
                                f"WebMercatorQuad/{tile.z}/{tile.x}/{tile.y}"),
        }
        service_sql = _service_sql(url, box, tile)
        floors = {kind: _pgbench(service_sql[kind], args.seconds, args.connections)
                  for kind in ("items", "tiles")}
        reference = {
            "items": _pgbench(ITEMS_SQL.format(b=", ".join(map(str, box))), args.seconds,
                              args.connections),
            "tiles": _pgbench(TILE_SQL.format(z=tile.z, x=tile.x, y=tile.y), args.seconds,
                              args.connections),
        }
        print(f"# {time.strftime('%Y-%m-%d')} {os.cpu_count()} cores, {args.plots} plots, "
              f"bbox {bbox}, tile {tile.z}/{tile.x}/{tile.y}, wrk -c{args.connections} "
              f"{args.seconds}s, {args.workers} worker(s) per server")
        print(f"{'what':<7}{'server':<11}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}"
              f"{'of DB':>8}")
        for kind in ("items", "tiles"):
            print(f"{kind:<7}{'pg (ours)':<11}{floors[kind]:>9.1f}{'':>9}{'':>9}{1:>8.2f}")
            print(f"{kind:<7}{'pg (ref)':<11}{reference[kind]:>9.1f}{'':>9}{'':>9}"
                  f"{reference[kind] / floors[kind]:>8.2f}")
            for server in ("zones", "tipg"):
                r = _wrk(urls[(kind, server)], args.seconds, args.connections)
                share = r["rps"] / floors[kind] if floors[kind] else math.nan
                print(f"{kind:<7}{server:<11}{r['rps']:>9.1f}{r['p50']:>9.1f}{r['p99']:>9.1f}"
                      f"{share:>8.2f}", flush=True)
    finally:
        for proc in servers:
            proc.terminate()
            proc.wait(timeout=10)


if __name__ == "__main__":
    main()
