"""Benchmark: matching latency (p50/p95) over generated zones of 1k/10k/100k plots, on PostGIS.

For each size, loads ``generate(plots=N)`` into a fresh PostGIS database, files a few
requests with different area ranges and needs, and times
:func:`zones.services.matching.match` (top 20, every component explained) ``--repeat``
times each. The floor, measured in the same run on the same requests, is the bare
candidate query: the same SQL filter fetching the candidate plot ids (as one array, as
the service does), which any implementation must do. The first call after start-up or a layer
change also computes the per-plot features (the "cold" column).

    .venv/bin/python -m bench.matching --plots 1000 10000 100000 --repeat 20
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import time
import uuid

import numpy as np
import sqlalchemy as sa

from bench.common import fresh_postgis
from data.generator import generate
from zones.db import create_engine, session_factory, upgrade
from zones.model import EnvGroup, Investor, PartyKind, Plot, RequestPurpose
from zones.services.loading import load_dataset
from zones.services.matching import _candidate_filter, candidate_ids, match
from zones.services.requests import RequestInput, submit
from zones.settings import Settings

DB = "zones_bench_matching"
ASKS = [  # (area min, area max, power kVA, water, gas, rail, group)
    (1500, 2500, 200, None, False, False, EnvGroup.B),
    (3000, 6000, 500, 20, True, False, EnvGroup.C),
    (800, 1500, None, None, False, False, EnvGroup.A),
    (5000, 12000, 1000, 50, True, True, EnvGroup.D),
]


def _requests(session, settings: Settings) -> list:
    investor = Investor(ref="BENCH", kind=PartyKind.LEGAL, name_fa="سرمایه‌گذار آزمون",
                        nationality="IR")
    session.add(investor)
    session.flush()
    out = []
    for lo, hi, kva, water, gas, rail, group in ASKS:
        data = RequestInput(purpose=RequestPurpose.NEW_UNIT, isic4="2220", env_group=group,
                            area_min_m2=lo, area_max_m2=hi, power_kva=kva, water_m3_day=water,
                            needs_gas=gas, needs_rail=rail, licence_no="1",
                            licence_expiry=dt.date(2099, 1, 1))
        request, _ = submit(session=session, investor=investor, data=data,
                            idempotency_key=uuid.uuid4().hex, actor="bench", open_max=10**6)
        out.append(request)
    session.commit()
    return out


def _floor(session, request, settings: Settings) -> None:
    """The bare candidate query: the same SQL filter, plot ids fetched."""
    candidate_ids(session, sa.and_(Plot.valid_to.is_(None), _candidate_filter(
        request, dt.datetime.now(dt.UTC), [])))


def _time(fn, repeat: int) -> list[float]:
    fn()  # warm caches and the connection
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def run(n: int, repeat: int) -> dict[str, float]:
    settings = fresh_postgis(DB)
    engine = create_engine(settings)
    upgrade(engine)
    with session_factory(engine, write=True)() as session:
        t0 = time.perf_counter()
        load_dataset(session=session, data=generate(plots=n), actor="system:bench")
        session.commit()
        load_s = time.perf_counter() - t0
    with engine.connect() as conn:
        conn.execute(sa.text("ANALYZE"))
        conn.commit()
    with session_factory(engine, write=True)() as session:
        reqs = _requests(session, settings)
        t0 = time.perf_counter()
        match(session=session, request=reqs[0], settings=settings)
        cold_ms = (time.perf_counter() - t0) * 1000  # computes the per-plot features
        found = [len(match(session=session, request=r, settings=settings).items) for r in reqs]
        candidates = [match(session=session, request=r, settings=settings).candidates
                      for r in reqs]
        api: list[float] = []
        floor: list[float] = []
        for r in reqs:
            api += _time(lambda r=r: match(session=session, request=r, settings=settings),
                         repeat)
            floor += _time(lambda r=r: _floor(session, r, settings), repeat)
    engine.dispose()
    return {"plots": n, "load_s": load_s, "cold_ms": cold_ms,
            "candidates": statistics.mean(candidates),
            "found": min(found), "p50": _pct(api, 50), "p95": _pct(api, 95),
            "floor_p50": _pct(floor, 50), "floor_p95": _pct(floor, 95)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plots", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    print(f"# {time.strftime('%Y-%m-%d')} {os.cpu_count()} cores, PostGIS, "
          f"{len(ASKS)} requests × {args.repeat} runs each, top 20")
    print(f"{'plots':>8}{'load s':>8}{'cand.':>8}{'cold ms':>9}{'p50 ms':>9}{'p95 ms':>9}"
          f"{'floor p50':>11}{'floor p95':>11}{'p50/floor':>11}")
    for n in args.plots:
        r = run(n, args.repeat)
        print(f"{r['plots']:>8}{r['load_s']:>8.1f}{r['candidates']:>8.0f}{r['cold_ms']:>9.0f}"
              f"{r['p50']:>9.1f}"
              f"{r['p95']:>9.1f}{r['floor_p50']:>11.1f}{r['floor_p95']:>11.1f}"
              f"{r['p50'] / r['floor_p50']:>11.2f}", flush=True)


if __name__ == "__main__":
    main()
