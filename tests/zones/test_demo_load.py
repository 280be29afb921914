"""The demo zone, loaded into each backend, is what the domain brief describes."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
import sqlalchemy as sa

from zones import frames
from zones.model import Allocation, AllocationStatus, ProductionUnit, UnitStatus
from zones.spatial.measurement import geodesic_area


def test_districts_and_plot_counts(demo_session) -> None:
    plots = frames.plot_frame(demo_session)
    industrial = plots[plots.land_use == "industrial"]
    counts = industrial.groupby(industrial.expansion_code.fillna(industrial.district_code)).size()
    assert counts.to_dict() == {"D1": 100, "D2": 45, "D2-X": 25, "D3": 40}
    assert set(frames.district_frame(demo_session).code) == {"D1", "D2", "D3"}
    assert list(frames.expansion_frame(demo_session).code) == ["D2-X"]


def test_units_dormancy_and_allocations(demo_session) -> None:
    statuses = dict(demo_session.execute(sa.select(ProductionUnit.status, sa.func.count())
                                         .group_by(ProductionUnit.status)).all())
    assert sum(statuses.values()) == 143
    assert statuses[UnitStatus.DORMANT] == 28
    active = demo_session.scalar(sa.select(sa.func.count()).select_from(Allocation)
                                 .where(Allocation.status == AllocationStatus.ACTIVE))
    assert active == 143


def test_stored_areas_are_metric_and_match_geodesic(demo_session) -> None:
    plots = frames.plot_frame(demo_session)
    geodesic = np.array([geodesic_area(g) for g in plots.geometry])
    assert plots.area_m2.to_numpy() == pytest.approx(geodesic, rel=0.001)


def test_everything_lies_inside_the_zone(demo_session) -> None:
    zone = frames.zone_frame(demo_session).geometry.iloc[0]
    for layer in (frames.plot_frame, frames.district_frame, frames.customs_frame,
                  frames.infrastructure_frame):
        geoms = layer(demo_session).geometry.to_numpy()
        assert shapely.covers(zone, geoms).all(), layer.__name__
