"""Benchmark: the memory the largest uploads the caps allow cost the running service.

Starts the real service (uvicorn on a fresh SpatiaLite database, the ``ZONES_UPLOAD_*``
caps of the environment or the defaults) once per file, uploads the file as a consultant
and waits for its job, and prints per file:

* **service MB**: the rise of the service process's peak RSS (``VmHWM`` after the upload
  minus ``VmRSS`` before it; the high-water mark is reset through ``/proc/PID/clear_refs``
  once the service has started) — the aim is under 300 MB;
* **reader MB**: the peak RSS of the fork-server child that read the file (its ``VmHWM``,
  sampled every 10 ms), which the address-space cap ``ZONES_UPLOAD_MEMORY_LIMIT_MB`` bounds;
* **/health ms**: the slowest ``GET /health`` answered while the upload ran (every 0.2 s).

Files, each at the caps (``--scale`` shrinks them all, for a quick slope):

* ``features``: ``MAX_FEATURES`` 25 m square plots (5 vertices, every text field at its
  longest) and the roads between their blocks, a GeoPackage;
* ``mixed``: ``MAX_FEATURES`` plots sharing ``MAX_VERTICES`` (both caps at once), with
  the roads, a GeoPackage;
* ``vertices``: plots of ``MAX_FEATURE_VERTICES`` vertices each, as many as
  ``MAX_VERTICES`` and ``MAX_BYTES`` allow, with the roads, a GeoPackage (the densest
  format: 16 bytes a vertex);
* ``bytes``: a GeoJSON of ``MAX_BYTES``: the ``mixed`` plots, every text field at its
  longest, padded with an unmapped property — the most a reader child parses;
* ``one_over``: a single plot of 1.3 million vertices (the issue's 50 MB GeoJSON, here a
  21 MB GeoPackage so that the byte cap does not refuse it first): refused on its WKB.

    .venv/bin/python -m bench.upload_memory [--scale 0.1] [--only features vertices]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

PASSWORD = "bench-password-1234"
ROOT = Path(__file__).resolve().parent.parent


# -- the files -------------------------------------------------------------------------


def _plan(n: int) -> dict[str, Any]:
    from bench.uploads_validate import build_upload

    return build_upload(n, 0)


def _dense(corners: Any, vertices: int) -> Any:
    """25 m squares with ``vertices`` vertices each (spread along the edges, closed)."""
    import numpy as np
    import shapely

    from bench.uploads_validate import SIDE

    t = np.arange(vertices - 1) * (4.0 / (vertices - 1))
    edge, frac = np.floor(t), t - np.floor(t)
    dx = np.select([edge == 0, edge == 1, edge == 2], [frac, 1.0, 1.0 - frac], 0.0) * SIDE
    dy = np.select([edge == 0, edge == 1, edge == 2], [0.0, frac, 1.0], 1.0 - frac) * SIDE
    ring = np.stack([np.append(dx, dx[0]), np.append(dy, dy[0])], axis=-1)
    xy = np.asarray(corners)[:, None, :] + ring[None, :, :]
    return shapely.polygons(xy)


def _lonlat(geoms: Any) -> Any:
    import geopandas as gpd

    return gpd.GeoSeries(list(geoms), crs=32639).to_crs(4326).values


def _write_gpkg(path: Path, plots: Any, codes: Any, roads: Any) -> None:
    import geopandas as gpd

    # Every mapped text at its longest: the service keeps each, several times over.
    gpd.GeoDataFrame({"code": codes, "land_use": "industrial", "name_fa": "ش" * 200,
                      "name_en": "n" * 200, "env_group": "B", "network": "water"},
                     geometry=_lonlat(plots), crs=4326).to_file(
        path, layer="plots", driver="GPKG", engine="pyogrio")
    gpd.GeoDataFrame({"kind": ["local"] * len(roads)}, geometry=_lonlat(roads),
                     crs=4326).to_file(path, layer="roads", driver="GPKG", engine="pyogrio")


def _write_geojson(path: Path, plots: Any, codes: Any, size: int = 0) -> None:
    """Plots with every text field at its longest, padded (an unmapped ``remarks``
    property) to about ``size`` bytes."""
    import shapely

    geometries = shapely.to_geojson(_lonlat(plots))
    texts = {"land_use": "industrial", "name_fa": "ش" * 200, "name_en": "n" * 200,
             "env_group": "B", "network": "water"}
    per = len(json.dumps(texts, ensure_ascii=False).encode()) + len(geometries[0]) + 100
    pad = max(size // len(codes) - per, 0)
    with path.open("w", encoding="utf-8") as out:
        out.write('{"type": "FeatureCollection", "features": [\n')
        for i, (geometry, code) in enumerate(zip(geometries, codes, strict=True)):
            properties = json.dumps({"code": str(code), **texts, "remarks": "x" * pad},
                                    ensure_ascii=False)
            out.write(("," if i else "") + '{"type": "Feature", "properties": '
                      f'{properties}, "geometry": {geometry}}}\n')
        out.write("]}\n")


def build_files(workdir: Path, limits: Any, scale: float, only: list[str]) -> dict[str, Any]:
    """name -> (path, read options, the plan whose extent the district covers)."""
    import numpy as np

    files: dict[str, Any] = {}
    plan = _plan(max(int(limits.max_features * scale), 10))
    # The roads count too: the plots get what is left of both caps.
    features = len(plan["geoms"]) - len(plan["roads"])
    vertex_budget = int(limits.max_vertices * scale) - 2 * len(plan["roads"])
    plan["geoms"], plan["codes"] = plan["geoms"][:features], plan["codes"][:features]
    corners = np.stack([shapely_x(plan["geoms"]), shapely_y(plan["geoms"])], axis=-1)
    layers = {"layers": {"plots": "plots", "roads": "roads"}}
    if "features" in only:
        path = workdir / "features.gpkg"
        _write_gpkg(path, plan["geoms"], plan["codes"], plan["roads"])
        files["features"] = (path, layers, f"{features:,} plots x 5 vertices")
    per = limits.max_feature_vertices
    if "mixed" in only:
        each = min(max(vertex_budget // features, 5), per)
        path = workdir / "mixed.gpkg"
        _write_gpkg(path, _dense(corners, each), plan["codes"], plan["roads"])
        files["mixed"] = (path, layers, f"{features:,} plots x {each:,} vertices")
    if "vertices" in only:
        by_bytes = int(0.97 * limits.max_bytes * scale / (16 * per + 300))
        n = max(min(vertex_budget // per, by_bytes, features), 1)
        path = workdir / "vertices.gpkg"
        _write_gpkg(path, _dense(corners[:n], per), plan["codes"][:n], plan["roads"])
        files["vertices"] = (path, layers, f"{n:,} plots x {per:,} vertices")
    if "bytes" in only:
        each = min(max(int(limits.max_vertices * scale) // features, 5), per)
        size = int(0.97 * limits.max_bytes * scale)
        n = min(features, size // (each * 40 + 1100))   # as many as the bytes allow
        path = workdir / "bytes.geojson"
        _write_geojson(path, _dense(corners[:n], each), plan["codes"][:n], size)
        files["bytes"] = (path, {}, f"{n:,} plots x {each:,} vertices, long names")
    if "one_over" in only:
        # A GeoPackage: as GeoJSON (50 MB) the byte cap refuses it before it is read.
        path = workdir / "one_over.gpkg"
        _write_gpkg(path, _dense(corners[:1], 1_300_000), ["HUGE-1"], plan["roads"][:1])
        files["one_over"] = (path, layers, "1 plot x 1,300,000 vertices")
    return {"files": files, "plan": plan}


def shapely_x(geoms: Any) -> Any:
    import shapely

    return shapely.bounds(geoms)[:, 0]


def shapely_y(geoms: Any) -> Any:
    import shapely

    return shapely.bounds(geoms)[:, 1]


# -- the service -----------------------------------------------------------------------


def _status(pid: int) -> dict[str, int]:
    values = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) * 1024
    return values


def _children(pid: int) -> list[int]:
    """Child processes of ``pid``, whichever of its threads started them."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


