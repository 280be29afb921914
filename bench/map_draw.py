"""Benchmark: time until the zone map has drawn its plots, and page weight, in headless Chromium.

One run, the same generated zone, the same service, two ways of drawing the plots:

* **tiles**: the map as served (plots above ``map_tile_threshold`` come as vector tiles,
  drawn on canvas by Leaflet.VectorGrid); drawn when the first view has all its tiles
  (the page sets ``data-plots-loaded-ms`` on the map container);
* **inline**: the same page with the threshold raised past the plot count, so folium
  inlines one GeoJSON layer of every plot (the naive map); drawn when Leaflet has made
  an SVG path for every plot.

Then a 100,000-plot zone with tiles: the fitted first view and views at z15 over the
middle of several districts, each timed from ``setView`` until its tiles are drawn.

Data from ``data.generator.generate(plots=N)`` loaded into a temporary SpatiaLite
database (``--backend postgis``: a fresh PostGIS one), served by uvicorn
(``api.main:app_from_env``) in its own process. Times are
page time (``performance.now()``), from navigation start for a first view. Bytes are
what the browser received (headers and bodies), from a fresh browser context.

    .venv/bin/python -m bench.map_draw --plots 10000 --zone-plots 100000
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from data.generator import generate
from maps.plot_tiles import MIN_ZOOM
from zones.db import create_engine, session_factory, upgrade
from zones.frames import district_frame
from zones.services.loading import load_dataset
from zones.settings import Settings

MAP = "window[document.querySelector('.folium-map').id]"
TILES_DRAWN = ("(document.querySelector('.folium-map') || {dataset: {}}).dataset.plotsLoadedMs"
               " !== undefined")
VIEW_ZOOM = 15


@dataclass
class Load:
    """One page load: when the plots were drawn, what was transferred."""

    drawn_ms: float
    bytes_before_tiles: int
    bytes_total: int
    requests: int
    plots_drawn: int
    zoom: int


def _database(directory: Path, plots: int, backend: str) -> str:
    if backend == "postgis":
        from bench.common import fresh_postgis

        url = fresh_postgis(f"zones_bench_map_{plots}").database_url
    else:
        url = f"sqlite:///{directory / f'zone-{plots}.sqlite'}"
    engine = create_engine(Settings(database_url=url, migrate_on_start=False))
    upgrade(engine)
    with session_factory(engine, write=True)() as session:
        load_dataset(session=session, data=generate(plots=plots), actor="system:bench")
        session.commit()
    engine.dispose()
    return url


@contextmanager
def _serve(url: str, threshold: int, port: int) -> Iterator[str]:
    env = {**os.environ, "ZONES_DATABASE_URL": url, "ZONES_MIGRATE_ON_START": "false",
           "ZONES_MAP_TILE_THRESHOLD": str(threshold)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "api.main:app_from_env",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=1):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("service did not start") from None
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _open(browser: Browser, url: str, *, inline_plots: int | None, timeout_s: float):
    """Open ``url`` in a fresh context; wait until the plots are drawn; measure."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    sizes: list[tuple[str, int]] = []

    def finished(request) -> None:
        s = request.sizes()
        sizes.append((request.url, s["responseBodySize"] + s["responseHeadersSize"]))

    page.on("requestfinished", finished)
    page.goto(url, wait_until="commit", timeout=timeout_s * 1000)
    if inline_plots is None:
        # Farther out than the plot layer's min zoom the first view has no plots: then it
        # is done when the page has loaded (districts only).
        page.wait_for_function(f"{TILES_DRAWN} || (document.readyState === 'complete' && "
                               f"{MAP}.getZoom() < {MIN_ZOOM})", timeout=timeout_s * 1000)
        box = page.locator(".folium-map")
        if box.get_attribute("data-plots-loaded-ms") is not None:
            drawn_ms = float(box.get_attribute("data-plots-loaded-ms"))
            plots = int(box.get_attribute("data-plots-drawn"))
        else:
            drawn_ms = page.evaluate("performance.getEntriesByType('navigation')[0]"
                                     ".loadEventEnd")
            plots = 0
    else:
        page.wait_for_function(
            f"document.querySelectorAll('path.leaflet-interactive').length >= {inline_plots}",
            polling="raf", timeout=timeout_s * 1000)
        drawn_ms = page.evaluate("performance.now()")
        plots = inline_plots
    try:  # count late requests too (fonts, icons); a busy page may never fall idle
        page.wait_for_load_state("networkidle", timeout=10_000)
    except PlaywrightTimeout:
        print(f"# {url}: not idle 10 s after drawing; bytes counted so far", file=sys.stderr)
    load = Load(drawn_ms, sum(n for u, n in sizes if "/tiles/" not in u),
                sum(n for _, n in sizes), len(sizes), plots,
                page.evaluate(f"{MAP}.getZoom()"))
    return context, page, load


