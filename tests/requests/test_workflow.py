"""Request statuses, idempotency, the open-request cap, reservations, approval and lottery."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import sqlalchemy as sa

from tests.requests.conftest import ask
from zones import errors
from zones.model import (
    Allocation,
    AllocationRequest,
    AuditEvent,
    DistrictPolicy,
    EnvGroup,
    ExpansionKind,
    Lottery,
    ObligationKind,
    PlotStatus,
    RequestPurpose,
    RequestStatus,
    Reservation,
    ReservationStatus,
)
from zones.services import decisions, requests, scoring
from zones.services.request_views import request_views
from zones.services.requests import ALLOWED

S = RequestStatus


def _new(session, site, key=None, investor=None, **changes) -> AllocationRequest:
    request, created = requests.submit(
        session=session, investor=investor or site.inv2, data=ask(**changes),
        idempotency_key=key or uuid.uuid4().hex, actor="test", open_max=10)
    session.commit()
    assert created
    return request


def _reviewed(session, site, **changes) -> AllocationRequest:
    request = _new(session, site, **changes)
    requests.transition(session=session, request=request, to=S.UNDER_REVIEW, actor="staff")
    session.commit()
    return request


def _to(session, request, status, site, rules):
    """Bring a fresh request to ``status`` along the workflow's own functions."""
    if status is S.SUBMITTED:
        return request
    requests.transition(session=session, request=request, to=S.UNDER_REVIEW, actor="staff")
    session.commit()
    if status is S.UNDER_REVIEW:
        return request
    if status is S.RESERVED:
        decisions.reserve(session=session, request_id=request.id,
                          plot_id=site.plots["2"].id, actor="staff", settings=rules)
    elif status is S.APPROVED:
        decisions.approve(session=session, request_id=request.id, plot_id=site.plots["2"].id,
                          actor="wg", decision_ref="WG-1", settings=rules)
    else:
        requests.transition(session=session, request=request, to=status, actor="staff")
        session.commit()
    session.refresh(request)
    return request


@pytest.mark.parametrize("start", list(RequestStatus))
def test_every_transition_is_allowed_or_refused_with_a_code(session, site, rules, start) -> None:
    for target in RequestStatus:
        request = _to(session, _new(session, site), start, site, rules)
        assert request.status is start
        if target in ALLOWED[start]:
            requests.transition(session=session, request=request, to=target, actor="staff")
            session.commit()
            assert request.status is target
            assert [h.to_status for h in request.history][-1] is target
        else:
            with pytest.raises(errors.TransitionForbidden) as caught:
                requests.transition(session=session, request=request, to=target, actor="staff")
            assert caught.value.code == "request_transition_forbidden"
            assert caught.value.extra["status"] == start.value
            session.rollback()
        # Release the plot for the next round.
        for reservation in session.scalars(sa.select(Reservation)):
            reservation.status = ReservationStatus.RELEASED
        for allocation in session.scalars(sa.select(Allocation).where(
                Allocation.plot_id == site.plots["2"].id)):
            allocation.status = allocation.status.ENDED
        site.plots["2"].status = PlotStatus.SERVICED
        session.commit()


def test_terminal_statuses_allow_nothing() -> None:
    assert {s for s, moves in ALLOWED.items() if not moves} == {
        S.APPROVED, S.REJECTED, S.WITHDRAWN, S.EXPIRED}


def test_same_idempotency_key_returns_the_same_request(session, site) -> None:
    first = _new(session, site, key="retry-1")
    again, created = requests.submit(session=session, investor=site.inv2, data=ask(jobs=99),
                                     idempotency_key="retry-1", actor="test", open_max=10)
    session.commit()
    assert not created and again.id == first.id and again.jobs == 20
    count = session.scalar(sa.select(sa.func.count()).select_from(AllocationRequest))
    assert count == 1
    # The key is per investor: another investor may use it.
    other, created = requests.submit(session=session, investor=site.inv1, data=ask(),
                                     idempotency_key="retry-1", actor="test", open_max=10)
    assert created and other.id != first.id


