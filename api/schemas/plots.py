"""Plots: the GeoJSON the API serves, what staff may change on a plot, and its history.

Inputs forbid unknown fields: geometry, area, codes and validity are server-controlled
(geometry changes arrive as plan revisions), so a client can never set them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from geojson_pydantic import Feature, Polygon
from pydantic import BaseModel, Field

from api.ogc_schemas import FeaturePage
from api.params import Input
from zones.model import LandUse, PlotStatus


class PlotProperties(BaseModel):
    id: int
    district_code: str
    expansion_code: str | None
    code: str
    name_fa: str | None
    name_en: str | None
    land_use: LandUse
    status: PlotStatus
    max_coverage: float | None
    far: float | None
    area_m2: float


PlotFeature = Feature[Polygon, PlotProperties]


class PlotCollection(FeaturePage[PlotFeature]):
    """A page of current plots, with ``self`` and (when more follow) ``next`` links."""


class PlotUpdate(Input):
    """What staff may change on a current plot; every change is audited with its reason.

    ``status`` and ``land_use`` may be left out but not sent as null (see Input).
    """

    status: PlotStatus = Field(None)  # type: ignore[assignment]
    land_use: LandUse = Field(None)  # type: ignore[assignment]
    max_coverage: float | None = Field(None, gt=0, le=1)
    far: float | None = Field(None, gt=0, le=20)
    name_fa: str | None = Field(None, max_length=200)
    name_en: str | None = Field(None, max_length=200)
    reason: str = Field(min_length=3, max_length=1000,
                        description="Why (a decision reference): kept in the audit trail")


class PlotVersion(BaseModel):
    id: int
    code: str
    status: str
    land_use: str
    area_m2: float
    valid_from: dt.datetime
    valid_to: dt.datetime | None


class LineageEdge(BaseModel):
    parent_id: int
    child_id: int
    kind: str
    at: dt.datetime


class Event(BaseModel):
    at: dt.datetime
    actor: str
    action: str
    plot_id: int
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None


class History(BaseModel):
    versions: list[PlotVersion]
    lineage: list[LineageEdge]
    events: list[Event]
