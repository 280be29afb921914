"""Benchmark: validating an N-plot upload against the floor of the same checks, same run.

Generates a consultant's plan of N plots (25 m × 25 m, two rows back to back between
16 m roads, south of Anzali in UTM 39N) with a known set of injected defects — invalid
bowties, overlaps, duplicate codes, plots below the minimum area, plots without road
access, held plots recoded — writes it as a GeoPackage (layers ``plots`` and ``roads``)
and times, each in a fresh child process:

(a) the floor: ``pyogrio.read_dataframe`` + shapely's vectorised ``is_valid`` + an STRtree
    ``intersects`` query of the plots against themselves (overlap candidates);
(b) the whole validation: ``zones.uploads.reading.read_upload`` + ``validate``.

It prints time (the fastest of ``--repeat`` runs: the machine is shared), peak memory
(the child's ``ru_maxrss``, highest of the runs) and the ratio to the floor, and asserts
that every injected defect is reported and nothing else (checked on every run).

    .venv/bin/python -m bench.uploads_validate --plots 10000 100000 --repeat 3
"""

from __future__ import annotations

import argparse
import math
import multiprocessing as mp
import platform
import resource
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer

SIDE = 25.0        # plot side, m (625 m²: above the 500 m² minimum, 25 m wide)
ROAD = 16.0        # road between blocks, m
ORIGIN = (49.30, 37.20)   # lon, lat of the grid's south-west corner
KINDS = ("bowtie", "overlap", "duplicate", "small", "no_road", "held_recoded")
HELD_EVERY = 50    # every 50th plot is an existing held plot, carried over unchanged


