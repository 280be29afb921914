"""Benchmark: the largest and slowest vector tile of a zone's z5..z16 pyramid, vs a budget.

Issue 18: at 100k plots a z8-z10 tile was 5.5-5.9 MB and took 37-55 s. Tiles below
``ZONES_TILE_PLOT_MIN_ZOOM`` now carry the district overview (O(districts)), tiles from
it on carry at most ``ZONES_TILE_MAX_FEATURES`` plots. This bench renders, for every
zoom 5..16, the densest tiles of a generated zone (``data.generator.generate(plots=N)``)
through :func:`zones.tiles.render_tile` in-process — a session per tile, as the router
opens one — and prints the largest (bytes) and the slowest (ms, best of ``--repeat``) of
each zoom against the budget: 500 KB and 300 ms. The first overview tile after a change
of the register also rebuilds the per-district counts (one aggregate query): printed as
"cold overview".

The densest tiles are found without rendering: every ``--step``-th current plot's centre
is binned into the tiles of each zoom, and the ``--per-zoom`` fullest tiles are rendered.
Databases are built once and kept (``--reuse`` skips the load; PostGIS database
``zones_bench_tiles_N``, SpatiaLite ``var/bench/tiles-N.sqlite``).

    .venv/bin/python -m bench.tiles --plots 100000 1000000 --backend postgis spatialite
    .venv/bin/python -m bench.tiles --plots 1000000 --backend postgis --reuse
"""

from __future__ import annotations

import argparse
import os
import time
from collections import Counter
from pathlib import Path

import mapbox_vector_tile
import sqlalchemy as sa
from morecantile import Tile
from sqlalchemy import func
from sqlalchemy.orm import Session

from data.generator import generate
from zones import tiles
from zones.db import create_engine, session_factory, upgrade
from zones.model import Plot
from zones.services.loading import load_dataset
from zones.settings import ROOT, Settings

BUDGET_BYTES = 500_000
BUDGET_MS = 300.0
ZOOMS = range(5, 17)


def _url(plots: int, backend: str, directory: Path) -> str:
    if backend == "postgis":
        from bench.common import PG_ADMIN

        return (sa.make_url(PG_ADMIN).set(database=f"zones_bench_tiles_{plots}")
                .render_as_string(hide_password=False))
    return f"sqlite:///{directory / f'tiles-{plots}.sqlite'}"


def _loaded(url: str) -> bool:
    """Whether ``url`` already holds a loaded zone (``--reuse``)."""
    try:
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            return bool(conn.execute(sa.text("SELECT count(*) FROM district")).scalar_one())
    except sa.exc.SQLAlchemyError:
        return False
    finally:
        engine.dispose()


def build(plots: int, backend: str, directory: Path) -> str:
    """A fresh database holding ``generate(plots=plots)``; its URL."""
    url = _url(plots, backend, directory)
    if backend == "postgis":
        from bench.common import fresh_postgis

        fresh_postgis(sa.make_url(url).database)
    else:
        directory.mkdir(parents=True, exist_ok=True)
        Path(sa.make_url(url).database).unlink(missing_ok=True)
    engine = create_engine(Settings(database_url=url, migrate_on_start=False))
    upgrade(engine)
    started = time.perf_counter()
    data = generate(plots=plots)
    with session_factory(engine, write=True)() as session:
        if backend == "postgis":
            # The overlap trigger's plan is made while the table is empty (a scan of every
            # current plot per insert): 1M plots would take hours. The generator lays plots
            # out without overlaps (its 100k zone loads with the trigger on).
            session.execute(sa.text("ALTER TABLE plot DISABLE TRIGGER plot_rules"))
        load_dataset(session=session, data=data, actor="system:bench")
        if backend == "postgis":
            session.execute(sa.text("ALTER TABLE plot ENABLE TRIGGER plot_rules"))
        session.commit()
    with engine.connect() as conn:
        conn.execute(sa.text("ANALYZE"))
        conn.commit()
    engine.dispose()
    print(f"# built {backend} {plots} plots in {time.perf_counter() - started:.0f} s",
          flush=True)
    return url


def densest_tiles(session: Session, *, step: int, per_zoom: int) -> dict[int, list[Tile]]:
    """For each zoom 5..16, the ``per_zoom`` tiles holding the most sampled plot centres."""
    c = func.ST_Centroid(Plot.geom)
    points = session.execute(sa.select(func.ST_X(c), func.ST_Y(c))
                             .where(Plot.valid_to.is_(None), Plot.id % step == 0)).all()
    found = {}
    for z in ZOOMS:
        cells = Counter(tiles.TMS.tile(lon, lat, z) for lon, lat in points)
        found[z] = [tile for tile, _ in cells.most_common(per_zoom)]
    return found