def test_a_replay_returns_the_stored_request_even_if_its_body_no_longer_validates(
        session, site) -> None:
    first = _new(session, site, key="retry-2")
    # The same key with a body that would now be refused (a unit the investor lacks,
    # an inverted area range): the retry still answers with what was stored.
    again, created = requests.submit(
        session=session, investor=site.inv2,
        data=ask(purpose=RequestPurpose.EXPANSION, unit_ref="NO-SUCH-UNIT",
                 expansion_kind=ExpansionKind.NEW_LINE, area_min_m2=900, area_max_m2=100),
        idempotency_key="retry-2", actor="test", open_max=10)
    assert not created and again.id == first.id
    with pytest.raises(errors.InvalidInput):  # a new key with that body is refused
        requests.submit(
            session=session, investor=site.inv2,
            data=ask(area_min_m2=900, area_max_m2=100),
            idempotency_key="fresh-key", actor="test", open_max=10)
    assert session.scalar(sa.select(sa.func.count()).select_from(AllocationRequest)) == 1


def test_open_request_cap(session, site) -> None:
    for _ in range(3):
        requests.submit(session=session, investor=site.inv2, data=ask(),
                        idempotency_key=uuid.uuid4().hex, actor="t", open_max=3)
    session.commit()
    with pytest.raises(errors.TooManyOpenRequests) as caught:
        requests.submit(session=session, investor=site.inv2, data=ask(),
                        idempotency_key=uuid.uuid4().hex, actor="t", open_max=3)
    assert caught.value.code == "too_many_open_requests"
    session.rollback()
    one = session.scalars(sa.select(AllocationRequest)).first()
    requests.withdraw(session=session, request=one, actor="inv")
    session.commit()
    _, created = requests.submit(session=session, investor=site.inv2, data=ask(),
                                 idempotency_key=uuid.uuid4().hex, actor="t", open_max=3)
    assert created


def test_reservation_expires_by_itself(session, site, rules) -> None:
    request = _reviewed(session, site)
    t0 = dt.datetime(2026, 1, 1, 8, tzinfo=dt.UTC)
    held = decisions.reserve(session=session, request_id=request.id, plot_id=site.plots["2"].id,
                             actor="staff", settings=rules, now=t0)
    assert held.expires_at == t0 + dt.timedelta(hours=72)
    later = t0 + dt.timedelta(hours=73)
    # Read: ignored at once, before any sweep.
    assert request_views(session, [request], now=later)[0].status is S.EXPIRED
    assert decisions.live_reservation(session, now=later, plot_id=site.plots["2"].id) is None
    # Another request may now take the plot (its reserve sweeps the lapsed one).
    rival = _reviewed(session, site, investor=site.inv1)
    decisions.reserve(session=session, request_id=rival.id, plot_id=site.plots["2"].id,
                      actor="staff", settings=rules, now=later)
    session.refresh(request)
    assert request.status is S.EXPIRED
    assert session.get(Reservation, held.id).status is ReservationStatus.EXPIRED


def test_sweep_closes_lapsed_reservations(session, site, rules) -> None:
    request = _reviewed(session, site)
    t0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    decisions.reserve(session=session, request_id=request.id, plot_id=site.plots["3"].id,
                      actor="staff", settings=rules, now=t0)
    assert decisions.sweep_expired(session, now=t0 + dt.timedelta(hours=1)) == 0
    assert decisions.sweep_expired(session, now=t0 + dt.timedelta(hours=80)) == 1
    session.commit()
    session.refresh(request)
    assert request.status is S.EXPIRED


def test_district_policy_sets_reservation_hours(session, site, rules) -> None:
    session.add(DistrictPolicy(district_id=site.district.id, reservation_hours=24))
    session.commit()
    request = _reviewed(session, site)
    t0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    held = decisions.reserve(session=session, request_id=request.id, plot_id=site.plots["2"].id,
                             actor="staff", settings=rules, now=t0)
    assert held.expires_at == t0 + dt.timedelta(hours=24)


def test_plot_reserved_for_another_request_is_refused(session, site, rules) -> None:
    first, second = _reviewed(session, site), _reviewed(session, site, investor=site.inv1)
    decisions.reserve(session=session, request_id=first.id, plot_id=site.plots["2"].id,
                      actor="staff", settings=rules)
    with pytest.raises(errors.PlotReserved):
        decisions.reserve(session=session, request_id=second.id, plot_id=site.plots["2"].id,
                          actor="staff", settings=rules)
    with pytest.raises(errors.PlotReserved):
        decisions.approve(session=session, request_id=second.id, plot_id=site.plots["2"].id,
                          actor="wg", decision_ref="WG-2", settings=rules)


