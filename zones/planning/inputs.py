"""What the analyses read from the database, as GeoDataFrames in the zone's metric CRS."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import shapely
import sqlalchemy as sa
from sqlalchemy.orm import Session

from zones import errors, frames
from zones.model import (
    HELD_STATUSES,
    District,
    ExpansionArea,
    PlanRevision,
    Plot,
    PlotStatus,
    RevisionStatus,
    Zone,
)
from zones.text import fold


@dataclass
class DistrictData:
    district: District
    srid: int
    boundary: shapely.Geometry     # metric
    plots: gpd.GeoDataFrame        # current plots of the district, metric
    assets: gpd.GeoDataFrame       # every infrastructure asset of the zone, metric


def find_district(session: Session, code: str) -> District:
    """A district by code (Persian/Arabic letters and digits folded), e.g. ``D3`` or ``د۳``."""
    key = fold(code) or ""
    for district in session.scalars(sa.select(District).order_by(District.id)):
        if fold(district.code) == key:
            return district
    raise errors.DistrictNotFound(f"no district {code!r}", district=code)


def metric_srid(session: Session, district: District) -> int:
    return int(session.scalar(sa.select(Zone.metric_srid).where(Zone.id == district.zone_id)))


def find_expansion(session: Session, code: str) -> tuple[ExpansionArea, gpd.GeoSeries]:
    """An expansion area by code and its boundary as a one-row GeoSeries in EPSG:4326."""
    found = frames.expansion_frame(session)
    key = fold(code) or ""
    match = found[[fold(c) == key for c in found["code"]]]
    if match.empty:
        raise errors.ExpansionAreaNotFound(f"no expansion area {code!r}", expansion=code)
    area = session.get(ExpansionArea, int(match["id"].iloc[0]))
    assert area is not None
    return area, match.geometry


def district_data(session: Session, code: str) -> DistrictData:
    district = find_district(session, code)
    srid = metric_srid(session, district)
    boundary = frames.frame(session, frames.district_select(where=District.id == district.id))
    plots = frames.plot_frame(session, where=District.id == district.id)
    assets = frames.infrastructure_frame(session)
    assets["status"] = assets["status"].astype(str)
    return DistrictData(district=district, srid=srid,
                        boundary=boundary.to_crs(srid).geometry.iloc[0],
                        plots=plots.to_crs(srid), assets=assets.to_crs(srid))


def held_plots(session: Session, srid: int) -> gpd.GeoDataFrame:
    """Plots a customs site must not take: held, reserved or allocated."""
    statuses = [*HELD_STATUSES, PlotStatus.RESERVED]
    return frames.plot_frame(session, where=Plot.status.in_(statuses)).to_crs(srid)


def current_revision_id(session: Session, district: District) -> int | None:
    """The district's latest approved plan revision, the one an analysis runs against."""
    return session.scalar(
        sa.select(PlanRevision.id)
        .where(PlanRevision.district_id == district.id,
               PlanRevision.status == RevisionStatus.APPROVED)
        .order_by(PlanRevision.number.desc()).limit(1))
