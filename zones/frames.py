"""Query results as GeoDataFrames: the one place rows become shapely geometries.

Geometry leaves the database as WKB (``ST_AsBinary``) and is decoded in one vectorized
``shapely.from_wkb`` call, never row by row.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
import sqlalchemy as sa
from sqlalchemy import func
from sqlalchemy.orm import Session

from zones.model import (
    Allocation,
    AllocationStatus,
    CustomsSite,
    District,
    ExpansionArea,
    InfrastructureAsset,
    Plot,
    ProductionUnit,
    ProtectedArea,
    Zone,
)


def wkb(column: Any) -> Any:
    """Select a geometry column as plain WKB bytes (no geoalchemy2 element wrapping)."""
    return sa.type_coerce(func.ST_AsBinary(column), sa.LargeBinary).label("wkb")


def frame(session: Session, stmt: sa.Select[Any]) -> gpd.GeoDataFrame:
    """Run ``stmt`` (whose last column is ``wkb(...)``) and return a GeoDataFrame in EPSG:4326."""
    result = session.execute(stmt)
    columns = list(result.keys())
    rows = result.all()
    data = pd.DataFrame.from_records(rows, columns=columns)
    geoms = shapely.from_wkb(data.pop("wkb").to_numpy()) if len(data) else []
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(geoms, crs=4326), crs=4326)


def _enum_values(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    for column in gdf.columns:
        if column != "geometry" and len(gdf) and hasattr(gdf[column].iloc[0], "value"):
            gdf[column] = gdf[column].map(lambda v: None if v is None else v.value)
    return gdf


def zone_frame(session: Session, zone_id: int | None = None) -> gpd.GeoDataFrame:
    stmt = sa.select(Zone.id, Zone.code, Zone.name_fa, Zone.name_en, Zone.metric_srid,
                     wkb(Zone.boundary)).order_by(Zone.id)
    if zone_id is not None:
        stmt = stmt.where(Zone.id == zone_id)
    return frame(session, stmt)


def _scoped(stmt: sa.Select[Any], *, where: Any, limit: int | None, offset: int
            ) -> sa.Select[Any]:
    """``stmt`` narrowed by ``where`` and, when ``limit`` is given, cut to one page."""
    if where is not None:
        stmt = stmt.where(where)
    if limit is not None:
        stmt = stmt.limit(limit).offset(offset)
    return stmt


def district_select(*, where: Any = None, limit: int | None = None, offset: int = 0
                    ) -> sa.Select[Any]:
    """Districts in id order; WKB last."""
    stmt = sa.select(District.id, District.code, District.number, District.name_fa,
                     District.name_en, District.kind, District.status,
                     wkb(District.boundary)).order_by(District.id)
    return _scoped(stmt, where=where, limit=limit, offset=offset)


def district_frame(session: Session) -> gpd.GeoDataFrame:
    return _enum_values(frame(session, district_select()))


def expansion_select(*, where: Any = None, limit: int | None = None, offset: int = 0
                     ) -> sa.Select[Any]:
    """Expansion areas with their district code and decision, in id order; WKB last."""
    e = ExpansionArea
    stmt = (sa.select(e.id, e.code, District.code.label("district_code"), e.name_fa, e.name_en,
                      e.decision_ref, e.decision_date, e.status, wkb(e.boundary))
            .join(District, e.district_id == District.id).order_by(e.id))
    return _scoped(stmt, where=where, limit=limit, offset=offset)


def expansion_frame(session: Session) -> gpd.GeoDataFrame:
    return _enum_values(frame(session, expansion_select()))


CURRENT_PLOT = Plot.valid_to.is_(None)  # a plot row not yet superseded by a revision


def plot_select(*, where: Any = None, limit: int | None = None, offset: int = 0
                ) -> sa.Select[Any]:
    """Current plots with their district and expansion codes, in id order; WKB last."""
    stmt = (sa.select(Plot.id, District.code.label("district_code"),
                      ExpansionArea.code.label("expansion_code"), Plot.code, Plot.name_fa,
                      Plot.name_en, Plot.land_use, Plot.status, Plot.max_coverage, Plot.far,
                      Plot.area_m2, wkb(Plot.geom))
            .join(District, Plot.district_id == District.id)
            .outerjoin(ExpansionArea, Plot.expansion_area_id == ExpansionArea.id)
            .where(CURRENT_PLOT).order_by(Plot.id))
    return _scoped(stmt, where=where, limit=limit, offset=offset)


def plot_frame(session: Session, *, where: Any = None, limit: int | None = None,
               offset: int = 0) -> gpd.GeoDataFrame:
    """Current plots (see :func:`plot_select`) as a GeoDataFrame."""
    return _enum_values(frame(session, plot_select(where=where, limit=limit, offset=offset)))


def infrastructure_select(*, where: Any = None, limit: int | None = None, offset: int = 0
                          ) -> sa.Select[Any]:
    """Infrastructure assets (lines, points, polygons) with their district code; WKB last."""
    a = InfrastructureAsset
    stmt = (sa.select(a.id, a.network, a.kind, a.name_fa, a.name_en, a.status, a.capacity,
                      a.capacity_unit, a.width_m, District.code.label("district_code"),
                      a.planned_completion, a.completed_on, wkb(a.geom))
            .outerjoin(District, a.district_id == District.id).order_by(a.id))
    return _scoped(stmt, where=where, limit=limit, offset=offset)


def infrastructure_frame(session: Session) -> gpd.GeoDataFrame:
    return _enum_values(frame(session, infrastructure_select()))


def customs_select(*, where: Any = None, limit: int | None = None, offset: int = 0
                   ) -> sa.Select[Any]:
    """Customs sites in id order; WKB last."""
    c = CustomsSite
    stmt = sa.select(c.id, c.code, c.name_fa, c.name_en, c.status, c.area_m2,
                     wkb(c.geom)).order_by(c.id)
    return _scoped(stmt, where=where, limit=limit, offset=offset)


def customs_frame(session: Session) -> gpd.GeoDataFrame:
    return _enum_values(frame(session, customs_select()))


def unit_site_select(*, where: Any = None, limit: int | None = None, offset: int = 0
                     ) -> sa.Select[Any]:
    """Production units' public fields, located at a point on their (first) held plot.

    Public by design: no investor, contact, licence or bank data. Units without an active
    allocation have no site and are left out.
    """
    u, a = ProductionUnit, Allocation
    first_plot = (sa.select(func.min(a.plot_id))
                  .where(a.unit_id == u.id, a.status == AllocationStatus.ACTIVE)
                  .correlate(u).scalar_subquery())
    stmt = (sa.select(u.id, u.ref, u.name_fa, u.name_en, u.isic4, u.status, u.knowledge_based,
                      District.code.label("district_code"), Plot.code.label("plot_code"),
                      wkb(func.ST_PointOnSurface(Plot.geom)))
            .select_from(u).join(Plot, Plot.id == first_plot)
            .join(District, Plot.district_id == District.id)
            .order_by(u.id))
    return _scoped(stmt, where=where, limit=limit, offset=offset)


def unit_site_frame(session: Session) -> gpd.GeoDataFrame:
    """Production units at a point on their plot (public fields, see
    :func:`unit_site_select`), with ``investor_id`` for callers that decide who may see more."""
    u = ProductionUnit
    stmt = unit_site_select().add_columns(u.investor_id)
    return _enum_values(frame(session, stmt))


def protected_select(*, where: Any = None, limit: int | None = None, offset: int = 0
                     ) -> sa.Select[Any]:
    """Protected areas (wetland, buffers) in id order; WKB last."""
    p = ProtectedArea
    stmt = sa.select(p.id, p.code, p.kind, p.name_fa, p.name_en, p.buffer_m,
                     wkb(p.geom)).order_by(p.id)
    return _scoped(stmt, where=where, limit=limit, offset=offset)


def protected_frame(session: Session) -> gpd.GeoDataFrame:
    return _enum_values(frame(session, protected_select()))
