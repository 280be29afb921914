"""Planning analyses: layout and siting requests, saved scenarios, draft revisions, and
what the analyses answer (layouts, siting, serviceability, readiness).

Inputs forbid unknown fields. The answers' top-level members are typed; the figures
inside them (capacities, score components, per-network tables) are open objects whose
keys follow the parameters and networks of the zone, and GeoJSON members are
FeatureCollections in EPSG:4326.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from geojson_pydantic import Polygon
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from zones.planning.layout import LayoutParams
from zones.planning.siting import DEFAULT_WEIGHTS, SitingParams

Name = Annotated[str, StringConstraints(min_length=1, max_length=100)]
GeoJSONCollection = Annotated[dict[str, Any], Field(
    description="A GeoJSON FeatureCollection (EPSG:4326)",
    json_schema_extra={"required": ["type", "features"]})]


class LayoutParamsIn(BaseModel):
    """Layout parameters (metres, m², shares of the gross area); defaults from the brief."""

    model_config = ConfigDict(extra="forbid")

    spine_road_m: float = Field(30.0, gt=0, le=100)
    collector_road_m: float = Field(20.0, gt=0, le=100)
    local_road_m: float = Field(14.0, gt=0, le=100)
    plot_depth_m: float = Field(50.0, ge=10, le=1000)
    plot_frontage_m: float = Field(25.0, ge=5, le=1000)
    target_plot_area_m2: float = Field(2500.0, ge=100, le=500_000)
    block_length_m: float = Field(300.0, ge=50, le=5000)
    min_plot_area_m2: float = Field(1000.0, ge=0, le=500_000)
    min_plot_width_m: float = Field(20.0, ge=0, le=1000)
    angle_deg: float = Field(0.0, ge=-180, le=180)
    green_share: float = Field(0.08, ge=0, lt=0.9)
    utility_share: float = Field(0.05, ge=0, lt=0.9)
    coverage: float = Field(0.6, gt=0, le=1)
    far: float = Field(1.2, gt=0, le=20)

    def params(self) -> LayoutParams:
        return LayoutParams(**self.model_dump())


class LayoutRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    expansion_code: str | None = Field(None, max_length=32, examples=["D2-X"])
    geometry: Polygon | None = Field(None, description="EPSG:4326, when no expansion_code")
    scenarios: dict[Name, LayoutParamsIn] = Field(
        default_factory=lambda: {"default": LayoutParamsIn()}, min_length=1, max_length=6)
    save: bool = False
    title: str = Field("layout", min_length=1, max_length=300)


class SitingRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    district: str = Field("D3", max_length=32)
    candidates: str = Field("given", pattern="^(given|generated)$",
                            description="the stored customs sites, or free land generated")
    around_m: float = Field(1500.0, ge=0, le=10_000)
    weights: dict[Name, Annotated[float, Field(ge=0, le=1000)]] = Field(
        default_factory=lambda: dict(DEFAULT_WEIGHTS), max_length=len(DEFAULT_WEIGHTS))
    model: str = Field("p_median", pattern="^(p_median|mclp)$")
    p: int = Field(1, ge=1, le=50)
    service_radius_m: float = Field(3000.0, gt=0, le=100_000)
    fixed: list[Name] = Field(default_factory=list, max_length=50,
                             description="codes of existing sites that stay chosen")
    min_ha: float = Field(5.0, gt=0, le=1000)
    max_ha: float = Field(15.0, gt=0, le=1000)
    save: bool = False
    title: str = Field("customs siting", min_length=1, max_length=300)

    def params(self) -> SitingParams:
        return SitingParams(weights=self.weights, model=self.model, p=self.p,
                            service_radius_m=self.service_radius_m, fixed=tuple(self.fixed),
                            min_ha=self.min_ha, max_ha=self.max_ha)


class ScenarioSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    title: str
    district_id: int | None
    plan_revision_id: int | None
    created_by: str
    created_at: dt.datetime


class ScenarioOut(ScenarioSummary):
    inputs: dict[str, Any]
    results: dict[str, Any]


class DraftRevisionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    layout: str = Field(min_length=1, max_length=100,
                        description="name of the chosen layout within the scenario")
    title: str = Field(min_length=3, max_length=300)
    district: str | None = Field(None, max_length=32,
                                 description="needed when the layout was drawn on a free "
                                             "polygon rather than an expansion area")


class DraftRevisionOut(BaseModel):
    revision_id: int
    district: str
    number: int
    status: str
    error_count: int
    warning_count: int


class _Answer(BaseModel):
    # Answers are built by the analyses; members added there are passed on, not dropped.
    model_config = ConfigDict(extra="allow")


class LayoutScenarioResult(_Answer):
    name: str
    capacity: dict[str, Any] = Field(description="Plots, areas, shares and utility demand")
    layout: GeoJSONCollection


class LayoutsResult(_Answer):
    """Each scenario's layout and capacity, and a table comparing them."""

    scenarios: list[LayoutScenarioResult]
    comparison: list[dict[str, Any]] = Field(
        description="One row per figure: {figure, <scenario name>: value, ...}")
    scenario_id: int | None = Field(None, description="The saved scenario (save=true)")


class SitingResult(_Answer):
    """Candidate sites ranked and scored, the chosen ones, and a map explaining them."""

    ranked: list[dict[str, Any]] = Field(description="Each site's scores and distances")
    chosen: list[str]
    objective: float
    demand_points: int
    total_freight_t: float
    explanation: GeoJSONCollection
    scenario_id: int | None = Field(None, description="The saved scenario (save=true)")


class ServiceabilityCollection(_Answer):
    """Per plot (a GeoJSON feature): networks serving it now, later (a date) or never."""

    type: Literal["FeatureCollection"]
    features: list[dict[str, Any]]
    district: str
    params: dict[str, Any]
    demand_vs_capacity: Any = Field(description="Per network: demand against capacity")


class Readiness(_Answer):
    """Per network: shares complete and works remaining; plots ready now and by date."""

    district: str
    as_of: dt.date
    networks: list[dict[str, Any]]
    plots: dict[str, Any]
