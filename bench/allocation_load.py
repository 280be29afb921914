"""Benchmark: concurrent requests and approvals over a small pool of contested plots (PostGIS).

``--clients`` client threads (spread over ``--processes``), each filing for
``--investors`` investors in turn (so no investor piles up thousands of open requests),
loop for ``--seconds``: file a request (with its idempotency key, under the open-request
cap) and move it to review in one transaction, then ask the working group's approval of
a plot drawn at random from the current pool of ``--pool`` plots — through the service
functions the API calls (:func:`zones.services.requests.submit`,
:func:`zones.services.decisions.approve`), each client on its own connection. A request
refused because another won its plot stays under review and is tried on the next plot
drawn, as the working group would offer it another; ``--fresh`` files a new request for
every decision instead. When every plot of a pool is allocated, the next pool opens, so
the contest never runs dry. A decision is an approval or a coded refusal
(``plot_already_allocated``, 409).

Each decision's latency (the approval's transaction, commit included) is recorded.

Then a filing burst: ``--burst`` investors (2,000) each file one request naming some of
``--burst-plots`` plots (50), arriving evenly over ``--burst-seconds`` (60), served by
``--clients`` threads per process; each filing's latency counts from its scheduled
arrival (queueing included). One filing in ten is sent twice with the same idempotency
key, as a client retrying would: the database must hold exactly one request per
investor.

Beside them, in the same run on the same server: ``pgbench -N`` (simple-update, one
commit per transaction) with as many clients — the database's own commit ceiling.
Aims: decisions at 5 % or more of that ceiling, p99 under 100 ms, 0 double
allocations; the burst's p99 under 300 ms with no request lost or duplicated.

    .venv/bin/python -m bench.allocation_load --clients 8 --pool 5 --seconds 15
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import multiprocessing
import os
import random
import re
import subprocess
import threading
import time
import uuid
from typing import Any

import sqlalchemy as sa

from bench.common import fresh_postgis
from data.generator import generate
from zones import errors
from zones.db import create_engine, session_factory, upgrade
from zones.model import (
    Allocation,
    AllocationRequest,
    AllocationStatus,
    District,
    EnvGroup,
    Investor,
    PartyKind,
    Plot,
    RequestPurpose,
    RequestStatus,
)
from zones.services import decisions, requests
from zones.services.loading import load_dataset
from zones.settings import Settings

DB = "zones_bench_allocation"
# Refusals after which the request, still under review, is tried on another plot.
RETRIED = frozenset({"plot_already_allocated", "plot_reserved"})
ASK = requests.RequestInput(purpose=RequestPurpose.NEW_UNIT, isic4="2220", env_group=EnvGroup.B,
                            area_min_m2=500, area_max_m2=20_000, power_kva=200,
                            licence_no="1", licence_expiry=None)


class Contest:
    """Pools of plots opened one after another, the same for every client process: which
    plots are taken and which pool is open live in shared memory, so a client draws from
    the pool every client sees, however clients are split into processes. Who won which
    plot, and each outcome, are counted per process."""

    def __init__(self, pools: list[list[int]], shared: tuple[Any, Any, Any]) -> None:
        self.pools = pools
        self.index = {plot: i for i, plot in enumerate(p for pool in pools for p in pool)}
        self.round, self.taken, self.shared_lock = shared
        self.lock = threading.Lock()
        self.wins: collections.Counter[int] = collections.Counter()
        self.outcomes: collections.Counter[str] = collections.Counter()
        self.latencies: list[float] = []
        self.filed = 0

    @staticmethod
    def shared(plots: int) -> tuple[Any, Any, Any]:
        """The open pool's number, a taken flag per plot, and their lock."""
        ctx = multiprocessing.get_context("spawn")
        return ctx.Value("i", 0, lock=False), ctx.Array("b", plots, lock=False), ctx.Lock()

    def record_filed(self, n: int) -> None:
        with self.lock:
            self.filed += n

    def pick(self) -> int | None:
        current = self.round.value
        return None if current >= len(self.pools) else random.choice(self.pools[current])

    def record(self, plot_id: int, outcome: str, seconds: float) -> None:
        """Count the outcome; a plot is taken once approved or refused as allocated, and
        the next pool opens when all of the open one's plots are taken."""
        with self.lock:
            self.outcomes[outcome] += 1
            self.latencies.append(seconds)
            if outcome == "approved":
                self.wins[plot_id] += 1
        if outcome in ("approved", "plot_already_allocated"):
            with self.shared_lock:
                self.taken[self.index[plot_id]] = 1
                current = self.round.value
                while current < len(self.pools) and all(
                        self.taken[self.index[p]] for p in self.pools[current]):
                    current += 1
                self.round.value = current


