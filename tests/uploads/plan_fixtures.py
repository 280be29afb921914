"""A small district plan for revision, diff and approval tests, drawn in metres.

Five 40 × 50 m plots in a row along a road (``3-01`` … ``3-05``), inside the test zone
of :func:`tests.common.make_zone`. ``3-05`` is allocated (held) in :func:`plan_world`.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import shapely
import sqlalchemy as sa
from sqlalchemy.orm import Session

from tests.common import X0, Y0, box, lonlat, make_zone
from zones.model import Plot, PlotStatus, Role
from zones.services.plots import create_plot
from zones.services.users import create_user
from zones.uploads.contract import LayerRole

PASSWORD = "correct horse battery"
ROAD = lonlat(shapely.LineString([(X0 - 20, Y0 - 5), (X0 + 400, Y0 - 5)]))


def plot(k: int, *, width: float = 40) -> shapely.Polygon:
    """Plot ``k`` (1-based) of the row: x from 40·(k−1) m, 50 m deep."""
    return box(40 * (k - 1), 0, width, 50)


BASE = {f"3-0{k}": plot(k) for k in range(1, 6)}


def layers(plots: dict[str, shapely.Polygon], *, land_use: dict[str, str] | None = None,
           roads: bool = True) -> dict[LayerRole, gpd.GeoDataFrame]:
    """Role frames as the reader returns them (EPSG:4326, mapped fields, source_index)."""
    land_use = land_use or {}
    frame = gpd.GeoDataFrame(
        {"code": list(plots), "land_use": [land_use.get(c, "industrial") for c in plots],
         "source_index": range(len(plots))},
        geometry=list(plots.values()), crs=4326)
    out = {LayerRole.PLOTS: frame}
    if roads:
        out[LayerRole.ROADS] = gpd.GeoDataFrame(
            {"name_en": ["Road 1"], "source_index": [0]}, geometry=[ROAD], crs=4326)
    return out


def plan_world(session: Session) -> dict[str, Any]:
    """The test district with the five BASE plots current (3-05 allocated) and users."""
    district = make_zone(session)
    for code, geom in BASE.items():
        create_plot(session=session, district=district, code=code, geometry=geom,
                    status=PlotStatus.ALLOCATED if code == "3-05" else PlotStatus.PLANNED)
    users = {name: create_user(session=session, username=name, password=PASSWORD, role=role)
             for name, role in [("cons", Role.CONSULTANT), ("cons2", Role.CONSULTANT),
                                ("staff", Role.STAFF), ("wg", Role.WORKING_GROUP),
                                ("wg2", Role.WORKING_GROUP), ("admin", Role.ADMIN)]}
    session.commit()
    return {"district": district, "users": users}


def current_plots(session: Session) -> dict[str, tuple[int, float]]:
    """Current plots by code → (id, area m²)."""
    rows = session.execute(sa.select(Plot.code, Plot.id, Plot.area_m2)
                           .where(Plot.valid_to.is_(None))).all()
    return {code: (pid, area) for code, pid, area in rows}


def snapshot(session: Session) -> list[tuple]:
    """Every plot row's identity and validity: equal snapshots mean nothing changed."""
    session.expire_all()
    return [tuple(r) for r in session.execute(sa.select(
        Plot.id, Plot.code, Plot.status, Plot.valid_to, Plot.plan_revision_id).order_by(Plot.id))]
