"""Canonical test geometries and a tiny zone, defined once.

Geometries are drawn in metres (EPSG:32639, around district 1 of Anzali) and stored in
EPSG:4326, exactly as real data arrives.
"""

from __future__ import annotations

import numpy as np
import shapely
from geoalchemy2.shape import from_shape
from pyproj import Transformer
from sqlalchemy.orm import Session

from zones.model import District, DistrictKind, DistrictStatus, Zone

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
