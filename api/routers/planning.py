"""Planning analysis (issue 8): expansion layouts, serviceability, readiness, customs siting.

Staff, the working group, consultants and admins run analyses and read saved scenarios;
anyone (the public too) may read a district's readiness. Analyses run on a read session;
``save=true`` then stores the run as a scenario in one short write transaction, so a long
analysis never holds the database's write lock.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from geojson_pydantic import Polygon
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.deps import SessionDep, WriteSessionDep
from api.geojson import GeoJSONResponse
from api.paging import Page, PageDep, fetch_page
from api.security import CurrentUser, MaybeUser, require_role
from zones import errors
from zones.model import District, Role, ScenarioKind, User
from zones.planning import analysis, inputs
from zones.planning.layout import LayoutParams, params_dict
from zones.planning.scenarios import (
    get_scenario,
    layout_layers,
    save_scenario,
    scenario_select,
)
from zones.planning.serviceability import ESSENTIAL, ServiceParams
from zones.planning.siting import DEFAULT_WEIGHTS, SitingParams

router = APIRouter(tags=["planning"])
ANALYSTS = (Role.STAFF, Role.WORKING_GROUP, Role.CONSULTANT, Role.ADMIN)
Code = Annotated[str, Path(max_length=32)]
Reach = Annotated[float, Query(gt=0, le=1000, description="metres from plot to network")]
Snap = Annotated[float, Query(gt=0, le=50, description="node snapping tolerance, metres")]
Name = Annotated[str, StringConstraints(min_length=1, max_length=100)]


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


def _save(session: Any, user: User, *, kind: ScenarioKind, title: str,
          district: District | None, inputs_: dict[str, Any], results: dict[str, Any]) -> int:
    session.info.update(actor=user.username, actor_id=user.id)
    scenario = save_scenario(session=session, kind=kind, title=title, district=district,
                             inputs=inputs_, results=results, created_by=user.username)
    session.commit()
    return scenario.id


@router.post("/planning/layouts", summary="Lay out an expansion area; compare scenarios")
def post_layouts(body: LayoutRequest, user: CurrentUser, session: SessionDep,
                 write: WriteSessionDep) -> dict[str, Any]:
    require_role(user, *ANALYSTS)
    area, srid, district_id = analysis.layout_area(
        session, expansion_code=body.expansion_code,
        geometry=body.geometry.model_dump() if body.geometry else None)
    session.close()  # its connection back to the pool before the write session takes one
    params = {name: p.params() for name, p in body.scenarios.items()}
    result = analysis.run_layouts(area, srid, params)
    if body.save:
        district = write.get(District, district_id) if district_id else None
        inputs_ = {"expansion_code": body.expansion_code,
                   "geometry": body.geometry.model_dump() if body.geometry else None,
                   "scenarios": {n: params_dict(p) for n, p in params.items()}}
        result["scenario_id"] = _save(write, user, kind=ScenarioKind.LAYOUT,
                                      title=body.title, district=district,
                                      inputs_=inputs_, results=result)
    return result


@router.post("/planning/customs-siting", summary="Score and choose customs sites")
def post_siting(body: SitingRequest, user: CurrentUser, session: SessionDep,
                write: WriteSessionDep) -> dict[str, Any]:
    require_role(user, *ANALYSTS)
    params = body.params()
    result = analysis.run_siting(session, body.district, params,
                                 generate=body.candidates == "generated",
                                 around_m=body.around_m)
    session.close()  # its connection back to the pool before the write session takes one
    if body.save:
        district = inputs.find_district(write, body.district)
        inputs_ = {**params.as_json(), "district": body.district,
                   "candidates": body.candidates, "around_m": body.around_m}
        result["scenario_id"] = _save(write, user, kind=ScenarioKind.SITING,
                                      title=body.title, district=district,
                                      inputs_=inputs_, results=result)
    return result


@router.get("/planning/scenarios", response_model=Page[ScenarioSummary])
def list_scenarios(session: SessionDep, user: CurrentUser, page: PageDep, request: Request,
                   kind: Annotated[ScenarioKind | None, Query()] = None
                   ) -> Page[ScenarioSummary]:
    require_role(user, *ANALYSTS)
    rows, link = fetch_page(session, scenario_select(kind=kind), page, request)
    return Page(items=[ScenarioSummary.model_validate(r) for r in rows], next=link)


@router.get("/planning/scenarios/{scenario_id}", response_model=ScenarioOut)
def read_scenario(scenario_id: Annotated[int, Path(ge=1, le=2**31 - 1)], session: SessionDep,
                  user: CurrentUser) -> ScenarioOut:
    require_role(user, *ANALYSTS)
    return ScenarioOut.model_validate(get_scenario(session=session, scenario_id=scenario_id))


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


@router.post("/planning/scenarios/{scenario_id}/draft-revision", response_model=DraftRevisionOut,
             status_code=201, summary="Turn a saved layout into a draft plan revision")
def post_draft_revision(scenario_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
                        body: DraftRevisionRequest, user: CurrentUser,
                        session: WriteSessionDep) -> DraftRevisionOut:
    require_role(user, *ANALYSTS)
    # Imported here: the revisions workflow is its own module and optional to this router.
    from zones.services.revisions import create_draft_revision
    from zones.uploads.contract import LayerRole

    scenario = get_scenario(session=session, scenario_id=scenario_id)
    layers = layout_layers(scenario, body.layout)
    if body.district is not None:
        district = inputs.find_district(session, body.district)
    elif scenario.district_id is not None:
        district = session.get(District, scenario.district_id)
    else:
        raise errors.InvalidInput("this layout was drawn on a free polygon: name its district",
                                  field="district")
    assert district is not None
    revision = create_draft_revision(
        session, district_code=district.code, title=body.title, user=user,
        source="layout", layers={LayerRole.PLOTS: layers["plots"],
                                 LayerRole.ROADS: layers["roads"]})
    return DraftRevisionOut(revision_id=revision.id, district=district.code,
                            number=revision.number, status=revision.status.value,
                            error_count=revision.error_count,
                            warning_count=revision.warning_count)


@router.get("/districts/{code}/serviceability", response_class=GeoJSONResponse,
            summary="Per plot: networks serving now, and when the rest will")
def get_serviceability(code: Code, session: SessionDep, user: CurrentUser,
                       reach_m: Reach = 60.0, snap_m: Snap = 1.0) -> GeoJSONResponse:
    require_role(user, *ANALYSTS)
    params = ServiceParams(reach_m=reach_m, snap_m=snap_m, essential=ESSENTIAL)
    return GeoJSONResponse(analysis.run_serviceability(session, code, params))


@router.get("/districts/{code}/readiness", summary="District readiness (public)")
def get_readiness(code: Code, session: SessionDep, user: MaybeUser,
                  reach_m: Reach = 60.0, snap_m: Snap = 1.0) -> dict[str, Any]:
    del user  # public: anyone may read readiness
    return analysis.run_readiness(session, code, ServiceParams(reach_m=reach_m, snap_m=snap_m))

