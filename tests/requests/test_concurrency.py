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
from zones.model import (
    Allocation,
    AllocationRequest,
    AllocationStatus,
    AuditEvent,
    Investor,
    Plot,
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
            session.commit()
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
            session.commit()
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
    lock: the approval must see it, although it changed no plot column (the reservation
    is read after the lock, in a statement of its own)."""
    ids, plot_id = _two_rivals_for_plot_3(sessions)
    outcome: list[str] = []

    def approve_other() -> None:
        with sessions() as session:
            try:
                decisions.approve(session=session, request_id=ids[1], plot_id=plot_id,
                                  actor="wg", decision_ref="WG-2", settings=rules)
                session.commit()
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


def _rival_allocates(session, rules, ids: list[int], plot_id: int) -> None:
    decisions.approve(session=session, request_id=ids[1], plot_id=plot_id, actor="wg2",
                      decision_ref="WG-2", settings=rules)


def _rival_reserves(session, rules, ids: list[int], plot_id: int) -> None:
    decisions.reserve(session=session, request_id=ids[1], plot_id=plot_id, actor="staff",
                      settings=rules)


def _request_withdrawn(session, rules, ids: list[int], plot_id: int) -> None:
    requests.withdraw(session=session, request=session.get_one(AllocationRequest, ids[0]),
                      actor="inv")


@pytest.mark.parametrize(("meanwhile", "refusal", "status"), [
    (_rival_allocates, "plot_already_allocated", RequestStatus.UNDER_REVIEW),
    (_rival_reserves, "plot_reserved", RequestStatus.UNDER_REVIEW),
    (_request_withdrawn, "request_transition_forbidden", RequestStatus.WITHDRAWN),
])
def test_an_approval_that_waited_for_a_rival_decision_sees_it(sessions, rules, meanwhile,
                                                              refusal, status) -> None:
    """A rival decision, a reservation or the investor's withdrawal is in flight (its rows
    locked, not yet committed) when an approval starts: the approval waits, then sees
    what was committed and is refused for it, writing nothing."""
    ids, plot_id = _two_rivals_for_plot_3(sessions)
    outcome: list[str] = []

    def approve_first() -> None:
        with sessions() as session:
            try:
                decisions.approve(session=session, request_id=ids[0], plot_id=plot_id,
                                  actor="wg", decision_ref="WG-1", settings=rules)
                session.commit()
                outcome.append("approved")
            except errors.ZonesError as exc:
                outcome.append(exc.code)

    with sessions() as rival:
        meanwhile(rival, rules, ids, plot_id)
        waiting = threading.Thread(target=approve_first)
        waiting.start()
        time.sleep(1.0)  # the approval is now queued behind the rival's locks
        assert outcome == []
        rival.commit()
    waiting.join(timeout=60)
    assert outcome == [refusal]
    with sessions() as check:
        assert check.get_one(AllocationRequest, ids[0]).status is status
        assert check.scalar(sa.select(sa.func.count()).select_from(Allocation).where(
            Allocation.decision_ref == "WG-1")) == 0
        assert check.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
            AuditEvent.actor == "wg")) == 0  # not one row of the refused approval


def test_a_withdrawal_that_waited_for_an_approval_is_refused(sessions, rules) -> None:
    """The investor withdraws while the working group's approval is in flight: the
    withdrawal waits for the request's lock, then finds it approved and is refused; the
    approval is not overwritten."""
    ids, plot_id = _two_rivals_for_plot_3(sessions)
    outcome: list[str] = []

    def withdraw() -> None:
        with sessions() as session:
            try:
                requests.withdraw(session=session,
                                  request=session.get_one(AllocationRequest, ids[0]),
                                  actor="inv")
                session.commit()
                outcome.append("withdrawn")
            except errors.ZonesError as exc:
                outcome.append(exc.code)

    with sessions() as deciding:
        decisions.approve(session=deciding, request_id=ids[0], plot_id=plot_id, actor="wg",
                          decision_ref="WG-1", settings=rules)
        waiting = threading.Thread(target=withdraw)
        waiting.start()
        time.sleep(1.0)
        assert outcome == []
        deciding.commit()
    waiting.join(timeout=60)
    assert outcome == ["request_transition_forbidden"]
    with sessions() as check:
        assert check.get_one(AllocationRequest, ids[0]).status is RequestStatus.APPROVED
