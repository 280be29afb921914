"""A hand-built district for allocation requests: plots, networks, a wetland, two investors.

Layout (metres from district 1's centre, EPSG:32639):

* ``1`` 50×40 at (0, 0), allocated to unit ``U1`` of investor ``INV1``;
* ``2`` 50×40 at (50, 0): shares 40 m with ``1``; a planned power line 10 m south;
* ``3`` 50×40 at (0, 40): shares 50 m with ``1``; the planned line ~70 m away;
* ``4`` 50×40 at (300, 300): a complete power line 20 m south;
* ``5`` 50×40 at (-450, -450): 750 m from the wetland (inside its 1,000 m buffer);
* ``6`` 100×55 at (-300, 200): 5,500 m², too big for a 1,500–2,500 m² request.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
import shapely
from geoalchemy2.shape import from_shape
from sqlalchemy.orm import Session

from tests.api.conftest import world  # noqa: F401 - shared with the API tests
from tests.common import X0, Y0, box, lonlat, make_zone
from zones.model import (
    District,
    EnvGroup,
    InfrastructureAsset,
    Investor,
    Network,
    PartyKind,
    Plot,
    PlotStatus,
    ProductionUnit,
    ProtectedArea,
    ProtectedKind,
    RequestPurpose,
    UnitStatus,
    WorkStatus,
)
from zones.services.allocation import allocate_plot
from zones.services.plots import create_plot
from zones.services.requests import RequestInput
from zones.settings import Settings

LICENCE_EXPIRY = dt.date.today() + dt.timedelta(days=365)


def line(x0: float, y0: float, x1: float, y1: float) -> shapely.LineString:
    return lonlat(shapely.LineString([(X0 + x0, Y0 + y0), (X0 + x1, Y0 + y1)]))


@dataclass
class Site:
    district: District
    plots: dict[str, Plot]
    inv1: Investor
    inv2: Investor
    unit: ProductionUnit


def build_site(session: Session) -> Site:
    district = make_zone(session)
    plots = {code: create_plot(session=session, district=district, code=code, geometry=geom,
                               status=PlotStatus.SERVICED)
             for code, geom in [("1", box(0, 0, 50, 40)), ("2", box(50, 0, 50, 40)),
                                ("3", box(0, 40, 50, 40)), ("4", box(300, 300, 50, 40)),
                                ("5", box(-450, -450, 50, 40)), ("6", box(-300, 200, 100, 55))]}
    zone_id = district.zone_id
    session.add_all([
        InfrastructureAsset(zone_id=zone_id, district_id=district.id, network=Network.POWER,
                            kind="feeder_20kv", status=WorkStatus.COMPLETE,
                            completed_on=dt.date(2024, 5, 1),
                            geom=from_shape(line(300, 280, 400, 280), srid=4326)),
        InfrastructureAsset(zone_id=zone_id, district_id=district.id, network=Network.POWER,
                            kind="feeder_20kv", status=WorkStatus.PLANNED,
                            planned_completion=dt.date(2027, 3, 1),
                            geom=from_shape(line(100, -10, 200, -10), srid=4326)),
        ProtectedArea(zone_id=zone_id, code="WET", kind=ProtectedKind.WETLAND,
                      name_fa="تالاب", buffer_m=1000.0,
                      geom=from_shape(shapely.MultiPolygon([box(-1700, -500, 500, 200)]),
                                      srid=4326)),
    ])
    inv1 = Investor(ref="INV1", kind=PartyKind.LEGAL, name_fa="شرکت یکم", nationality="IR")
    inv2 = Investor(ref="INV2", kind=PartyKind.LEGAL, name_fa="شرکت دوم", nationality="IR")
    session.add_all([inv1, inv2])
    session.flush()
    unit = ProductionUnit(ref="U1", investor_id=inv1.id, name_fa="واحد یکم", isic4="2220",
                          status=UnitStatus.OPERATING)
    session.add(unit)
    session.flush()
    allocate_plot(session=session, plot=plots["1"], investor_id=inv1.id, unit_id=unit.id,
                  start_date=dt.date(2020, 1, 1))
    session.commit()
    return Site(district=district, plots=plots, inv1=inv1, inv2=inv2, unit=unit)


@pytest.fixture
def site(session: Session) -> Site:
    return build_site(session)


@pytest.fixture
def rules(settings: Settings) -> Settings:
    """Settings with a 100 m utility reach, so the hand-built lines separate the plots."""
    return settings.model_copy(update={"utility_reach_m": 100.0, "requests_open_max": 3})


def ask(**changes: object) -> RequestInput:
    """A valid new-unit request for 1,500–2,500 m² with 100 kVA of power."""
    base: dict[str, object] = dict(
        purpose=RequestPurpose.NEW_UNIT, isic4="2220", env_group=EnvGroup.B,
        area_min_m2=1500.0, area_max_m2=2500.0, power_kva=100.0, licence_no="ج-۱۲۳",
        licence_expiry=LICENCE_EXPIRY, investment_rial=50_000_000_000, jobs=20,
        export_share=0.3)
    return RequestInput(**(base | changes))  # type: ignore[arg-type]
