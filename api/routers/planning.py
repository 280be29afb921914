"""Planning analysis (issue 8): expansion layouts, serviceability, readiness, customs siting.

Staff, the working group, consultants and admins run analyses and read saved scenarios;
anyone (the public too) may read a district's readiness.

A layout or siting run is a POST, so its request session is a write session: on
SpatiaLite its transaction holds the database's write lock from the sign-in on. The
sign-in only reads, so the handler ends that transaction before the analysis (nothing is
lost), reads what the analysis needs in a read session of its own, and ``save=true``
then stores the run as a scenario in the request's session: one short write transaction,
committed with the request. A long analysis never holds the write lock.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from sqlalchemy.orm import Session

from api.deps import SessionDep, WriteSessionDep
from api.geojson import GeoJSONResponse
from api.paging import Page, PageDep, fetch_page
from api.schemas.planning import (
    DraftRevisionOut,
    DraftRevisionRequest,
    LayoutRequest,
    LayoutsResult,
    Readiness,
    ScenarioOut,
    ScenarioSummary,
    ServiceabilityCollection,
    SitingRequest,
    SitingResult,
)
from api.security import MaybeUser, require
from zones import errors
from zones.model import District, Role, ScenarioKind, User
from zones.planning import analysis, inputs
from zones.planning.layout import params_dict
from zones.planning.scenarios import (
    get_scenario,
    layout_layers,
    save_scenario,
    scenario_select,
)
from zones.planning.serviceability import ESSENTIAL, ServiceParams

router = APIRouter(tags=["planning"])
ANALYSTS = (Role.STAFF, Role.WORKING_GROUP, Role.CONSULTANT, Role.ADMIN)
Code = Annotated[str, Path(max_length=32)]
Reach = Annotated[float, Query(gt=0, le=1000, description="metres from plot to network")]
Snap = Annotated[float, Query(gt=0, le=50, description="node snapping tolerance, metres")]
Analyst = Annotated[User, require(*ANALYSTS)]


def _save(session: Session, user: User, *, kind: ScenarioKind, title: str,
          district: District | None, inputs_: dict[str, Any], results: dict[str, Any]) -> int:
    """Store the run as a scenario in the request's unit of work (committed with it)."""
    session.info.update(actor=user.username, actor_id=user.id)
    scenario = save_scenario(session=session, kind=kind, title=title, district=district,
                             inputs=inputs_, results=results, created_by=user.username)
    return scenario.id


def _reader(request: Request, session: Session) -> Session:
    """A read session for an analysis, the request's own transaction ended first.

    Nothing has been written in the request's session yet (the sign-in only reads), so
    closing it loses nothing and lets go of SpatiaLite's write lock; the save that may
    follow begins a new, short transaction in the same session.
    """
    session.close()
    reader: Session = request.app.state.sessions()
    return reader


@router.post("/planning/layouts", response_model=LayoutsResult,
             response_model_exclude_unset=True,
             summary="Lay out an expansion area; compare scenarios")
def post_layouts(body: LayoutRequest, user: Analyst, session: WriteSessionDep,
                 request: Request) -> dict[str, Any]:
    with _reader(request, session) as reader:
        area, srid, district_id = analysis.layout_area(
            reader, expansion_code=body.expansion_code,
            geometry=body.geometry.model_dump() if body.geometry else None)
    params = {name: p.params() for name, p in body.scenarios.items()}
    result = analysis.run_layouts(area, srid, params)
    if body.save:
        district = session.get(District, district_id) if district_id else None
        inputs_ = {"expansion_code": body.expansion_code,
                   "geometry": body.geometry.model_dump() if body.geometry else None,
                   "scenarios": {n: params_dict(p) for n, p in params.items()}}
        result["scenario_id"] = _save(session, user, kind=ScenarioKind.LAYOUT,
                                      title=body.title, district=district,
                                      inputs_=inputs_, results=result)
    return result


@router.post("/planning/customs-siting", response_model=SitingResult,
             response_model_exclude_unset=True, summary="Score and choose customs sites")
def post_siting(body: SitingRequest, user: Analyst, session: WriteSessionDep,
                request: Request) -> dict[str, Any]:
    params = body.params()
    with _reader(request, session) as reader:
        result = analysis.run_siting(reader, body.district, params,
                                     generate=body.candidates == "generated",
                                     around_m=body.around_m)
    if body.save:
        district: District | None = inputs.find_district(session, body.district)
        inputs_ = {**params.as_json(), "district": body.district,
                   "candidates": body.candidates, "around_m": body.around_m}
        result["scenario_id"] = _save(session, user, kind=ScenarioKind.SITING,
                                      title=body.title, district=district,
                                      inputs_=inputs_, results=result)
    return result


@router.get("/planning/scenarios", response_model=Page[ScenarioSummary])
def list_scenarios(session: SessionDep, user: Analyst, page: PageDep, request: Request,
                   kind: Annotated[ScenarioKind | None, Query()] = None
                   ) -> Page[ScenarioSummary]:
    rows, link = fetch_page(session, scenario_select(kind=kind), page, request)
    return Page(items=[ScenarioSummary.model_validate(r) for r in rows], next=link)


@router.get("/planning/scenarios/{scenario_id}", response_model=ScenarioOut)
def read_scenario(scenario_id: Annotated[int, Path(ge=1, le=2**31 - 1)], session: SessionDep,
                  user: Analyst) -> ScenarioOut:
    return ScenarioOut.model_validate(get_scenario(session=session, scenario_id=scenario_id))


@router.post("/planning/scenarios/{scenario_id}/draft-revision", response_model=DraftRevisionOut,
             status_code=201, summary="Turn a saved layout into a draft plan revision")
def post_draft_revision(scenario_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
                        body: DraftRevisionRequest, user: Analyst,
                        session: WriteSessionDep) -> DraftRevisionOut:
    # Imported here: the revisions workflow is its own module and optional to this router.
    from zones.services.revisions import create_draft_revision
    from zones.uploads.contract import LayerRole

    scenario = get_scenario(session=session, scenario_id=scenario_id)
    layers = layout_layers(scenario, body.layout)
    if body.district is not None:
        district: District | None = inputs.find_district(session, body.district)
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


@router.get("/districts/{code}/serviceability", response_model=ServiceabilityCollection,
            response_class=GeoJSONResponse,
            summary="Per plot: networks serving now, and when the rest will")
def get_serviceability(code: Code, session: SessionDep, user: Analyst,
                       reach_m: Reach = 60.0, snap_m: Snap = 1.0) -> GeoJSONResponse:
    params = ServiceParams(reach_m=reach_m, snap_m=snap_m, essential=ESSENTIAL)
    return GeoJSONResponse(analysis.run_serviceability(session, code, params))


@router.get("/districts/{code}/readiness", response_model=Readiness,
            summary="District readiness (public)")
def get_readiness(code: Code, session: SessionDep, user: MaybeUser,
                  reach_m: Reach = 60.0, snap_m: Snap = 1.0) -> dict[str, Any]:
    del user  # public: anyone may read readiness
    return analysis.run_readiness(session, code, ServiceParams(reach_m=reach_m, snap_m=snap_m))