_SHARED: tuple[Any, Any, Any] | None = None


def _share(shared: tuple[Any, Any, Any]) -> None:
    """Pool initializer: shared memory reaches a spawned process only this way."""
    global _SHARED
    _SHARED = shared


def _client(sessions, settings, investor_ids: list[int], contest: Contest, deadline: float,
            fresh: bool) -> None:
    """File a request, move it to review, ask approvals of contested plots. A request
    refused because its plot went to another stays under review and is tried on the next
    plot drawn, as the working group would (``fresh``: a new request for every
    decision instead)."""
    with sessions() as session:
        # The caller of the service holds the investor (the API loads it to authorise).
        investors = session.scalars(sa.select(Investor).where(Investor.id.in_(investor_ids))
                                    ).all()
        session.commit()
        n, request_id = 0, None
        while time.perf_counter() < deadline and (plot_id := contest.pick()) is not None:
            if request_id is None:
                request, _ = requests.submit(session=session, investor=investors[n % len(
                    investors)], data=ASK, idempotency_key=uuid.uuid4().hex, actor="bench",
                    open_max=settings.requests_open_max)
                requests.transition(session=session, request=request,
                                    to=RequestStatus.UNDER_REVIEW, actor="bench")
                session.commit()
                n, request_id = n + 1, request.id
            began = time.perf_counter()
            try:  # the request's unit of work, as the API runs it: commit or roll back
                decisions.approve(session=session, request_id=request_id, plot_id=plot_id,
                                  actor="bench-wg", decision_ref="WG-bench", settings=settings)
                session.commit()
                outcome = "approved"
            except errors.ZonesError as exc:
                session.rollback()
                outcome = exc.code
            except Exception as exc:  # would be a 500 in the API
                session.rollback()
                outcome = f"unexpected {type(exc).__name__}"
            if fresh or outcome not in RETRIED:
                request_id = None
            contest.record(plot_id, outcome, time.perf_counter() - began)
        contest.record_filed(n)