class Sampler(threading.Thread):
    """Peak VmHWM of the service's grandchildren (the reader children of the fork server)."""

    def __init__(self, service: int) -> None:
        super().__init__(daemon=True)
        self.service, self.peak, self.stop = service, 0, threading.Event()
        self.fork_server = 0   # RSS of the fork server a reader child starts as a copy of

    def run(self) -> None:
        while not self.stop.is_set():
            for child in _children(self.service):
                try:
                    self.fork_server = max(self.fork_server, _status(child)["VmRSS"])
                except (OSError, KeyError):
                    continue
                for reader in _children(child):
                    with contextlib.suppress(OSError, KeyError):
                        self.peak = max(self.peak, _status(reader)["VmHWM"])
            time.sleep(0.01)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _prepare(workdir: Path, plan: dict[str, Any]) -> dict[str, str]:
    from bench.uploads_store import _district
    from zones.db import create_engine, session_factory
    from zones.model import Role
    from zones.services.users import create_user
    from zones.settings import Settings

    env = {**os.environ, "ZONES_DATABASE_URL": f"sqlite:///{workdir / 'zones.sqlite'}",
           "ZONES_UPLOAD_DIR": str(workdir / "uploads"), "ZONES_EXPIRY_INTERVAL_S": "0",
           "ZONES_SECRET_KEY": "bench-secret-bench-secret-bench-secret-0001"}
    (workdir / "zones.sqlite").unlink(missing_ok=True)
    settings = Settings(database_url=env["ZONES_DATABASE_URL"])
    _district(settings, plan)
    engine = create_engine(settings)
    with session_factory(engine, write=True)() as session:
        create_user(session=session, username="consultant", password=PASSWORD,
                    role=Role.CONSULTANT)
        session.commit()
    engine.dispose()
    return env


