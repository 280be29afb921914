"""Benchmark: what one allocation cycle costs the client, at a fixed mix (PostGIS).

One client, no contention: file a request and move it to review (one transaction),
ask approval of ``--refusals`` plots already taken (each refused, ``plot_already_allocated``)
for requests under review, then approve one open plot — through the service functions the
API calls. The concurrent bench (``bench.allocation_load``) is the one that matters for
throughput, but its mix moves with the code: faster approvals lose fewer races, so fewer
refusals are decided per approval. Here the mix is fixed, so a change's cost per decision
shows on its own, with the statements each step sends. Measured after ``--warmup``
cycles and an ANALYZE (as autovacuum keeps a database in service analysed), with the CPU
every PostgreSQL process on this machine used over the measured cycles beside the
client's.

The floor, measured in the same run on the same server: one prepared ``SELECT 1`` round
trip through psycopg alone, the least any statement costs the client.

    .venv/bin/python -m bench.allocation_cycle --cycles 1000 --refusals 5
"""

from __future__ import annotations

import argparse
import glob
import os
import time
import uuid
from collections.abc import Callable

import psycopg
import sqlalchemy as sa

from bench.allocation_load import ASK
from bench.common import fresh_postgis
from data.generator import generate
from zones import errors
from zones.db import create_engine, session_factory, upgrade
from zones.model import Investor, PartyKind, Plot, PlotStatus, RequestStatus
from zones.services import decisions, requests
from zones.services.allocation import ALLOCATABLE
from zones.services.loading import load_dataset

DB = "zones_bench_cycle"


def _server_cpu() -> float:
    """CPU seconds used so far by every PostgreSQL process on this machine (the server
    runs here; one client, so a step's share is the difference across it)."""
    tick, used = os.sysconf("SC_CLK_TCK"), 0
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            with open(stat) as f:
                fields = f.read().rsplit(")", 1)
        except OSError:  # ended meanwhile
            continue
        if fields[0].endswith("(postgres"):
            used += sum(int(v) for v in fields[1].split()[11:13])  # utime, stime
    return used / tick


class Meter:
    """Client CPU, wall time and statements sent, per named step."""

    def __init__(self, engine: sa.Engine) -> None:
        self.cpu: dict[str, float] = {}
        self.wall: dict[str, float] = {}
        self.sent: dict[str, int] = {}
        self.count = 0
        sa.event.listen(engine, "before_cursor_execute", self._sent)

    def _sent(self, *args: object) -> None:
        self.count += 1

    def time(self, step: str, work: Callable[..., object], *args: object) -> None:
        c0, w0, n0 = time.process_time(), time.perf_counter(), self.count
        work(*args)
        self.cpu[step] = self.cpu.get(step, 0.0) + time.process_time() - c0
        self.wall[step] = self.wall.get(step, 0.0) + time.perf_counter() - w0
        self.sent[step] = self.sent.get(step, 0) + self.count - n0