def _process(url: str, investor_ids: list[list[int]], pools: list[list[int]], start: float,
             seconds: int, fresh: bool
             ) -> tuple[dict[int, int], dict[str, int], int, list[float]]:
    """One client process: its threads share one engine and one view of the contest."""
    settings = Settings(database_url=url, requests_open_max=10**9,
                        db_pool_size=len(investor_ids) + 2)
    engine = create_engine(settings)
    sessions = session_factory(engine, write=True)
    assert _SHARED is not None
    contest = Contest(pools, _SHARED)
    time.sleep(max(0.0, start - time.time()))
    deadline = time.perf_counter() + seconds
    threads = [threading.Thread(target=_client, args=(sessions, settings, inv, contest, deadline,
                                                      fresh))
               for inv in investor_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    engine.dispose()
    return dict(contest.wins), dict(contest.outcomes), contest.filed, contest.latencies


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def _file(sessions, settings, investor: Investor, plots: list[tuple[str, str]], key: str
          ) -> None:
    with sessions() as session:
        data = dataclasses.replace(ASK, preferred_plots=plots)
        requests.submit(session=session, investor=session.merge(investor, load=False),
                        data=data, idempotency_key=key, actor="bench",
                        open_max=settings.requests_open_max)
        session.commit()


def _burst_process(url: str, jobs: list[tuple[float, int, list[tuple[str, str]], str]],
                   start: float, clients: int) -> tuple[list[float], dict[str, int]]:
    """Serve scheduled filings (arrival offset, investor, plots, key) with ``clients``
    threads; each latency counts from the filing's scheduled arrival."""
    settings = Settings(database_url=url, requests_open_max=10**9, db_pool_size=clients + 2)
    engine = create_engine(settings)
    sessions = session_factory(engine, write=True)
    with sessions() as session:
        investors = {i.id: i for i in session.scalars(sa.select(Investor).where(
            Investor.id.in_({job[1] for job in jobs})))}
    pending = collections.deque(sorted(jobs, key=lambda job: job[0]))
    lock = threading.Lock()
    latencies: list[float] = []
    outcomes: collections.Counter[str] = collections.Counter()
    time.sleep(max(0.0, start - time.time()))
    base = time.perf_counter()

    def serve() -> None:
        while True:
            with lock:
                if not pending:
                    return
                at, investor_id, plots, key = pending.popleft()
            time.sleep(max(0.0, base + at - time.perf_counter()))
            try:
                _file(sessions, settings, investors[investor_id], plots, key)
                outcome = "filed"
            except errors.ZonesError as exc:
                outcome = exc.code
            except Exception as exc:  # would be a 500 in the API
                outcome = f"unexpected {type(exc).__name__}"
            with lock:
                latencies.append(time.perf_counter() - (base + at))
                outcomes[outcome] += 1

    threads = [threading.Thread(target=serve) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    engine.dispose()
    return latencies, dict(outcomes)


def _pgbench(seconds: int, clients: int) -> float:
    subprocess.run(["pgbench", "-i", "-q", "-s", "1", "-h", "127.0.0.1", "-U", "postgres", DB],
                   capture_output=True, check=True)
    out = subprocess.run(["pgbench", "-n", "-N", "-h", "127.0.0.1", "-U", "postgres", "-c",
                          str(clients), "-j", "2", "-T", str(seconds), DB],
                         capture_output=True, text=True, check=True).stdout
    return float(re.search(r"tps = ([\d.]+)", out).group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--processes", type=int, default=2,
                        help="client processes, the clients spread over them as threads "
                        "(2 measured best on 2 cores: 4 or 8 add context switches)")
    parser.add_argument("--pool", type=int, default=5, help="contested plots at a time")
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=5,
                        help="seconds of the same load before measuring, not counted")
    parser.add_argument("--plots", type=int, default=3000, help="plots generated (all vacant)")
    parser.add_argument("--investors", type=int, default=50, help="investors per client")
    parser.add_argument("--burst", type=int, default=2000, help="investors filing in the burst")
    parser.add_argument("--burst-plots", type=int, default=50, help="plots the burst names")
    parser.add_argument("--burst-seconds", type=float, default=60.0,
                        help="the burst's filings arrive evenly over this many seconds")
    parser.add_argument("--fresh", action="store_true",
                        help="file a new request for every decision (a refused request is "
                        "dropped instead of being tried on another plot)")
    args = parser.parse_args()

    settings = fresh_postgis(DB).model_copy(update={"requests_open_max": 10**9,
                                                    "db_pool_size": args.clients + 2})
    engine = create_engine(settings)
    upgrade(engine)
    sessions = session_factory(engine, write=True)
    with sessions() as session:
        load_dataset(session=session, data=generate(plots=args.plots), actor="system:bench")
        investors = [Investor(ref=f"B{i}", kind=PartyKind.LEGAL, name_fa=f"سرمایه‌گذار {i}",
                              nationality="IR") for i in range(args.clients * args.investors)]
        session.add_all(investors)
        session.commit()
        ids = [i.id for i in investors]
        investor_ids = [ids[c::args.clients] for c in range(args.clients)]
        plot_ids = session.scalars(sa.select(Plot.id).order_by(Plot.id)).all()
    random.seed(1405)
    random.shuffle(plot_ids)
    pools = [plot_ids[i:i + args.pool] for i in range(0, len(plot_ids), args.pool)]

    # Processes side by side (the GIL would serialise one process's threads), all racing
    # for the same pools. First a warm-up, not counted, then ANALYZE, as autovacuum keeps
    # a database in service analysed: plans made for a new database's empty tables scan
    # them whole, and each connection keeps its plans while the tables grow.
    shares = [investor_ids[i::args.processes] for i in range(args.processes)]
    shared = Contest.shared(len(plot_ids))
    wins: collections.Counter[int] = collections.Counter()  # warm-up's too: checked below
    with multiprocessing.get_context("spawn").Pool(args.processes, initializer=_share,
                                                   initargs=(shared,)) as workers:
        for seconds in (args.warmup, args.seconds):
            with engine.connect() as conn:
                conn.execute(sa.text("ANALYZE"))
                conn.commit()
            start = time.time() + 3  # after every process has connected
            results = workers.starmap(_process, [(settings.database_url, share, pools, start,
                                                  seconds, args.fresh) for share in shares])
            for process_wins, *_ in results:
                wins.update(process_wins)
    elapsed = float(args.seconds)
    outcomes: collections.Counter[str] = collections.Counter()
    filed, latencies = 0, []
    for _, process_outcomes, process_filed, process_latencies in results:  # measured run's
        outcomes.update(process_outcomes)
        filed += process_filed
        latencies += process_latencies
    burst = _burst(args, settings, sessions, shares=args.processes)

    with sessions() as session:
        active = session.execute(sa.select(Allocation.plot_id, sa.func.count()).where(
            Allocation.status == AllocationStatus.ACTIVE).group_by(Allocation.plot_id)).all()
        approved = session.scalar(sa.select(sa.func.count()).select_from(AllocationRequest)
                                  .where(AllocationRequest.status == RequestStatus.APPROVED))
    engine.dispose()
    double = sum(1 for _, n in active if n > 1) + sum(1 for n in wins.values() if n > 1)
    ceiling = _pgbench(args.seconds, args.clients)

    decided = sum(outcomes.values())
    print(f"# {time.strftime('%Y-%m-%d')} {os.cpu_count()} cores, PostGIS, {args.clients} "
          f"clients in {args.processes} processes ({args.investors} investors each), pools of "
          f"{args.pool} contested plots, {args.seconds}s, "
          f"{'a new request per decision' if args.fresh else 'refused requests tried again'}")
    print(f"outcomes: {dict(outcomes)}")
    print(f"decisions/s (approved + refused)   {decided / elapsed:9.1f}")
    print(f"  approvals/s (plots allocated)     {outcomes['approved'] / elapsed:9.1f}")
    # Refusals come from races lost and from plots drawn after they were taken: the
    # faster an approval, the fewer races, so decisions/s alone can fall as code gets
    # faster; this says how the mix moved.
    print(f"  refusals per approval             "
          f"{(decided - outcomes['approved']) / max(1, outcomes['approved']):9.2f}")
    print(f"pgbench -N tps (commit ceiling)     {ceiling:9.1f}")
    print(f"decisions / ceiling                 {decided / elapsed / ceiling:9.1%}")
    print(f"requests filed/s (and moved to review) {filed / elapsed:6.1f}")
    print(f"transactions/s (filings + decisions) {(filed + decided) / elapsed:8.1f}")
    print(f"approved requests in DB / wins      {approved} / {sum(wins.values())}")
    print(f"decision latency p50 / p99 (ms)     {_percentile(latencies, .5) * 1e3:7.1f} / "
          f"{_percentile(latencies, .99) * 1e3:.1f}")
    print(f"double allocations                  {double}")
    burst_latencies, burst_outcomes, stored, investors_stored = burst
    print(f"burst: {args.burst} investors, {args.burst_plots} plots, {args.burst_seconds:.0f}s, "
          f"{len(burst_latencies)} filings sent (one in ten twice): {burst_outcomes}")
    print(f"burst latency p50 / p99 (ms)        {_percentile(burst_latencies, .5) * 1e3:7.1f} / "
          f"{_percentile(burst_latencies, .99) * 1e3:.1f}")
    print(f"burst requests stored / investors   {stored} / {investors_stored} "
          f"(lost {args.burst - investors_stored}, duplicated {stored - investors_stored})")
    ok = (decided / elapsed >= 0.05 * ceiling and _percentile(latencies, .99) < 0.100
          and double == 0 and _percentile(burst_latencies, .99) < 0.300
          and stored == investors_stored == args.burst)
    print(f"aims met                            {'yes' if ok else 'NO'}")


def _burst(args: argparse.Namespace, settings: Settings, sessions, shares: int
           ) -> tuple[list[float], dict[str, int], int, int]:
    """File the burst, in ``shares`` processes; what was stored afterwards."""
    with sessions() as session:
        investors = [Investor(ref=f"F{i}", kind=PartyKind.LEGAL, name_fa=f"متقاضی {i}",
                              nationality="IR") for i in range(args.burst)]
        session.add_all(investors)
        session.commit()
        named = session.execute(sa.select(District.code, Plot.code).join(
            District, Plot.district_id == District.id).where(Plot.valid_to.is_(None))
            .order_by(Plot.id).limit(args.burst_plots)).all()
    chooser = random.Random(1405)
    jobs = []
    for i, investor in enumerate(investors):
        at = i * args.burst_seconds / args.burst
        plots = [tuple(p) for p in chooser.sample(named, 3)]
        jobs.append((at, investor.id, plots, f"burst-{i}"))
        if i % 10 == 0:  # the client retries: the same key again, a moment later
            jobs.append((at + 0.05, investor.id, plots, f"burst-{i}"))
    start = time.time() + 3
    latencies: list[float] = []
    outcomes: collections.Counter[str] = collections.Counter()
    with multiprocessing.get_context("spawn").Pool(shares) as workers:
        for got, counted in workers.starmap(_burst_process, [
                (settings.database_url, jobs[i::shares], start, args.clients)
                for i in range(shares)]):
            latencies += got
            outcomes.update(counted)
    ids = [i.id for i in investors]
    with sessions() as session:
        stored = session.scalar(sa.select(sa.func.count()).select_from(AllocationRequest)
                                .where(AllocationRequest.investor_id.in_(ids)))
        distinct = session.scalar(sa.select(sa.func.count(sa.distinct(
            AllocationRequest.investor_id))).where(AllocationRequest.investor_id.in_(ids)))
    return latencies, dict(outcomes), int(stored or 0), int(distinct or 0)


if __name__ == "__main__":
    main()
