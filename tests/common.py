"""Canonical test geometries and a tiny zone, defined once.

Geometries are drawn in metres (EPSG:32639, around district 1 of Anzali) and stored in
EPSG:4326, exactly as real data arrives.
"""

from __future__ import annotations

import numpy as np
import shapely
import sqlalchemy as sa
from geoalchemy2.shape import from_shape
from pyproj import Transformer
from sqlalchemy.orm import Session

from zones.model import (
    District,
    DistrictKind,
    DistrictStatus,
    Investor,
    ProductionUnit,
    Role,
    Zone,
)

TO_LONLAT = Transformer.from_crs(32639, 4326, always_xy=True)
# District 1's centre (37.4480 N, 49.5050 E) in UTM 39N.
X0, Y0 = Transformer.from_crs(4326, 32639, always_xy=True).transform(49.5050, 37.4480)


def lonlat(geom: shapely.Geometry) -> shapely.Geometry:
    """A metric (EPSG:32639) geometry in lon/lat."""
    return shapely.transform(geom, lambda xy: np.column_stack(TO_LONLAT.transform(*xy.T)))


def box(x: float, y: float, w: float, h: float) -> shapely.Polygon:
    """A w×h metre rectangle whose lower-left corner is (x, y) metres from the centre, lon/lat."""
    return lonlat(shapely.box(X0 + x, Y0 + y, X0 + x + w, Y0 + y + h))


# Two neighbours sharing an edge, one overlapping the first by 10 m, one far away.
PLOT_A = box(0, 0, 50, 40)
PLOT_B_TOUCHING = box(50, 0, 50, 40)
PLOT_C_OVERLAPPING = box(40, 0, 50, 40)
PLOT_D_INSIDE = box(10, 10, 20, 20)
PLOT_FAR = box(500, 500, 30, 30)
BOWTIE = lonlat(shapely.Polygon([(X0, Y0), (X0 + 50, Y0 + 50), (X0 + 50, Y0), (X0, Y0 + 50)]))


def make_zone(session: Session) -> District:
    """A zone with one district of 1 km², committed; returns the district."""
    zone = Zone(code="TST", name_fa="منطقه آزمایشی", name_en="Test zone", metric_srid=32639,
                boundary=from_shape(shapely.MultiPolygon([box(-2000, -2000, 4000, 4000)]),
                                    srid=4326))
    session.add(zone)
    session.flush()
    district = District(zone_id=zone.id, code="D1", number=1, name_fa="شهرک صنعتی شماره ۱",
                        name_en="Industrial Estate No. 1", kind=DistrictKind.ESTATE,
                        status=DistrictStatus.OPERATING,
                        boundary=from_shape(box(-500, -500, 1000, 1000), srid=4326))
    session.add(district)
    session.commit()
    return district


# The accounts of the ``world`` (tests/api) and ``people`` (tests/browser) fixtures: one
# per role, the investor acting for the demo investor with the most units. Baked into the
# "demo_people" template (tests/conftest.py), so tests clone them instead of creating them.
PASSWORD = "correct horse battery"
PEOPLE = {"inv": Role.INVESTOR, "cons": Role.CONSULTANT, "staff": Role.STAFF,
          "wg": Role.WORKING_GROUP, "admin": Role.ADMIN}


def investors_by_units(session: Session) -> list[tuple[str, int]]:
    """``(investor ref, units)`` of the investors holding units, most units first."""
    return [tuple(row) for row in session.execute(
        sa.select(Investor.ref, sa.func.count(ProductionUnit.id))
        .join(ProductionUnit).group_by(Investor.ref)
        .order_by(sa.func.count(ProductionUnit.id).desc(), Investor.ref)).all()]


def add_people(session: Session) -> None:
    """Create the :data:`PEOPLE` accounts (password :data:`PASSWORD`) and commit."""
    from zones.services.users import create_user

    own = investors_by_units(session)[0][0]
    for name, role in PEOPLE.items():
        create_user(session=session, username=name, password=PASSWORD, role=role,
                    investor_ref=own if role is Role.INVESTOR else None)
    session.commit()