def test_withdraw_releases_the_plot(session, site, rules) -> None:
    request = _reviewed(session, site)
    held = decisions.reserve(session=session, request_id=request.id, plot_id=site.plots["2"].id,
                             actor="staff", settings=rules)
    requests.withdraw(session=session, request=request, actor="inv")
    session.commit()
    assert session.get(Reservation, held.id).status is ReservationStatus.RELEASED


@pytest.mark.parametrize(("plot", "months"), [("2", 12), ("6", 24)])
def test_approval_allocates_with_the_operating_licence_deadline(session, site, rules, plot,
                                                                 months) -> None:
    request = _reviewed(session, site, area_min_m2=1000.0, area_max_m2=6000.0)
    decisions.reserve(session=session, request_id=request.id, plot_id=site.plots[plot].id,
                      actor="staff", settings=rules)
    done = decisions.approve(session=session, request_id=request.id, actor="wg",
                             decision_ref="WG-1405-07", settings=rules,
                             start_date=dt.date(2026, 1, 31))
    allocation = session.get(Allocation, done.allocation_id)
    due = {o.kind: o.due_date for o in allocation.obligations}
    assert due == done.due
    # 2: 2,000 m² → 12 months; 6: 5,500 m² → 12 + ceil(3,500 / 300) = 24 months.
    expected = {12: dt.date(2027, 1, 31), 24: dt.date(2028, 1, 31)}[months]
    assert due[ObligationKind.OPERATING_LICENCE] == expected
    assert due[ObligationKind.CONSTRUCTION_START] == dt.date(2026, 7, 31)
    session.refresh(site.plots[plot])
    assert site.plots[plot].status is PlotStatus.ALLOCATED
    approved = session.get(AllocationRequest, done.request_id)
    assert approved.status is S.APPROVED and approved.allocation_id == allocation.id
    assert allocation.plot_id == site.plots[plot].id and allocation.decision_ref == "WG-1405-07"
    assert session.scalars(sa.select(Reservation.status)).all() == [ReservationStatus.CONVERTED]
    events = session.scalars(sa.select(AuditEvent.entity).where(AuditEvent.actor == "wg")).all()
    assert {"allocation", "plot", "obligation", "allocation_request"} <= set(events)


def test_gates_refuse_expired_licence_and_buffer(session, site, rules) -> None:
    stale = _reviewed(session, site, licence_expiry=dt.date(2020, 1, 1))
    with pytest.raises(errors.GateFailed) as caught:
        decisions.reserve(session=session, request_id=stale.id, plot_id=site.plots["2"].id,
                          actor="staff", settings=rules)
    assert caught.value.extra["gates"] == ["licence_expired"]
    polluting = _reviewed(session, site, env_group=EnvGroup.E)
    with pytest.raises(errors.GateFailed) as caught:
        decisions.approve(session=session, request_id=polluting.id, plot_id=site.plots["5"].id,
                          actor="wg", decision_ref="x", settings=rules)
    assert caught.value.extra["gates"] == ["env_group_in_buffer"]
    session.refresh(site.plots["5"])
    assert site.plots["5"].status is PlotStatus.SERVICED  # nothing half-written


def test_lottery_is_reproducible_from_its_seed(session, site) -> None:
    ids = [_new(session, site, investor=inv, preferred_plots=[("D1", "2")]).id
           for inv in (site.inv1, site.inv1, site.inv2, site.inv2)]
    first = decisions.draw_lottery(session=session, plot=site.plots["2"], actor="wg", seed=1405)
    session.commit()
    assert first.candidates == sorted(ids) and sorted(first.result) == sorted(ids)
    again = decisions.draw_lottery(session=session, plot=site.plots["2"], actor="wg", seed=1405)
    assert again.result == first.result
    assert decisions.lottery_order(1405, list(reversed(ids))) == first.result
    orders = {tuple(decisions.lottery_order(seed, ids)) for seed in range(20)}
    assert len(orders) > 1  # the seed matters
    stored = session.get(Lottery, first.id)
    assert (stored.seed, stored.result) == (1405, first.result)


def test_lottery_needs_two_competitors(session, site) -> None:
    _new(session, site, preferred_plots=[("D1", "3")])
    with pytest.raises(errors.NoCompetition):
        decisions.draw_lottery(session=session, plot=site.plots["3"], actor="wg", seed=1)


