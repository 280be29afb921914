"""The feature collections served under ``/ogc``: what each one selects, and how to filter it.

Each collection is a ``frames.*_select`` query (WKB last) plus what OGC API – Features needs
around it: a title, the geometry column the ``bbox`` filter and the extent use, the rows
that belong to it, and the properties a client may filter on by equality (queryables).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from api.geojson import FeaturePage, feature_page
from zones import errors, frames
from zones.db import backend
from zones.model import (
    CustomsSite,
    District,
    InfrastructureAsset,
    LandUse,
    Plot,
    PlotStatus,
    ProductionUnit,
    ProtectedArea,
    UnitStatus,
    table_of,
)
from zones.text import normalize

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


@dataclass(frozen=True)
class Queryable:
    """A property filtered by equality; ``kind`` parses the query text (an enum or ``str``)."""

    column: Any
    kind: type[enum.StrEnum] | type[str] = str

    def clause(self, name: str, value: str) -> Any:
        text = normalize(value) or ""
        if self.kind is str:
            return self.column == text
        try:
            return self.column == self.kind(text)
        except ValueError:
            allowed = ", ".join(m.value for m in self.kind)  # type: ignore[attr-defined]
            raise errors.InvalidParameter(f"{name} must be one of: {allowed}",
                                          parameter=name, got=value) from None


@dataclass(frozen=True)
class Collection:
    id: str
    title: str
    description: str
    select: Callable[..., sa.Select[Any]]
    table: sa.Table
    geom: Any
    scope: Any = None  # which rows of ``table`` belong to the collection (for the extent)
    queryables: Mapping[str, Queryable] = field(default_factory=dict)

    def where(self, session: Session, *, bbox: tuple[float, float, float, float] | None,
              filters: Mapping[str, str]) -> Any:
        """The WHERE clause for a bbox (lon/lat) and property filters on this collection."""
        conditions = []
        if bbox is not None:
            conditions.append(backend.bbox_clause(session, self.table, self.geom, bbox))
        for name, value in filters.items():
            queryable = self.queryables.get(name)
            if queryable is None:
                raise errors.InvalidParameter(
                    f"{name!r} is not a queryable of collection {self.id!r}",
                    parameter=name, collection=self.id)
            conditions.append(queryable.clause(name, value))
        return sa.and_(sa.true(), *conditions)

    def page(self, session: Session, *, where: Any, limit: int, offset: int) -> FeaturePage:
        """Up to ``limit`` Features, and whether more follow."""
        return feature_page(session, self.select(where=where, limit=limit + 1, offset=offset),
                            limit=limit)

    def count(self, session: Session, *, where: Any) -> int:
        """How many features match ``where``; cheap here (a count over the same joins)."""
        matched = self.select(where=where).order_by(None).subquery()
        return int(session.scalar(sa.select(sa.func.count()).select_from(matched)) or 0)

    def feature(self, session: Session, feature_id: int) -> tuple[list[str], Any | None]:
        result = session.execute(self.select(where=self.table.c.id == feature_id))
        return list(result.keys()), result.first()

    def extent(self, session: Session) -> tuple[float, float, float, float] | None:
        return backend.extent(session, self.geom, where=self.scope)


COLLECTIONS: dict[str, Collection] = {c.id: c for c in (
    Collection("districts", "Districts", "Industrial estates of the zone (boundaries).",
               frames.district_select, table_of(District), District.__table__.c.boundary),
    Collection("plots", "Plots", "Current plots with public attributes (land use, status, "
               "zoning limits, area in m²).", frames.plot_select, table_of(Plot),
               Plot.__table__.c.geom, scope=frames.CURRENT_PLOT,
               queryables={"district_code": Queryable(District.code),
                           "status": Queryable(Plot.status, PlotStatus),
                           "land_use": Queryable(Plot.land_use, LandUse)}),
    Collection("infrastructure", "Infrastructure", "Roads and utility networks (lines, "
               "points and polygons).", frames.infrastructure_select,
               table_of(InfrastructureAsset), InfrastructureAsset.__table__.c.geom),
    Collection("customs_sites", "Customs sites", "Customs-controlled sites.",
               frames.customs_select, table_of(CustomsSite), CustomsSite.__table__.c.geom),
    Collection("units", "Production units", "Production units' public fields (name, "
               "ISIC class, status), at a point on the plot they hold.",
               frames.unit_site_select, table_of(Plot), Plot.__table__.c.geom,
               scope=frames.CURRENT_PLOT,
               queryables={"status": Queryable(ProductionUnit.status, UnitStatus),
                           "isic4": Queryable(ProductionUnit.isic4),
                           "district_code": Queryable(District.code)}),
    Collection("protected_areas", "Protected areas", "Wetland and other protected areas "
               "with their buffers.", frames.protected_select, table_of(ProtectedArea),
               ProtectedArea.__table__.c.geom),
)}


def find(collection_id: str) -> Collection:
    try:
        return COLLECTIONS[collection_id]
    except KeyError:
        raise errors.CollectionNotFound(f"no collection {collection_id!r}",
                                        collection=collection_id,
                                        collections=sorted(COLLECTIONS)) from None
