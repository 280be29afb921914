"""Many threads approving the same plots at once: each plot is allocated exactly once."""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from tests.requests.conftest import ask, build_site
from zones import errors
from zones.db import create_engine, session_factory
from zones.model import (
    Allocation,
    AllocationRequest,
    AllocationStatus,
    AuditEvent,
    Investor,
    Plot,
    PlotStatus,
    RequestStatus,
    Reservation,
    ReservationStatus,
    utcnow,
)
from zones.services import decisions, requests

THREADS = 12


def _at_once(n: int, attempt: Callable[[int], str]) -> list[str]:
    """Run ``attempt(0)`` … ``attempt(n - 1)`` in threads released together; each outcome
    is what the attempt returned, or the code of the domain error it raised."""
    barrier = threading.Barrier(n)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        barrier.wait()
        try:
            result = attempt(i)
        except errors.ZonesError as exc:
            result = exc.code
        except Exception as exc:  # anything else would be a 500
            result = f"unexpected {exc!r}"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcomes


def test_concurrent_approvals_never_allocate_a_plot_twice(sessions, rules) -> None:
    with sessions() as setup:
        site = build_site(setup)
        contested = [site.plots[c].id for c in ("2", "3", "4")]
        ids = []
        for i in range(THREADS):
            request, _ = requests.submit(
                session=setup, investor=site.inv1 if i % 2 else site.inv2, data=ask(),
                idempotency_key=uuid.uuid4().hex, actor="t", open_max=THREADS)
            requests.transition(session=setup, request=request, to=RequestStatus.UNDER_REVIEW,
                                actor="t")
            ids.append(request.id)
        setup.commit()

    def approve(i: int) -> str:
        with sessions() as session:
            decisions.approve(session=session, request_id=ids[i], actor=f"wg{i}",
                              plot_id=contested[i % len(contested)], decision_ref=f"WG-{i}",
                              settings=rules)
        return "approved"

    outcomes = _at_once(THREADS, approve)
    assert len(outcomes) == THREADS
    assert outcomes.count("approved") == len(contested), outcomes
    assert set(outcomes) <= {"approved", "plot_already_allocated"}, outcomes
    with sessions() as check:
        held = check.execute(sa.select(Allocation.plot_id, sa.func.count()).where(
            Allocation.status == AllocationStatus.ACTIVE).group_by(Allocation.plot_id)).all()
        assert all(n == 1 for _, n in held)
        assert {p for p, _ in held} >= set(contested)
        approved = check.scalar(sa.select(sa.func.count()).select_from(AllocationRequest).where(
            AllocationRequest.status == RequestStatus.APPROVED))
        assert approved == len(contested)


def test_double_submitted_approval_of_one_request_wins_once(sessions, rules) -> None:
    with sessions() as setup:
        site = build_site(setup)
        request, _ = requests.submit(session=setup, investor=site.inv2, data=ask(),
                                     idempotency_key="k", actor="t", open_max=5)
        requests.transition(session=setup, request=request, to=RequestStatus.UNDER_REVIEW,
                            actor="t")
        setup.commit()
        request_id, plots = request.id, [site.plots["2"].id, site.plots["3"].id]
    def approve(i: int) -> str:
        with sessions() as session:
            decisions.approve(session=session, request_id=request_id, actor="wg",
                              plot_id=plots[i % 2], decision_ref="WG", settings=rules)
        return "approved"

    outcomes = _at_once(6, approve)
    assert outcomes.count("approved") == 1, outcomes
    assert set(outcomes) <= {"approved", "request_transition_forbidden"}


def test_concurrent_filings_never_pass_the_open_request_cap(sessions) -> None:
    """Each filing locks the investor, then counts in a later statement: a count taken
    in the locking statement itself would read the snapshot from before the wait."""
    with sessions() as setup:
        investor_id = build_site(setup).inv2.id
        setup.commit()
    cap, filers = 3, 8

    def file(i: int) -> str:
        with sessions() as session:  # closing it rolls a refused filing back
            investor = session.get_one(Investor, investor_id)
            requests.submit(session=session, investor=investor, data=ask(),
                            idempotency_key=f"filing-{i}", actor="t", open_max=cap)
            session.commit()
        return "filed"

    outcomes = _at_once(filers, file)
    assert sorted(outcomes) == ["filed"] * cap + ["too_many_open_requests"] * (filers - cap)
    with sessions() as check:
        stored = check.scalar(sa.select(sa.func.count()).select_from(AllocationRequest)
                              .where(AllocationRequest.investor_id == investor_id))
    assert stored == cap