def _view_times(page, centres: list[tuple[float, float]], zoom: int) -> list[float]:
    """Milliseconds from ``setView`` at ``zoom`` over each centre until its tiles are drawn."""
    times = []
    for lon, lat in centres:
        started = page.evaluate(f"""() => new Promise(resolve => {{
            const map = {MAP};
            let layer = null;
            map.eachLayer(l => {{ if (l instanceof L.VectorGrid) layer = l; }});
            const t0 = performance.now();
            layer.once('load', () => resolve(performance.now() - t0));
            map.setView([{lat}, {lon}], {zoom}, {{animate: false}});
        }})""")
        times.append(float(started))
    return times


def _district_centres(url: str, n: int) -> list[tuple[float, float]]:
    engine = create_engine(Settings(database_url=url, migrate_on_start=False))
    with session_factory(engine)() as session:
        frame = district_frame(session)
    engine.dispose()
    points = frame.to_crs(32639).geometry.centroid.to_crs(4326)
    return [(p.x, p.y) for p in list(points)[:n]]


def _row(name: str, load: Load, base: Load | None) -> str:
    ratio = f"{load.drawn_ms / base.drawn_ms:>7.2f}" if base else f"{'':>7}"
    weight = f"{load.bytes_before_tiles / base.bytes_before_tiles:>7.2f}" if base else f"{'':>7}"
    return (f"{name:<24}{load.plots_drawn:>8}{load.drawn_ms:>10.0f}{ratio}"
            f"{load.bytes_before_tiles / 1e6:>10.3f}{weight}{load.bytes_total / 1e6:>10.3f}"
            f"{load.requests:>6}{load.zoom:>5}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plots", type=int, default=10_000)
    parser.add_argument("--zone-plots", type=int, default=100_000,
                        help="plots of the large zone viewed with tiles (0: skip)")
    parser.add_argument("--views", type=int, default=5, help="z15 views of the large zone")
    parser.add_argument("--chromium", default=os.environ.get("ZONES_CHROMIUM")
                        or shutil.which("chromium") or "/usr/bin/chromium")
    parser.add_argument("--timeout", type=float, default=120, help="seconds per page")
    parser.add_argument("--backend", choices=["spatialite", "postgis"], default="spatialite",
                        help="postgis: databases on the local server (bench.common.PG_ADMIN)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="zones-map-bench-") as tmp:
        started = time.monotonic()
        small = _database(Path(tmp), args.plots, args.backend)
        big = _database(Path(tmp), args.zone_plots, args.backend) if args.zone_plots else None
        print(f"# loaded in {time.monotonic() - started:.0f} s", file=sys.stderr)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=args.chromium,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            with _serve(small, 2000, _free_port()) as tiled, \
                    _serve(small, 10**9, _free_port()) as inline:
                for base in (tiled, inline):  # first requests import lazily: not timed
                    with urllib.request.urlopen(f"{base}/", timeout=args.timeout):
                        pass
                ctx, _, tiles = _open(browser, f"{tiled}/", inline_plots=None,
                                      timeout_s=args.timeout)
                ctx.close()
                ctx, _, naive = _open(browser, f"{inline}/", inline_plots=args.plots,
                                      timeout_s=args.timeout)
                ctx.close()
            _print_header(args.plots, args.backend)
            print(_row(f"inline GeoJSON {args.plots}", naive, None))
            print(_row(f"tiles {args.plots}", tiles, naive), flush=True)
            if big:
                centres = _district_centres(big, args.views)
                with _serve(big, 2000, _free_port()) as zone:
                    with urllib.request.urlopen(f"{zone}/", timeout=args.timeout):
                        pass
                    ctx, page, first = _open(browser, f"{zone}/", inline_plots=None,
                                             timeout_s=args.timeout)
                    views = {z: _view_times(page, centres, z) for z in (VIEW_ZOOM, MIN_ZOOM)}
                    ctx.close()
                print(_row(f"tiles {args.zone_plots} (fit)", first, None))
                for z, times in views.items():
                    print(f"tiles {args.zone_plots} z{z} views (ms): "
                          + ", ".join(f"{v:.0f}" for v in times) + f"  max {max(times):.0f}")
            browser.close()


def _print_header(plots: int, backend: str) -> None:
    print(f"# {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, Chromium headless "
          f"1280x800, {backend}, {plots} plots (inline) vs tiles; times in ms, "
          "bytes in MB; ratios against the inline map")
    print(f"{'map':<24}{'plots':>8}{'drawn ms':>10}{'ratio':>7}{'pre-tile':>10}{'ratio':>7}"
          f"{'total':>10}{'reqs':>6}{'z':>5}")


if __name__ == "__main__":
    main()