def _floor(url: str, n: int) -> float:
    """Client CPU (ms) of one prepared ``SELECT 1`` round trip through psycopg alone."""
    with psycopg.connect(url, autocommit=True) as conn:
        cur = conn.cursor()
        for _ in range(50):  # prepared after the first few
            cur.execute("SELECT 1", prepare=True)
        c0 = time.process_time()
        for _ in range(n):
            cur.execute("SELECT 1", prepare=True)
            cur.fetchone()
        return (time.process_time() - c0) / n * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=1000)
    parser.add_argument("--refusals", type=int, default=5, help="refused decisions per cycle")
    parser.add_argument("--warmup", type=int, default=300,
                        help="cycles run before measuring, then ANALYZE")
    args = parser.parse_args()

    settings = fresh_postgis(DB).model_copy(update={"requests_open_max": 10**9})
    engine = create_engine(settings)
    upgrade(engine)
    sessions = session_factory(engine, write=True)
    with sessions() as session:
        load_dataset(session=session, data=generate(plots=args.warmup + args.cycles + 200),
                     actor="system:bench")
        investors = [Investor(ref=f"C{i}", kind=PartyKind.LEGAL, name_fa=f"سرمایه‌گذار {i}",
                              nationality="IR") for i in range(50)]
        session.add_all(investors)
        session.commit()
        open_plots = session.scalars(sa.select(Plot.id).where(
            Plot.status.in_(sorted(ALLOCATABLE)), Plot.valid_to.is_(None)).order_by(Plot.id)
        ).all()
    if len(open_plots) < args.warmup + args.cycles + 20:
        raise SystemExit(f"only {len(open_plots)} open plots for {args.cycles} cycles")
    taken, open_plots = open_plots[:20], open_plots[20:]

    meter = Meter(engine)
    with sessions() as session:
        investors = session.scalars(sa.select(Investor).where(Investor.ref.like("C%"))).all()
        session.commit()
        n = 0

        def file() -> int:
            nonlocal n
            request, _ = requests.submit(session=session, investor=investors[n % 50], data=ASK,
                                         idempotency_key=uuid.uuid4().hex, actor="bench",
                                         open_max=settings.requests_open_max)
            requests.transition(session=session, request=request,
                                to=RequestStatus.UNDER_REVIEW, actor="bench")
            session.commit()
            n += 1
            return request.id

        def approve(request_id: int, plot_id: int) -> None:
            decisions.approve(session=session, request_id=request_id, plot_id=plot_id,
                              actor="bench-wg", decision_ref="WG-bench", settings=settings)

        def refuse(request_id: int, plot_id: int) -> None:
            try:
                approve(request_id, plot_id)
            except errors.PlotAlreadyAllocated:
                return
            raise AssertionError(f"plot {plot_id} was taken, yet approved")

        waiting = [file() for _ in range(args.refusals + 1)]
        for plot_id, request_id in zip(taken, [file() for _ in taken], strict=True):
            approve(request_id, plot_id)
        for i in range(args.warmup + args.cycles):
            if i == args.warmup:
                # Statistics for tables as they are after the warm-up, as autovacuum keeps
                # them in service: plans made for the empty tables of a new database scan
                # them whole, and each connection keeps its plan as they grow.
                session.execute(sa.text("ANALYZE"))
                session.commit()
                meter.count, meter.cpu, meter.wall, meter.sent = 0, {}, {}, {}
                server = _server_cpu()
            meter.time("file", lambda: waiting.append(file()))
            for k, request_id in enumerate(waiting[1:args.refusals + 1]):
                meter.time("refusal", refuse, request_id, taken[(i + k) % len(taken)])
            meter.time("approval", approve, waiting.pop(0), open_plots[i])
        server = _server_cpu() - server
        allocated = session.scalar(sa.select(sa.func.count()).select_from(Plot).where(
            Plot.status == PlotStatus.ALLOCATED,
            Plot.id.in_(open_plots[args.warmup:args.warmup + args.cycles])))
    engine.dispose()
    floor = _floor(sa.make_url(settings.database_url).set(drivername="postgresql")
                   .render_as_string(hide_password=False), 5000)

    cycles, per = args.cycles, {"file": 1, "refusal": args.refusals, "approval": 1}
    decided = 1 + args.refusals
    print(f"# {time.strftime('%Y-%m-%d')} {os.cpu_count()} cores, PostGIS, one client, "
          f"{cycles} cycles of 1 filing + {args.refusals} refusals + 1 approval")
    print(f"{'step':10s} {'statements':>10s} {'client CPU ms':>14s} {'wall ms':>8s}")
    for step in ("file", "refusal", "approval"):
        each = cycles * per[step]
        print(f"{step:10s} {meter.sent[step] / each:10.1f} {meter.cpu[step] / each * 1000:14.3f}"
              f" {meter.wall[step] / each * 1000:8.3f}")
    cpu = sum(meter.cpu.values()) / cycles * 1000
    server *= 1000 / cycles
    print(f"client CPU per cycle {cpu:.2f} ms, per decision {cpu / decided:.3f} ms")
    print(f"server CPU per cycle {server:.2f} ms, per decision {server / decided:.3f} ms "
          "(every PostgreSQL process, read before and after the measured cycles)")
    print(f"floor: psycopg SELECT 1 round trip   {floor:.3f} ms client CPU")
    print(f"decision / floor                     {cpu / decided / floor:.1f}x")
    print(f"approved plots allocated            {allocated} / {cycles}")


if __name__ == "__main__":
    main()
