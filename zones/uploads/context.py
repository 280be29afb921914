"""What an upload is validated against: the district, its held plots, roads, protected areas.

:func:`build_context` reads it from the database once per validation; tests and the
benchmark may build a :class:`ValidationContext` by hand. Geometries are EPSG:4326.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import shapely
import sqlalchemy as sa
from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import Session

from zones import frames
from zones.errors import DistrictNotFound
from zones.model import (
    HELD_STATUSES,
    CustomsSite,
    District,
    ExpansionStatus,
    InfrastructureAsset,
    Network,
    Plot,
)
from zones.spatial.crs import ANZALI_METRIC_SRID
from zones.text import fold
from zones.uploads.rules import ValidationParams


def _empty(*columns: str) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({c: [] for c in columns}, geometry=gpd.GeoSeries([], crs=4326),
                            crs=4326)


@dataclass(frozen=True)
class ValidationContext:
    """The existing world an upload must fit: all frames EPSG:4326.

    ``held_plots`` has ``code`` and ``status`` (allocated, under construction, operating,
    idle); ``roads`` any line or polygon road assets; ``protected_areas`` ``code``,
    ``kind``, ``name_fa``, ``name_en`` and ``buffer_m``. ``None`` boundaries and an absent
    ``port_gate`` switch the rules that need them off.
    """

    district_code: str | None = None
    zone_boundary: BaseGeometry | None = None
    district_boundary: BaseGeometry | None = None
    held_plots: gpd.GeoDataFrame = field(default_factory=lambda: _empty("code", "status"))
    roads: gpd.GeoDataFrame = field(default_factory=lambda: _empty("kind"))
    protected_areas: gpd.GeoDataFrame = field(
        default_factory=lambda: _empty("code", "kind", "name_fa", "name_en", "buffer_m"))
    port_gate: BaseGeometry | None = None
    params: ValidationParams = field(default_factory=ValidationParams)
    metric_srid: int = ANZALI_METRIC_SRID


def _find_district(session: Session, code: str) -> District:
    """A district by code (``"D3"``, Persian digits folded) or by number (``"3"``)."""
    key = fold(code) or ""
    districts = session.scalars(sa.select(District).order_by(District.id)).all()
    for district in districts:
        if fold(district.code) == key or (key.isdigit() and district.number == int(key)):
            return district
    raise DistrictNotFound(f"no district {code!r}", district=code)


def build_context(session: Session, *, district_code: str,
                  params: ValidationParams | None = None) -> ValidationContext:
    """Read the validation context of district ``district_code`` from the database.

    The district boundary includes its expansion areas unless merely proposed. Roads are
    every road asset of the zone (a plot at a district's edge may front a road outside
    it); the port gate is the centroid of the customs site
    ``params.port_gate_site`` (the demo's C1, the Caspian Port gate), absent if there is none.
    """
    params = params or ValidationParams()
    district = _find_district(session, district_code)
    zone = frames.zone_frame(session, district.zone_id)
    metric_srid = int(zone["metric_srid"].iloc[0]) if len(zone) else ANZALI_METRIC_SRID
    district_row = frames.frame(session, frames.district_select(
        where=District.id == district.id))
    expansions = frames.expansion_frame(session)
    # A district's plan covers its approved expansion areas too (the D2-X plots are D2's).
    grown = expansions[(expansions["district_code"] == district.code)
                       & (expansions["status"] != ExpansionStatus.PROPOSED.value)]
    boundary = shapely.union_all([district_row.geometry.iloc[0], *grown.geometry])
    held = frames.plot_frame(session, where=sa.and_(
        Plot.district_id == district.id, Plot.status.in_(sorted(HELD_STATUSES))))
    roads = frames.frame(session, frames.infrastructure_select(where=sa.and_(
        InfrastructureAsset.zone_id == district.zone_id,
        InfrastructureAsset.network == Network.ROAD)))
    protected = frames.protected_frame(session)
    gate = frames.frame(session, frames.customs_select(where=sa.and_(
        CustomsSite.code == params.port_gate_site, CustomsSite.zone_id == district.zone_id)))
    return ValidationContext(
        district_code=district.code,
        zone_boundary=zone.geometry.iloc[0] if len(zone) else None,
        district_boundary=boundary,
        held_plots=held[["code", "status", "geometry"]],
        roads=roads[["kind", "geometry"]],
        protected_areas=protected[["code", "kind", "name_fa", "name_en", "buffer_m",
                                   "geometry"]],
        port_gate=shapely.centroid(gate.geometry.iloc[0]) if len(gate) else None,
        params=params,
        metric_srid=metric_srid,
    )