def measure(path: Path, options: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    """Start the service, upload ``path``, wait for its job; the figures."""
    import httpx

    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.main:app_from_env", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=env, cwd=ROOT, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        client = httpx.Client(base_url=base, timeout=600)
        for _ in range(600):
            try:
                if client.get("/health").status_code < 500:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        token = client.post("/auth/token", data={"username": "consultant",
                                                 "password": PASSWORD}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        time.sleep(1)
        Path(f"/proc/{server.pid}/clear_refs").write_text("5")  # reset the high-water mark
        before = _status(server.pid)["VmRSS"]
        sampler = Sampler(server.pid)
        sampler.start()
        slowest = [0.0]
        done = threading.Event()

        def health() -> None:
            with httpx.Client(base_url=base, timeout=60) as probe:
                while not done.is_set():
                    started = time.perf_counter()
                    probe.get("/health")
                    slowest[0] = max(slowest[0], time.perf_counter() - started)
                    time.sleep(0.2)

        prober = threading.Thread(target=health, daemon=True)
        prober.start()
        started = time.perf_counter()
        with path.open("rb") as fh:
            response = client.post("/districts/S1/uploads", params={"background": "true"},
                                   headers=headers, files={"file": (path.name, fh)},
                                   data={"options": json.dumps(options)})
        if response.status_code == 202:
            while True:
                job = client.get(response.headers["Location"], headers=headers).json()
                if job["status"] in ("succeeded", "failed"):
                    break
                time.sleep(0.2)
            outcome = job["error_code"] or job["status"]
        else:
            outcome = response.json().get("code", response.status_code)
        seconds = time.perf_counter() - started
        done.set()
        sampler.stop.set()
        sampler.join()
        prober.join()
        after = _status(server.pid)["VmHWM"]
    finally:
        server.terminate()
        server.wait(60)
    return {"outcome": outcome, "seconds": seconds, "service_mb": (after - before) / 2**20,
            "reader_mb": sampler.peak / 2**20, "fork_server_mb": sampler.fork_server / 2**20,
            "health_ms": slowest[0] * 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0,
                        help="fraction of the caps to build the files at")
    parser.add_argument("--only", nargs="+", default=["features", "mixed", "vertices",
                                                      "bytes", "one_over"])
    args = parser.parse_args()
    from zones.settings import Settings

    settings = Settings()
    limits = settings.upload_limits()
    print(f"# {time.strftime('%Y-%m-%d %H:%M')} {platform.machine()} {os.cpu_count()} cores, "
          f"Python {platform.python_version()}; caps: {limits.max_bytes / 2**20:g} MiB, "
          f"{limits.max_features:,} features, {limits.max_vertices:,} vertices, "
          f"{limits.max_feature_vertices:,} per feature; reader limit "
          f"{settings.upload_memory_limit_mb} MB; scale {args.scale:g}")
    with tempfile.TemporaryDirectory(prefix="zones-bench-memory-") as tmp:
        workdir = Path(tmp)
        built = build_files(workdir, limits, args.scale, args.only)
        print("| file | what | MB on disk | outcome | s | service MB | reader MB "
              "(fork server) | /health max ms |")
        print("|---|---|---:|---|---:|---:|---:|---:|")
        for name, (path, options, what) in built["files"].items():
            env = _prepare(workdir, built["plan"])
            row = measure(path, options, env)
            print(f"| {name} | {what} | {path.stat().st_size / 2**20:.1f} | {row['outcome']} "
                  f"| {row['seconds']:.1f} | {row['service_mb']:.0f} | {row['reader_mb']:.0f} "
                  f"({row['fork_server_mb']:.0f}) "
                  f"| {row['health_ms']:.0f} |", flush=True)


if __name__ == "__main__":
    main()