def measure(url: str, *, settings: Settings, step: int, per_zoom: int,
            repeat: int) -> list[dict[str, float]]:
    """Per zoom: tiles rendered, the largest (bytes, its plots) and the slowest (ms)."""
    engine = create_engine(settings.model_copy(update={"database_url": url}))
    sessions = session_factory(engine)
    limits = {"plot_min_zoom": settings.tile_plot_min_zoom,
              "max_features": settings.tile_max_features}
    with sessions() as session:
        pyramid = densest_tiles(session, step=step, per_zoom=per_zoom)
    # The first overview tile after a change also counts the plots per district.
    tiles.forget_district_counts()
    started = time.perf_counter()
    with sessions() as session:
        tiles.render_tile(session, *_zxy(pyramid[5][0]), **limits)
    rows = [{"zoom": -1, "tiles": 1, "bytes": 0, "features": 0,
             "ms": (time.perf_counter() - started) * 1000}]
    for z, found in pyramid.items():
        largest, features, slowest = 0, 0, 0.0
        for tile in found:
            best = float("inf")
            for _ in range(repeat):
                started = time.perf_counter()
                with sessions() as session:  # as the router: a session per tile
                    data = tiles.render_tile(session, *_zxy(tile), **limits)
                best = min(best, (time.perf_counter() - started) * 1000)
            slowest = max(slowest, best)
            if len(data) > largest:
                largest = len(data)
                features = sum(len(layer["features"])
                               for layer in mapbox_vector_tile.decode(data).values())
        rows.append({"zoom": z, "tiles": len(found), "bytes": largest, "features": features,
                     "ms": slowest})
    engine.dispose()
    return rows


def _zxy(tile: Tile) -> tuple[int, int, int]:
    return tile.z, tile.x, tile.y


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plots", type=int, nargs="+", default=[100_000])
    parser.add_argument("--backend", nargs="+", choices=["postgis", "spatialite"],
                        default=["postgis"])
    parser.add_argument("--reuse", action="store_true",
                        help="keep a database already loaded with N plots")
    parser.add_argument("--dir", type=Path, default=ROOT / "var" / "bench",
                        help="where SpatiaLite databases are kept")
    parser.add_argument("--step", type=int, default=50, help="sample every n-th plot")
    parser.add_argument("--per-zoom", type=int, default=6, help="densest tiles per zoom")
    parser.add_argument("--repeat", type=int, default=3, help="renders per tile (best kept)")
    args = parser.parse_args()
    settings = Settings(migrate_on_start=False)
    print(f"# {time.strftime('%Y-%m-%d %H:%M')} {os.cpu_count()} cores, "
          f"plot_min_zoom {settings.tile_plot_min_zoom}, "
          f"max_features {settings.tile_max_features}, budget {BUDGET_BYTES // 1000} KB "
          f"and {BUDGET_MS:.0f} ms per tile; zoom -1 = cold overview (counts rebuilt)")
    print(f"{'backend':<11}{'plots':>9}{'zoom':>5}{'tiles':>6}{'max KB':>9}{'features':>9}"
          f"{'KB/budget':>10}{'max ms':>9}{'ms/budget':>10}")
    for backend in args.backend:
        for plots in args.plots:
            url = _url(plots, backend, args.dir)
            if not (args.reuse and _loaded(url)):
                url = build(plots, backend, args.dir)
            rows = measure(url, settings=settings, step=args.step, per_zoom=args.per_zoom,
                           repeat=args.repeat)
            for r in rows:
                print(f"{backend:<11}{plots:>9}{r['zoom']:>5}{r['tiles']:>6}"
                      f"{r['bytes'] / 1000:>9.1f}{r['features']:>9}"
                      f"{r['bytes'] / BUDGET_BYTES:>10.2f}{r['ms']:>9.1f}"
                      f"{r['ms'] / BUDGET_MS:>10.2f}", flush=True)
            worst = rows[1:]
            print(f"{backend:<11}{plots:>9}{'all':>5}{sum(r['tiles'] for r in worst):>6}"
                  f"{max(r['bytes'] for r in worst) / 1000:>9.1f}{'':>9}"
                  f"{max(r['bytes'] for r in worst) / BUDGET_BYTES:>10.2f}"
                  f"{max(r['ms'] for r in worst):>9.1f}"
                  f"{max(r['ms'] for r in worst) / BUDGET_MS:>10.2f}", flush=True)


if __name__ == "__main__":
    main()
