"""One active allocation per plot, enforced by the database on both backends."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from tests.common import PLOT_A, box, make_zone
from zones import errors
from zones.db.backend import translated_errors
from zones.model import (
    Allocation,
    AllocationStatus,
    Investor,
    ObligationKind,
    PartyKind,
    PlotStatus,
    Tenure,
)
from zones.services.allocation import allocate_plot, operating_licence_months
from zones.services.plots import create_plot

START = dt.date(2026, 1, 15)


def _investor(session, ref: str) -> Investor:
    investor = Investor(ref=ref, kind=PartyKind.LEGAL, name_fa=f"شرکت {ref}", nationality="IR")
    session.add(investor)
    session.flush()
    return investor


def test_allocation_moves_plot_and_sets_deadlines(session) -> None:
    district = make_zone(session)
    plot = create_plot(session=session, district=district, code="1",
                       geometry=box(0, 0, 60, 50), status=PlotStatus.SERVICED)  # 3,000 m²
    allocation = allocate_plot(session=session, plot=plot, investor_id=_investor(session, "I1").id,
                               start_date=START)
    session.commit()
    assert plot.status is PlotStatus.ALLOCATED
    deadlines = {o.kind: o.due_date for o in allocation.obligations}
    # 3,000 m²: 12 months + ceil(1,000 / 300) = 16 months.
    assert deadlines[ObligationKind.OPERATING_LICENCE] == dt.date(2027, 5, 15)
    assert deadlines[ObligationKind.CONSTRUCTION_START] == dt.date(2026, 7, 15)


@pytest.mark.parametrize(("area", "months"), [(800, 12), (2000, 12), (2001, 13), (2300, 13),
                                              (2301, 14), (7400, 30), (50_000, 30)])
def test_operating_licence_deadline_rule(area: float, months: int) -> None:
    assert operating_licence_months(area) == months


def test_service_refuses_a_held_plot(session) -> None:
    district = make_zone(session)
    plot = create_plot(session=session, district=district, code="1", geometry=PLOT_A,
                       status=PlotStatus.SERVICED)
    allocate_plot(session=session, plot=plot, investor_id=_investor(session, "I1").id,
                  start_date=START)
    session.commit()
    with pytest.raises(errors.PlotAlreadyAllocated):
        allocate_plot(session=session, plot=plot, investor_id=_investor(session, "I2").id,
                      start_date=START)


def test_database_refuses_second_active_allocation(session) -> None:
    """Even a writer that skips the service cannot give one plot to two investors."""
    district = make_zone(session)
    plot = create_plot(session=session, district=district, code="1", geometry=PLOT_A,
                       status=PlotStatus.SERVICED)
    first, second = _investor(session, "I1"), _investor(session, "I2")
    allocate_plot(session=session, plot=plot, investor_id=first.id, start_date=START)
    session.commit()
    session.add(Allocation(plot_id=plot.id, investor_id=second.id, tenure=Tenure.LEASE,
                           status=AllocationStatus.ACTIVE, start_date=START))
    with pytest.raises(errors.PlotAlreadyAllocated), translated_errors():
        session.flush()
    session.rollback()
    owners = session.scalars(sa.select(Allocation.investor_id)
                             .where(Allocation.status == AllocationStatus.ACTIVE)).all()
    assert owners == [first.id]


def test_ended_allocations_do_not_block_a_new_one(session) -> None:
    district = make_zone(session)
    plot = create_plot(session=session, district=district, code="1", geometry=PLOT_A,
                       status=PlotStatus.SERVICED)
    old = allocate_plot(session=session, plot=plot, investor_id=_investor(session, "I1").id,
                        start_date=START)
    old.status = AllocationStatus.REVOKED
    plot.status = PlotStatus.REVOKED
    session.flush()
    new = allocate_plot(session=session, plot=plot, investor_id=_investor(session, "I2").id,
                        start_date=START)
    session.commit()
    assert new.status is AllocationStatus.ACTIVE
    assert session.scalar(sa.select(sa.func.count()).select_from(Allocation)) == 2
