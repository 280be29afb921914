"""Submitting and deciding on revisions; approval publishes plots all-or-nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.common import box
from tests.uploads.plan_fixtures import BASE, current_plots, layers, plan_world, plot, snapshot
from zones.errors import (
    ApprovalForbidden,
    HeldPlotWouldChange,
    OwnRevisionApproval,
    RetirementNotAcknowledged,
    RevisionHasErrors,
    RevisionTransitionForbidden,
)
from zones.model import (
    CustomsSite,
    InfrastructureAsset,
    LineageKind,
    Plot,
    PlotLineage,
    RevisionStatus,
    WorkStatus,
)
from zones.services import revisions
from zones.services.revisions import (
    approve,
    create_draft_revision,
    reject,
    submit,
)

# 3-02 narrowed, 3-03 recoded to 3-30, 3-04 dropped, 3-06 added; 3-01 and 3-05 carried.
CHANGED = {"3-01": BASE["3-01"], "3-02": plot(2, width=30), "3-30": BASE["3-03"],
           "3-05": BASE["3-05"], "3-06": plot(6)}


def _submitted(session, world, plots, *, by="cons"):
    user = world["users"][by]
    revision = create_draft_revision(session=session, district_code="D1", layers=layers(plots),
                                     title="study plan", user=user)
    assert revision.error_count == 0, revision.report
    return submit(session, revision, user=user)


def test_submit_blocked_with_errors(session) -> None:
    world = plan_world(session)
    overlapping = dict(BASE) | {"3-09": box(20, 10, 40, 30)}
    revision = create_draft_revision(session=session, district_code="D1",
                                     layers=layers(overlapping), title="bad",
                                     user=world["users"]["cons"])
    assert revision.error_count > 0
    with pytest.raises(RevisionHasErrors):
        submit(session, revision, user=world["users"]["cons"])
    session.expire_all()
    assert revision.status is RevisionStatus.DRAFT


def test_approval_publishes_plots_with_lineage(session) -> None:
    world = plan_world(session)
    before = current_plots(session)
    revision = _submitted(session, world, CHANGED)
    approve(session, revision, user=world["users"]["wg"], decision_ref="WG-1405-07",
            comments="با اصلاحات", retire_count=1)
    now = current_plots(session)
    assert sorted(now) == ["3-01", "3-02", "3-05", "3-06", "3-30"]
    assert now["3-01"][0] == before["3-01"][0] and now["3-05"][0] == before["3-05"][0]
    assert now["3-02"][1] == pytest.approx(before["3-02"][1] - 500, abs=0.5)
    retired = dict(session.execute(sa.select(Plot.code, Plot.valid_to)
                                   .where(Plot.valid_to.is_not(None))).all())
    assert sorted(retired) == ["3-02", "3-03", "3-04"]
    edges = session.execute(sa.select(PlotLineage.parent_id, PlotLineage.child_id,
                                      PlotLineage.kind, PlotLineage.plan_revision_id)).all()
    assert sorted(edges) == sorted([
        (before["3-02"][0], now["3-02"][0], LineageKind.AMEND, revision.id),
        (before["3-03"][0], now["3-30"][0], LineageKind.AMEND, revision.id)])
    assert session.scalar(sa.select(sa.func.count()).select_from(InfrastructureAsset).where(
        InfrastructureAsset.status == WorkStatus.PLANNED)) == 1
    assert revision.status is RevisionStatus.APPROVED
    assert revision.decision_ref == "WG-1405-07" and revision.decided_at is not None


def test_next_approval_supersedes_the_previous(session) -> None:
    world = plan_world(session)
    first = _submitted(session, world, BASE)
    approve(session, first, user=world["users"]["wg"], decision_ref="WG-1")
    started = InfrastructureAsset(zone_id=world["district"].zone_id,
                                  district_id=world["district"].id, network="power",
                                  kind="plan_r1", name_en="feeder being built",
                                  status=WorkStatus.UNDER_CONSTRUCTION,
                                  geom="SRID=4326;LINESTRING(49.40 37.40, 49.41 37.40)")
    session.add(started)
    session.commit()
    second = _submitted(session, world, CHANGED)
    approve(session, second, user=world["users"]["wg"], decision_ref="WG-2", retire_count=1)
    session.expire_all()
    assert (first.status, second.status) == (RevisionStatus.SUPERSEDED, RevisionStatus.APPROVED)
    # The first plan's planned road went with it; what is being built stays.
    assets = session.execute(sa.select(InfrastructureAsset.kind, InfrastructureAsset.status)
                             .order_by(InfrastructureAsset.kind)).all()
    assert assets == [("plan_r1", WorkStatus.UNDER_CONSTRUCTION),
                      ("plan_r2", WorkStatus.PLANNED)]


def test_only_working_group_decides(session) -> None:
    world = plan_world(session)
    revision = _submitted(session, world, BASE)
    for name in ("cons", "cons2", "staff", "admin"):
        with pytest.raises(ApprovalForbidden):
            approve(session, revision, user=world["users"][name], decision_ref="X-1")
    assert revision.status is RevisionStatus.SUBMITTED


def test_uploader_cannot_approve_own_revision_even_in_working_group(session) -> None:
    world = plan_world(session)
    revision = _submitted(session, world, BASE, by="wg")
    with pytest.raises(OwnRevisionApproval):
        approve(session, revision, user=world["users"]["wg"], decision_ref="X-1")
    approve(session, revision, user=world["users"]["wg2"], decision_ref="X-1")
    assert revision.status is RevisionStatus.APPROVED


def test_reject_then_no_further_decision(session) -> None:
    world = plan_world(session)
    before = snapshot(session)
    revision = _submitted(session, world, CHANGED)
    reject(session, revision, user=world["users"]["wg"], decision_ref="WG-9",
           comments="road access")
    assert revision.status is RevisionStatus.REJECTED
    with pytest.raises(RevisionTransitionForbidden):
        approve(session, revision, user=world["users"]["wg"], decision_ref="WG-10")
    assert snapshot(session) == before


def test_plan_that_retires_plots_warns_in_its_report(session) -> None:
    world = plan_world(session)
    revision = _submitted(session, world, CHANGED)
    (issue,) = [i for i in revision.report["issues"] if i["code"] == "plots_retired"]
    assert issue["severity"] == "warning" and issue["extra"]["plot_codes"] == ["3-04"]
    assert issue["location"] is not None and "3-04" in issue["message"]["fa"]
    assert revision.warning_count >= 1
    # A plan that keeps every plot says nothing of the kind.
    kept = _submitted(session, world, BASE | {"3-06": plot(6)})
    assert "plots_retired" not in {i["code"] for i in kept.report["issues"]}


@pytest.mark.parametrize("count", [None, 0, 2])
def test_approval_refused_unless_retired_plots_are_acknowledged(session, count) -> None:
    world = plan_world(session)
    revision = _submitted(session, world, CHANGED)
    before = snapshot(session)
    with pytest.raises(RetirementNotAcknowledged) as info:
        approve(session, revision, user=world["users"]["wg"], decision_ref="WG-5",
                retire_count=count)
    assert info.value.code == "retirement_not_acknowledged"
    assert info.value.extra["retire_count"] == 1
    assert info.value.extra["plot_codes"] == ["3-04"]
    assert snapshot(session) == before
    session.expire_all()
    assert revision.status is RevisionStatus.SUBMITTED
    approve(session, revision, user=world["users"]["wg"], decision_ref="WG-5", retire_count=1)
    assert "3-04" not in current_plots(session)


def test_approval_that_retires_nothing_needs_no_acknowledgement(session) -> None:
    world = plan_world(session)
    revision = _submitted(session, world, BASE)
    with pytest.raises(RetirementNotAcknowledged):  # a wrong number is still refused
        approve(session, revision, user=world["users"]["wg"], decision_ref="WG-6",
                retire_count=3)
    approve(session, revision, user=world["users"]["wg"], decision_ref="WG-6")
    assert revision.status is RevisionStatus.APPROVED


@pytest.mark.parametrize("plots", [{}, None], ids=["empty_plots_layer", "roads_only"])
def test_plan_without_plots_is_refused_and_nothing_stored(session, plots) -> None:
    from zones.errors import PlanHasNoPlots
    from zones.model import PlanRevision

    world = plan_world(session)
    frames = layers({}) if plots == {} else {
        k: v for k, v in layers(BASE).items() if k.value != "plots"}
    with pytest.raises(PlanHasNoPlots) as info:
        create_draft_revision(session=session, district_code="D1", layers=frames,
                              title="empty", user=world["users"]["cons"])
    assert info.value.code == "plan_has_no_plots"
    assert session.scalar(sa.select(sa.func.count()).select_from(PlanRevision)) == 0
    assert sorted(current_plots(session)) == sorted(BASE)


def test_held_plot_is_never_silently_removed(session) -> None:
    world = plan_world(session)
    before = snapshot(session)
    revision = _submitted(session, world, {k: v for k, v in BASE.items() if k != "3-05"})
    with pytest.raises(HeldPlotWouldChange) as info:
        approve(session, revision, user=world["users"]["wg"], decision_ref="WG-3")
    assert info.value.extra["plots"][0]["plot_code"] == "3-05"
    assert snapshot(session) == before
    session.expire_all()
    assert revision.status is RevisionStatus.SUBMITTED


def test_approval_is_all_or_nothing(session, monkeypatch) -> None:
    world = plan_world(session)
    revision = _submitted(session, world, CHANGED | {"3-07": plot(7)})
    before = snapshot(session)
    written: list[int] = []

    def fail_after_plots(session_, *args, **kw):
        written.extend(session_.scalars(sa.select(Plot.id).where(
            Plot.plan_revision_id == revision.id)))
        raise RuntimeError("disk full")

    monkeypatch.setattr(revisions, "_publish_infrastructure", fail_after_plots)
    with pytest.raises(RuntimeError):
        approve(session, revision, user=world["users"]["wg"], decision_ref="WG-4",
                retire_count=1)
    assert len(written) == 4  # the failure came after new plot versions were flushed
    assert snapshot(session) == before
    assert session.scalar(sa.select(sa.func.count()).select_from(PlotLineage)) == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(CustomsSite)) == 0
    session.expire_all()
    assert revision.status is RevisionStatus.SUBMITTED


def test_utilities_and_customs_site_are_published(session) -> None:
    import geopandas as gpd
    import shapely

    from tests.common import X0, Y0, lonlat
    from zones.model import Network, SiteStatus
    from zones.uploads.contract import LayerRole

    world = plan_world(session)
    plan = layers(BASE)
    plan[LayerRole.UTILITIES] = gpd.GeoDataFrame(
        {"network": ["water"], "name_en": ["Main"], "source_index": [0]},
        geometry=[lonlat(shapely.LineString([(X0, Y0 - 10), (X0 + 200, Y0 - 10)]))], crs=4326)
    plan[LayerRole.CUSTOMS_SITE] = gpd.GeoDataFrame(
        {"name_fa": ["گمرک"], "source_index": [0]},
        geometry=[box(0, 200, 250, 250)], crs=4326)
    revision = create_draft_revision(session=session, district_code="D1", layers=plan,
                                     title="with networks", user=world["users"]["cons"])
    assert revision.error_count == 0, revision.report["counts"]
    submit(session, revision, user=world["users"]["cons"])
    approve(session, revision, user=world["users"]["wg"], decision_ref="WG-5")
    networks = session.scalars(sa.select(InfrastructureAsset.network)).all()
    assert sorted(networks) == [Network.ROAD, Network.WATER]
    site = session.scalars(sa.select(CustomsSite)).one()
    assert (site.code, site.status, site.name_fa) == ("D1-R1-1", SiteStatus.CANDIDATE, "گمرک")
    assert site.area_m2 == pytest.approx(62_500, abs=1)