def _two_rivals_for_plot_3(sessions) -> tuple[list[int], int]:
    """Two requests (one per investor) under review, and the plot they will contest."""
    with sessions() as setup:
        site = build_site(setup)
        ids = []
        for investor in (site.inv1, site.inv2):
            request, _ = requests.submit(session=setup, investor=investor, data=ask(),
                                         idempotency_key=uuid.uuid4().hex, actor="t",
                                         open_max=5)
            requests.transition(session=setup, request=request,
                                to=RequestStatus.UNDER_REVIEW, actor="t")
            ids.append(request.id)
        setup.commit()
        return ids, site.plots["3"].id


def test_an_approval_that_waited_behind_a_reservation_is_refused(sessions, rules) -> None:
    """A reservation committed while an approval of the same plot waited for the plot's
    lock: the approval must see it, although it changed no plot column (the database
    touches the plot's row when a reservation is taken; without that, an approval that
    looked before it would write)."""
    ids, plot_id = _two_rivals_for_plot_3(sessions)
    outcome: list[str] = []

    def approve_other() -> None:
        with sessions() as session:
            try:
                decisions.approve(session=session, request_id=ids[1], plot_id=plot_id,
                                  actor="wg", decision_ref="WG-2", settings=rules)
                outcome.append("approved")
            except errors.ZonesError as exc:
                outcome.append(exc.code)

    with sessions() as reserving:  # a reserve in flight: plot locked, reservation written
        reserving.execute(sa.select(Plot.id).where(Plot.id == plot_id).with_for_update())
        now = utcnow()
        reserving.add(Reservation(plot_id=plot_id, request_id=ids[0],
                                  status=ReservationStatus.LIVE, created_at=now,
                                  expires_at=now + dt.timedelta(hours=72)))
        reserving.flush()
        waiting = threading.Thread(target=approve_other)
        waiting.start()
        time.sleep(1.0)  # the approval is now queued behind the plot's lock
        assert outcome == []
        reserving.commit()
    waiting.join(timeout=60)
    assert outcome == ["plot_reserved"]
    with sessions() as check:
        assert check.scalar(sa.select(sa.func.count()).select_from(Allocation)
                            .where(Allocation.plot_id == plot_id)) == 0
        status = check.scalar(sa.select(AllocationRequest.status)
                              .where(AllocationRequest.id == ids[1]))
        assert status is RequestStatus.UNDER_REVIEW


@pytest.mark.parametrize("backend", ["postgis"], indirect=True)
def test_a_refusal_does_not_queue_behind_a_decision_in_flight(sessions, settings, rules
                                                              ) -> None:
    """An approval of a plot already allocated is refused from what is committed, without
    waiting for the plot's lock: here another transaction holds that lock, and the refused
    approval's connections give up on any lock after one second."""
    ids, plot_id = _two_rivals_for_plot_3(sessions)
    with sessions() as setup:
        decisions.approve(session=setup, request_id=ids[0], plot_id=plot_id, actor="wg",
                          decision_ref="WG-1", settings=rules)
    impatient = create_engine(settings, connect_args={"options": "-c lock_timeout=1000"})
    try:
        with sessions() as holder:  # a decision on the plot in flight: its row locked
            holder.execute(sa.select(Plot.id).where(Plot.id == plot_id).with_for_update())
            with (session_factory(impatient, write=True)() as session,
                  pytest.raises(errors.PlotAlreadyAllocated)):
                decisions.approve(session=session, request_id=ids[1], plot_id=plot_id,
                                  actor="wg", decision_ref="WG-2", settings=rules)
            holder.rollback()
    finally:
        impatient.dispose()
    with sessions() as check:
        assert check.scalar(sa.select(AllocationRequest.status)
                            .where(AllocationRequest.id == ids[1])) is RequestStatus.UNDER_REVIEW
        assert check.scalar(sa.select(sa.func.count()).select_from(Allocation)
                            .where(Allocation.plot_id == plot_id)) == 1


