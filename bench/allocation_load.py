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

Beside it, in the same run on the same server: ``pgbench -N`` (simple-update, one
commit per transaction) with as many clients — the database's own commit ceiling. At
the end the allocations are checked: the count of plots allocated twice must be 0.

    .venv/bin/python -m bench.allocation_load --clients 8 --pool 5 --seconds 15
"""

from __future__ import annotations

import argparse
import collections
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

    def record(self, plot_id: int, outcome: str) -> None:
        """Count the outcome; a plot is taken once approved or refused as allocated, and
        the next pool opens when all of the open one's plots are taken."""
        with self.lock:
            self.outcomes[outcome] += 1
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
            try:
                decisions.approve(session=session, request_id=request_id, plot_id=plot_id,
                                  actor="bench-wg", decision_ref="WG-bench", settings=settings)
                outcome = "approved"
            except errors.ZonesError as exc:
                outcome = exc.code
            except Exception as exc:  # would be a 500 in the API
                outcome = f"unexpected {type(exc).__name__}"
            if fresh or outcome not in RETRIED:
                request_id = None
            contest.record(plot_id, outcome)
        contest.record_filed(n)


def _process(url: str, investor_ids: list[list[int]], pools: list[list[int]], start: float,
             seconds: int, fresh: bool) -> tuple[dict[int, int], dict[str, int], int]:
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
    return dict(contest.wins), dict(contest.outcomes), contest.filed


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
            for process_wins, _, _ in results:
                wins.update(process_wins)
    elapsed = float(args.seconds)
    outcomes: collections.Counter[str] = collections.Counter()
    filed = 0
    for _, process_outcomes, process_filed in results:  # the measured run's
        outcomes.update(process_outcomes)
        filed += process_filed

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
    print(f"double allocations                  {double}")


if __name__ == "__main__":
    main()