def _grid(n: int) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Lower-left corners (metres from the origin) of n plots; columns, rows."""
    cols = math.ceil(math.sqrt(n * 1.3))
    rows = math.ceil(n / cols)
    i = np.arange(n)
    r, c = i // cols, i % cols
    y = (r // 2) * (2 * SIDE + ROAD) + ROAD + (r % 2) * SIDE
    return c * SIDE, y.astype(float), cols, rows


def build_upload(n: int, per_kind: int) -> dict[str, Any]:
    """The plan (metric), the expected issues {(code, feature)} and the context pieces."""
    x, y, cols, rows = _grid(n)
    x0, y0 = Transformer.from_crs(4326, 32639, always_xy=True).transform(*ORIGIN)
    x, y = x + x0, y + y0
    geoms = shapely.box(x, y, x + SIDE, y + SIDE)
    codes = np.array([f"B{k // cols + 1}-{k % cols + 1:03d}" for k in range(n)], dtype=object)
    held = np.arange(0, n, HELD_EVERY)
    held_geoms, held_codes = geoms[held].copy(), codes[held].copy()
    expected: Counter[tuple[str, int]] = Counter()
    n_lower = rows // 2
    if per_kind * len(KINDS) > n_lower:
        raise ValueError("too many defects for the grid: each needs its own block")
    width = cols * SIDE
    held_set = set(held.tolist())
    for d in range(per_kind * len(KINDS)):
        kind = KINDS[d % len(KINDS)]
        row = 2 * ((d * 37) % n_lower)            # a lower row, one defect per block
        col = 5 + (d * 53) % (cols - 20)
        k = row * cols + col
        while held_set.intersection(range(k - 1, k + 9)):   # keep defects off held plots
            k += 1
        gx, gy = x[k], y[k]
        if kind == "bowtie":
            geoms[k] = shapely.Polygon([(gx, gy), (gx + SIDE, gy + SIDE), (gx + SIDE, gy),
                                        (gx, gy + SIDE)])
            expected[("geometry_invalid", k)] += 1
        elif kind == "overlap":
            geoms[k] = shapely.box(gx + 5, gy, gx + 5 + SIDE, gy + SIDE)
            expected[("plots_overlap", k)] += 1
        elif kind == "duplicate":
            codes[k] = codes[k + 7]
            expected[("code_duplicate", k)] += 1
            expected[("code_duplicate", k + 7)] += 1
        elif kind == "small":
            geoms[k] = shapely.box(gx, gy, gx + 21, gy + 21)   # 441 m², 21 m wide
            expected[("area_below_min", k)] += 1
        elif kind == "no_road":
            # Beyond the grid's east end, mid-block: 60 m from the nearest road's end.
            geoms[k] = shapely.box(x0 + width + 60, gy, x0 + width + 60 + SIDE, gy + SIDE)
            expected[("no_road_access", k)] += 1
        elif kind == "held_recoded":
            held_geoms = np.append(held_geoms, geoms[k])
            held_codes = np.append(held_codes, codes[k])
            codes[k] = f"NEW-{d}"
            expected[("held_plot_conflict", k)] += 1
    blocks = (rows + 1) // 2
    roads = [shapely.LineString([(x0 - 8, y0 + b * (2 * SIDE + ROAD) + ROAD / 2),
                                 (x0 + width + 8, y0 + b * (2 * SIDE + ROAD) + ROAD / 2)])
             for b in range(blocks + 1)]
    return {"geoms": geoms, "codes": codes, "roads": roads, "held_geoms": held_geoms,
            "held_codes": held_codes, "expected": expected}


def _lonlat(geoms: Any) -> gpd.GeoSeries:
    return gpd.GeoSeries(list(geoms), crs=32639).to_crs(4326)


def write_upload(plan: dict[str, Any], path: Path) -> None:
    plots = gpd.GeoDataFrame({"code": plan["codes"], "land_use": "industrial"},
                             geometry=_lonlat(plan["geoms"]).values, crs=4326)
    plots.to_file(path, layer="plots", driver="GPKG", engine="pyogrio")
    roads = gpd.GeoDataFrame({"kind": ["local"] * len(plan["roads"])},
                             geometry=_lonlat(plan["roads"]).values, crs=4326)
    roads.to_file(path, layer="roads", driver="GPKG", engine="pyogrio")


def context_for(plan: dict[str, Any]):
    from zones.uploads.context import ValidationContext

    everything = shapely.box(*shapely.total_bounds(np.concatenate(
        [plan["geoms"], np.array(plan["roads"], dtype=object)])))
    held = gpd.GeoDataFrame({"code": plan["held_codes"], "status": "operating"},
                            geometry=_lonlat(plan["held_geoms"]).values, crs=4326)
    return ValidationContext(
        district_code="S1", zone_boundary=_lonlat([everything.buffer(1000)]).iloc[0],
        district_boundary=_lonlat([everything.buffer(200)]).iloc[0], held_plots=held)


# --- the two measured runs, each in a fresh interpreter -------------------------------


def _floor(path: Path) -> dict[str, Any]:
    import pyogrio

    t0 = time.perf_counter()
    frame = pyogrio.read_dataframe(path, layer="plots")
    geoms = frame.geometry.to_numpy()
    valid = shapely.is_valid(geoms)
    pairs = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    return {"seconds": time.perf_counter() - t0, "invalid": int((~valid).sum()),
            "pairs": int(pairs.shape[1])}


def _whole(path: Path, plan_args: tuple[int, int]) -> dict[str, Any]:
    from zones.uploads.contract import LayerRole, ReadOptions, UploadLimits
    from zones.uploads.reading import read_upload
    from zones.uploads.validation import validate

    context = context_for(build_upload(*plan_args))
    extent = tuple(gpd.GeoSeries([context.zone_boundary], crs=4326).total_bounds)
    options = ReadOptions(layers={"plots": LayerRole.PLOTS, "roads": LayerRole.ROADS})
    t0 = time.perf_counter()
    result = read_upload(path, filename=path.name, options=options, limits=UploadLimits(),
                         zone_extent=extent)
    t1 = time.perf_counter()
    report = validate(result.layers, context, notices=result.notices)
    t2 = time.perf_counter()
    return {"seconds": t2 - t0, "read_s": t1 - t0, "validate_s": t2 - t1,
            "found": Counter((i.code, i.feature) for i in report.issues)}


def _profile(path: Path, plan_args: tuple[int, int], top: int) -> dict[str, Any]:
    """cProfile of ``validate`` alone."""
    import cProfile
    import io
    import pstats

    from zones.uploads import validation
    from zones.uploads.contract import LayerRole, ReadOptions, UploadLimits
    from zones.uploads.reading import read_upload

    context = context_for(build_upload(*plan_args))
    extent = tuple(gpd.GeoSeries([context.zone_boundary], crs=4326).total_bounds)
    options = ReadOptions(layers={"plots": LayerRole.PLOTS, "roads": LayerRole.ROADS})
    result = read_upload(path, filename=path.name, options=options, limits=UploadLimits(),
                         zone_extent=extent)
    profiler = cProfile.Profile()
    profiler.enable()
    validation.validate(result.layers, context, notices=result.notices)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(
        r"zones/uploads/", top)
    return {"stats": out.getvalue()}


def _child(queue: Any, name: str, args: tuple[Any, ...]) -> None:
    result = globals()[name](*args)
    result["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put(result)


def measured(name: str, *args: Any) -> dict[str, Any]:
    """Run ``name(*args)`` in a spawned child; its result plus the child's peak RSS."""
    spawn = mp.get_context("spawn")
    queue = spawn.Queue()
    proc = spawn.Process(target=_child, args=(queue, name, args))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def _best(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The fastest of repeated runs (the machine is shared), with the highest peak memory."""
    best = dict(min(runs, key=lambda r: r["seconds"]))
    best["maxrss_mb"] = max(r["maxrss_mb"] for r in runs)
    return best


def run(n: int, per_kind: int, workdir: Path, repeat: int = 1) -> dict[str, Any]:
    plan = build_upload(n, per_kind)
    path = workdir / f"upload_{n}.gpkg"
    write_upload(plan, path)
    floor = _best([measured("_floor", path) for _ in range(repeat)])
    wholes = [measured("_whole", path, (n, per_kind)) for _ in range(repeat)]
    for whole in wholes:
        missing = plan["expected"] - whole["found"]
        extra = whole["found"] - plan["expected"]
        if missing or extra:
            raise AssertionError(f"{n} plots: missed {dict(missing)}; false {dict(extra)}")
    whole = _best(wholes)
    return {"plots": n, "defects": per_kind * len(KINDS),
            "issues": sum(plan["expected"].values()), "floor": floor, "whole": whole,
            "ratio": whole["seconds"] / floor["seconds"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plots", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--per-kind", type=int, default=0,
                        help="defects of each kind (default: 5 at 10k, 20 at 100k)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each measurement; the fastest is shown")
    parser.add_argument("--profile", type=int, default=0, metavar="TOP",
                        help="after the table, print the TOP functions of zones.uploads by "
                             "cumulative time in a cProfile of validate at the "
                             "largest size")
    args = parser.parse_args()
    print(f"# {time.strftime('%Y-%m-%d')} {platform.node()} python "
          f"{platform.python_version()}, {mp.cpu_count()} cores; read: "
          "zones.uploads.reading.read_upload")
    print(f"{'plots':>8}{'defects':>9}{'issues':>8}{'floor s':>9}{'floor MB':>10}"
          f"{'read s':>8}{'valid. s':>9}{'whole s':>9}{'whole MB':>10}{'ratio':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.plots:
            per_kind = args.per_kind or (5 if n <= 10_000 else 20)
            r = run(n, per_kind, Path(tmp), args.repeat)
            f, w = r["floor"], r["whole"]
            print(f"{n:>8}{r['defects']:>9}{r['issues']:>8}{f['seconds']:>9.2f}"
                  f"{f['maxrss_mb']:>10.0f}{w['read_s']:>8.2f}{w['validate_s']:>9.2f}"
                  f"{w['seconds']:>9.2f}{w['maxrss_mb']:>10.0f}{r['ratio']:>7.2f}", flush=True)
        if args.profile:
            n = max(args.plots)
            per_kind = args.per_kind or (5 if n <= 10_000 else 20)
            print(measured("_profile", Path(tmp) / f"upload_{n}.gpkg", (n, per_kind),
                           args.profile)["stats"])


if __name__ == "__main__":
    main()