def _statements_of(engine: sa.Engine) -> list[str]:
    """The SQL every connection of ``engine`` sends from now on (until the test ends)."""
    sent: list[str] = []
    sa.event.listen(engine, "before_cursor_execute",
                    lambda conn, cursor, statement, *rest: sent.append(statement))
    return sent


@pytest.mark.parametrize("backend", ["postgis"], indirect=True)
def test_an_approval_with_no_transaction_open_is_one_look_and_one_write(engine, sessions,
                                                                        rules) -> None:
    """No lock is queued for and no transaction held across round trips: the look, then
    the guarded write, which does everything a locked approval does."""
    ids, plot_id = _two_rivals_for_plot_3(sessions)
    sent = _statements_of(engine)
    with sessions() as session:
        done = decisions.approve(session=session, request_id=ids[0], plot_id=plot_id,
                                 actor="wg", decision_ref="WG-1", settings=rules)
        assert len(sent) == 2, sent
        assert sent[0].lstrip().startswith("SELECT") and "FOR UPDATE" not in sent[0]
        assert sent[1].lstrip().startswith("WITH gate")
    with sessions() as check:
        request = check.get_one(AllocationRequest, ids[0])
        assert request.status is RequestStatus.APPROVED
        assert request.allocation_id == done.allocation_id
        allocation = check.get_one(Allocation, done.allocation_id)
        assert allocation.plot_id == plot_id and allocation.status is AllocationStatus.ACTIVE
        assert {o.due_date for o in allocation.obligations} == set(done.due.values())
        assert check.get_one(Plot, plot_id).status is PlotStatus.ALLOCATED


def _rival_allocates(sessions, rules, ids: list[int], plot_id: int) -> None:
    with sessions() as rival:
        decisions.approve(session=rival, request_id=ids[1], plot_id=plot_id, actor="wg2",
                          decision_ref="WG-2", settings=rules)


def _rival_reserves(sessions, rules, ids: list[int], plot_id: int) -> None:
    with sessions() as rival:
        decisions.reserve(session=rival, request_id=ids[1], plot_id=plot_id, actor="staff",
                          settings=rules)


def _request_withdrawn(sessions, rules, ids: list[int], plot_id: int) -> None:
    with sessions() as rival:
        requests.withdraw(session=rival, request=rival.get_one(AllocationRequest, ids[0]),
                          actor="inv")
        rival.commit()


@pytest.mark.parametrize("backend", ["postgis"], indirect=True)
@pytest.mark.parametrize(("meanwhile", "refusal", "status"), [
    (_rival_allocates, "plot_already_allocated", RequestStatus.UNDER_REVIEW),
    (_rival_reserves, "plot_reserved", RequestStatus.UNDER_REVIEW),
    (_request_withdrawn, "request_transition_forbidden", RequestStatus.WITHDRAWN),
])
def test_a_write_overtaken_since_its_look_writes_nothing(engine, sessions, rules, meanwhile,
                                                         refusal, status) -> None:
    """Between the look and the write, a rival decision, a reservation or the investor's
    withdrawal commits: the write finds a row changed, writes nothing, and the approval
    looks again and is refused for what happened."""
    ids, plot_id = _two_rivals_for_plot_3(sessions)
    fired: list[bool] = []

    def overtake(conn, cursor, statement, *rest) -> None:
        if statement.lstrip().startswith("WITH gate") and ".xmin" in statement and not fired:
            fired.append(True)  # once: the rival's own write passes through here too
            meanwhile(sessions, rules, ids, plot_id)

    sa.event.listen(engine, "before_cursor_execute", overtake)
    with sessions() as session, pytest.raises(errors.ZonesError) as refused:
        decisions.approve(session=session, request_id=ids[0], plot_id=plot_id, actor="wg",
                          decision_ref="WG-1", settings=rules)
    sa.event.remove(engine, "before_cursor_execute", overtake)
    assert fired and refused.value.code == refusal
    with sessions() as check:
        assert check.get_one(AllocationRequest, ids[0]).status is status
        assert check.scalar(sa.select(sa.func.count()).select_from(Allocation).where(
            Allocation.decision_ref == "WG-1")) == 0
        assert check.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
            AuditEvent.actor == "wg")) == 0  # not one row of the overtaken approval
