"""Infrastructure assets, customs sites and expansion areas: the GeoJSON the API serves
and the updates staff and the working group make.

Inputs forbid unknown fields; geometry is not editable here (it arrives through plan
revisions).
"""

from __future__ import annotations

import datetime as dt

from geojson_pydantic import Feature, Polygon
from geojson_pydantic.geometries import Geometry
from pydantic import BaseModel, Field

from api.ogc_schemas import FeaturePage, Link
from api.params import Input
from zones.model import Network, SiteStatus, WorkStatus


class AssetProperties(BaseModel):
    id: int
    network: Network
    kind: str
    name_fa: str | None
    name_en: str | None
    status: WorkStatus
    capacity: float | None
    capacity_unit: str | None
    width_m: float | None
    district_code: str | None
    planned_completion: dt.date | None
    completed_on: dt.date | None


class AssetFeature(Feature[Geometry, AssetProperties]):
    links: list[Link] | None = Field(None, description="One asset: its self link")


class AssetCollection(FeaturePage[Feature[Geometry, AssetProperties]]):
    """A page of assets, with ``self`` and (when more follow) ``next`` links."""


class AssetUpdate(Input):
    """What staff change as works progress; every change is audited with its reason.

    ``status`` may be left out but not sent as null (see Input).
    """

    status: WorkStatus = Field(None)  # type: ignore[assignment]
    planned_completion: dt.date | None = None
    completed_on: dt.date | None = None
    capacity: float | None = Field(None, ge=0)
    capacity_unit: str | None = Field(None, max_length=16)
    name_fa: str | None = Field(None, max_length=200)
    name_en: str | None = Field(None, max_length=200)
    reason: str = Field(min_length=3, max_length=1000,
                        description="Why (site report, decision reference): audited")


class AssetState(BaseModel):
    id: int
    network: Network
    kind: str
    status: WorkStatus
    planned_completion: dt.date | None
    completed_on: dt.date | None
    capacity: float | None
    capacity_unit: str | None


class SiteProperties(BaseModel):
    id: int
    code: str
    name_fa: str | None
    name_en: str | None
    status: SiteStatus
    area_m2: float | None


class SiteFeature(Feature[Polygon, SiteProperties]):
    links: list[Link] | None = Field(None, description="One site: its self link")


class SiteCollection(FeaturePage[Feature[Polygon, SiteProperties]]):
    """A page of customs sites, with ``self`` and (when more follow) ``next`` links."""


class SiteDecision(Input):
    status: SiteStatus
    decision_ref: str = Field(min_length=3, max_length=200,
                              description="The working group's decision reference")


class SiteState(BaseModel):
    code: str
    status: SiteStatus


class ExpansionProperties(BaseModel):
    id: int
    code: str
    district_code: str
    name_fa: str | None
    name_en: str | None
    decision_ref: str | None
    decision_date: dt.date | None
    status: str


class ExpansionFeature(Feature[Polygon, ExpansionProperties]):
    links: list[Link] | None = Field(None, description="One area: its self link")


class ExpansionCollection(FeaturePage[Feature[Polygon, ExpansionProperties]]):
    """Every expansion area, with a ``self`` link."""