def test_competitors_ranked_by_score(session, site, rules) -> None:
    low = _new(session, site, preferred_plots=[("D1", "2")], jobs=1, export_share=0.0)
    high = _new(session, site, investor=site.inv1, preferred_plots=[("D1", "2")], jobs=30,
                export_share=0.8, knowledge_based=True)
    for r in (low, high):
        scoring.score(session=session, request=r, staff_scores={"track_record": 5},
                      weights=rules.score_weights, actor="staff")
    session.commit()
    ranked = decisions.competitors(session, site.plots["2"])
    assert [r.id for r, _ in ranked] == [high.id, low.id]
    assert ranked[0][1] > ranked[1][1]


def test_scoring_computes_and_takes_staff_points(session, site, rules) -> None:
    request = _new(session, site, jobs=25, area_max_m2=2500.0, export_share=0.4,
                   knowledge_based=True, env_group=EnvGroup.A)
    rows = {s.criterion: s for s in scoring.score(
        session=session, request=request, staff_scores={"track_record": 7, "area_fit": 10},
        weights=rules.score_weights, actor="staff")}
    assert rows["jobs_per_ha"].points == 20.0  # 100 jobs/ha → full 20
    assert rows["export_share"].points == 6.0  # 40 % of 15
    assert rows["technology"].points == 15.0 and rows["env_group"].points == 10.0
    assert rows["track_record"].points == 7 and not rows["track_record"].computed
    with pytest.raises(errors.UnknownCriterion):
        scoring.score(session=session, request=request, staff_scores={"jobs_per_ha": 3},
                      weights=rules.score_weights, actor="staff")
    with pytest.raises(errors.InvalidInput):
        scoring.score(session=session, request=request, staff_scores={"local_inputs": 6},
                      weights=rules.score_weights, actor="staff")


def test_overdue_obligations_listed(session, site) -> None:
    # Plot 1 was allocated on 2020-01-01: both its obligations are long overdue.
    rows = decisions.overdue_obligations(session, dt.date(2026, 1, 1))
    assert [(r.plot, r.kind.value) for r in rows] == [("1", "construction_start"),
                                                      ("1", "operating_licence")]
    assert decisions.overdue_obligations(session, dt.date(2020, 2, 1)) == []


@pytest.mark.parametrize(("area", "months"), [(800, 12), (2000, 12), (2000.5, 13), (2300, 13),
                                              (2300.5, 14), (7400, 30), (1e7, 30)])
def test_operating_licence_deadline_rule(area, months) -> None:
    from zones.services.allocation import operating_licence_months

    assert operating_licence_months(area) == months


def test_the_audit_trail_of_a_request_from_filing_to_approval(session, site, rules) -> None:
    """Filing, review and approval are audited by the session's flush hook: who, what was
    created, what changed from what, one event per change of the request."""
    request = _reviewed(session, site)
    assert [(h.from_status, h.to_status) for h in request.history] == [
        (None, S.SUBMITTED), (S.SUBMITTED, S.UNDER_REVIEW)]
    done = decisions.approve(session=session, request_id=request.id, actor="wg",
                             decision_ref="WG-7", settings=rules, plot_id=site.plots["2"].id)
    events = session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()

    def of(entity, entity_id):
        return [(e.actor, e.action.value, e.before, e.after) for e in events
                if e.entity == entity and e.entity_id == entity_id]

    filed, reviewed, approved = of("allocation_request", request.id)
    assert filed[:2] == ("test", "create") and filed[3]["idempotency_key"]
    assert filed[3]["status"] == "submitted" and filed[3]["investor_id"] == site.inv2.id
    assert reviewed == ("staff", "update", {"status": "submitted"},
                        {"status": "under_review"})
    assert approved == ("wg", "update", {"status": "under_review", "allocation_id": None,
                                         "decision_ref": None},
                        {"status": "approved", "allocation_id": done.allocation_id,
                         "decision_ref": "WG-7"})
    assert of("plot", site.plots["2"].id)[-1][2:] == ({"status": "serviced"},
                                                      {"status": "allocated"})
    (created,) = of("allocation", done.allocation_id)
    assert created[3]["plot_id"] == site.plots["2"].id and created[3]["status"] == "active"
    duties = {e.after["kind"]: e.after["due_date"] for e in events if e.entity == "obligation"
              and e.after["allocation_id"] == done.allocation_id}
    assert duties == {k.value: day.isoformat() for k, day in done.due.items()}
    session.refresh(request)
    assert request.status is S.APPROVED and request.history[-1].reason == "WG-7"
