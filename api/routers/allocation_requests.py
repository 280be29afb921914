"""Plot allocation requests: submit, match, review, reserve, decide (issue 6).

Investors see and act on their own requests only (another investor's is a 404); staff
(staff, working group, admin) see all and review; only the working group approves,
rejects and draws lotteries. Bodies forbid unknown fields: status, scores' computed
parts, allocation and decision links are server-controlled.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any, Literal

import shapely
import sqlalchemy as sa
from fastapi import APIRouter, Header, Path, Query, Request, Response
from sqlalchemy.orm import Session

from api.deps import SessionDep, SettingsDep, WriteSessionDep
from api.geojson import GEOJSON, GeoJSONResponse
from api.paging import Page, PageDep, fetch_page
from api.schemas.requests import (
    MATCHES_GEOJSON,
    Approve,
    LotteryDraw,
    LotteryPublic,
    MatchesPublic,
    MatchPublic,
    OverdueObligation,
    PlotRef,
    Ranked,
    Reason,
    Reject,
    RequestCreate,
    RequestPublic,
    ReservationPublic,
    Reserve,
    Review,
    ScorePublic,
    StatusStep,
)
from api.security import CurrentUser, require
from zones import errors
from zones.model import (
    AllocationRequest,
    District,
    Investor,
    Plot,
    RequestStatus,
    Reservation,
    Role,
    User,
)
from zones.security import STAFF_ROLES
from zones.services import decisions, matching, requests, scoring
from zones.services.access import investor_filter
from zones.services.plots import find_plot
from zones.services.request_views import RequestView, request_views, with_details
from zones.text import jalali, normalize

router = APIRouter(tags=["allocation requests"])
Code = Annotated[str, Path(max_length=64)]
Staff = Annotated[User, require(*STAFF_ROLES)]
WorkingGroup = Annotated[User, require(Role.WORKING_GROUP)]


def _from_view(view: RequestView) -> RequestPublic:
    request = view.request
    held = view.reservation
    reservation = None if held is None else ReservationPublic(
        district=held.district, code=held.code, expires_at=held.expires_at,
        expires_jalali=jalali(held.expires_at))
    data = {k: getattr(request, k) for k in (
        "id", "purpose", "expansion_kind", "isic4", "env_group", "area_min_m2", "area_max_m2",
        "power_kva", "water_m3_day", "needs_gas", "needs_rail", "preferred_districts",
        "licence_no", "licence_expiry", "investment_rial", "jobs", "export_share",
        "knowledge_based", "note", "decision_ref", "allocation_id", "created_at")}
    return RequestPublic(
        **data, investor_ref=view.investor_ref, unit_ref=view.unit_ref, status=view.status,
        preferred_plots=[PlotRef(district=d, code=c) for d, c in request.preferred_plots],
        licence_expiry_jalali=jalali(request.licence_expiry), reservation=reservation,
        total_score=round(sum(s.points for s in request.scores), 2),
        scores=[ScorePublic(criterion=s.criterion, points=s.points, max_points=s.max_points,
                            computed=s.computed, note=s.note, scored_by=s.scored_by)
                for s in request.scores],
        history=[StatusStep(from_status=h.from_status, to_status=h.to_status, actor=h.actor,
                            reason=h.reason, at=h.at) for h in request.history])


def _public(session: Session, request: AllocationRequest) -> RequestPublic:
    """One request as the API shows it (a page of them: :func:`request_views`)."""
    return _from_view(request_views(session, [request])[0])


def _load(session: Session, user: User, request_id: int) -> AllocationRequest:
    """The request if ``user`` may see it; another investor's looks like a missing one."""
    row = session.scalar(sa.select(AllocationRequest).where(
        AllocationRequest.id == request_id,
        investor_filter(user, AllocationRequest.investor_id)))
    if row is None:
        raise errors.RequestNotFound(f"no request {request_id}", request_id=request_id)
    return row


def _acting(session: Session, user: User) -> None:
    session.info.update(actor=user.username, actor_id=user.id)


RequestId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.post("/requests", response_model=RequestPublic, status_code=201,
             summary="Submit an allocation request (an investor for itself; staff for one)",
             responses={200: {"description": "Replay: the request stored under this key",
                              "model": RequestPublic}})
def submit_request(body: RequestCreate, user: CurrentUser, session: WriteSessionDep,
                   settings: SettingsDep, response: Response,
                   idempotency_key: Annotated[str | None, Header(max_length=100)] = None,
                   ) -> RequestPublic:
    key = idempotency_key or body.idempotency_key
    if not key:
        raise errors.InvalidInput("send an Idempotency-Key header or idempotency_key field",
                                  field="idempotency_key")
    if user.role in STAFF_ROLES:
        if not body.investor_ref:
            raise errors.InvalidInput("staff must name investor_ref", field="investor_ref")
        investor = session.scalar(sa.select(Investor).where(Investor.ref == body.investor_ref))
    elif user.role is Role.INVESTOR and user.investor_id is not None:
        investor = session.get(Investor, user.investor_id)
        if investor is not None and body.investor_ref and body.investor_ref != investor.ref:
            investor = None  # filing for another investor: as if it did not exist
    else:
        raise errors.Forbidden(f"role {user.role.value} may not file requests",
                               role=user.role.value)
    if investor is None:
        raise errors.NotFound(f"no investor {body.investor_ref!r}", investor=body.investor_ref)
    _acting(session, user)
    fields = body.model_dump(exclude={"investor_ref", "idempotency_key", "preferred_plots"})
    data = requests.RequestInput(
        **fields, preferred_plots=[(p.district, p.code) for p in body.preferred_plots])
    request, created = requests.submit(
        session=session, investor=investor, data=data, idempotency_key=key,
        actor=user.username, submitted_by_id=user.id, open_max=settings.requests_open_max)
    if not created:
        response.status_code = 200
    return _public(session, request)


@router.get("/requests", response_model=Page[RequestPublic],
            summary="Requests the caller may see (an investor: its own; staff: all)")
def list_requests(
    session: SessionDep, user: CurrentUser, page: PageDep, request: Request,
    status: Annotated[RequestStatus | None, Query()] = None,
    district: Annotated[str | None, Query(max_length=32,
                                          description="Preferred or reserved district")] = None,
) -> Page[RequestPublic]:
    r = AllocationRequest
    stmt = sa.select(r).where(investor_filter(user, r.investor_id)).order_by(r.id.desc())
    if status is not None:
        stmt = stmt.where(r.status == status)
    if district:
        code = normalize(district) or ""
        reserved_there = (sa.select(Reservation.request_id).join(Plot, Reservation.plot_id ==
                                                                 Plot.id)
                          .join(District, Plot.district_id == District.id)
                          .where(District.code == code))
        # JSON text holds each code in quotes on both backends; a plot as ["D1", "12"].
        quoted = json.dumps(code, ensure_ascii=False)
        stmt = stmt.where(sa.or_(
            sa.cast(r.preferred_districts, sa.String).contains(quoted, autoescape=True),
            sa.cast(r.preferred_plots, sa.String).contains(f"[{quoted},", autoescape=True),
            r.id.in_(reserved_there)))
    rows, link = fetch_page(session, with_details(stmt), page, request)
    return Page(items=[_from_view(v) for v in request_views(session, rows)], next=link)


@router.get("/requests/{request_id}", response_model=RequestPublic)
def get_request(request_id: RequestId, session: SessionDep, user: CurrentUser) -> RequestPublic:
    return _public(session, _load(session, user, request_id))


@router.get("/requests/{request_id}/matches", response_model=MatchesPublic,
            summary="Vacant plots ranked for the request, every score component explained",
            responses={200: {"content": {GEOJSON: {"schema": MATCHES_GEOJSON}},
                             "description": "JSON, or with format=geojson the plots on a map"}})
def get_matches(request_id: RequestId, session: SessionDep, user: CurrentUser,
                settings: SettingsDep,
                limit: Annotated[int, Query(ge=1, le=200)] = 20,
                format: Annotated[Literal["json", "geojson"], Query()] = "json",
                ) -> Any:
    found = matching.match(session=session, request=_load(session, user, request_id),
                           settings=settings, limit=limit)
    items = [MatchPublic(plot_id=m.plot_id, district=m.district, code=m.code,
                         area_m2=m.area_m2, score=m.score, adjacent_m=m.adjacent_m,
                         components=m.components) for m in found.items]
    if format == "geojson":
        geometries = shapely.to_geojson([m.geometry for m in found.items]) if items else []
        return GeoJSONResponse(json.loads(json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "id": i.plot_id, "geometry": json.loads(g),
             "properties": i.model_dump()} for i, g in zip(items, geometries, strict=True)]},
            default=str)))
    return MatchesPublic(request_id=found.request_id, candidates=found.candidates,
                         excluded=found.excluded,
                         expansion_only_districts=found.expansion_only_districts, items=items)


@router.post("/requests/{request_id}/withdraw", response_model=RequestPublic)
def withdraw_request(request_id: RequestId, body: Reason, session: WriteSessionDep,
                     user: CurrentUser) -> RequestPublic:
    request = _load(session, user, request_id)
    _acting(session, user)
    requests.withdraw(session=session, request=request, actor=user.username, reason=body.reason)
    return _public(session, request)


@router.post("/requests/{request_id}/review", response_model=RequestPublic,
             summary="Staff score a request; a submitted request goes under review")
def review_request(request_id: RequestId, body: Review, session: WriteSessionDep,
                   user: Staff, settings: SettingsDep) -> RequestPublic:
    request = _load(session, user, request_id)
    _acting(session, user)
    if request.status is RequestStatus.SUBMITTED:
        requests.transition(session=session, request=request, to=RequestStatus.UNDER_REVIEW,
                            actor=user.username)
    elif request.status is not RequestStatus.UNDER_REVIEW:
        raise errors.TransitionForbidden(f"a {request.status.value} request is not reviewed",
                                         request_id=request.id, status=request.status.value,
                                         to="under_review")
    scoring.score(session=session, request=request, staff_scores=body.scores,
                  weights=settings.score_weights, actor=user.username, notes=body.notes)
    session.flush()
    session.refresh(request)
    return _public(session, request)


@router.post("/requests/{request_id}/reserve", response_model=RequestPublic,
             summary="Hold a plot for the request for the reservation time (staff)")
def reserve_plot(request_id: RequestId, body: Reserve, session: WriteSessionDep,
                 user: Staff, settings: SettingsDep) -> RequestPublic:
    request = _load(session, user, request_id)
    plot = find_plot(session=session, district_code=body.plot.district, code=body.plot.code)
    decisions.reserve(session=session, request_id=request.id, plot_id=plot.id,
                      actor=user.username, settings=settings)
    session.refresh(request)
    return _public(session, request)


@router.post("/requests/{request_id}/release", response_model=RequestPublic,
             summary="Free the reserved plot and send the request back to review (staff)")
def release_reservation(request_id: RequestId, body: Reason, session: WriteSessionDep,
                        user: Staff, settings: SettingsDep) -> RequestPublic:
    request = _load(session, user, request_id)
    session.info.update(actor_id=user.id, reason=body.reason or "reservation released")
    decisions.release(session=session, request_id=request.id, actor=user.username,
                      reason=normalize(body.reason) if body.reason else None,
                      settings=settings)
    session.refresh(request)
    return _public(session, request)


@router.post("/requests/{request_id}/approve", response_model=RequestPublic,
             summary="Allocate the reserved (or named) plot: working group only")
def approve_request(request_id: RequestId, body: Approve, session: WriteSessionDep,
                    user: WorkingGroup, settings: SettingsDep) -> RequestPublic:
    request = _load(session, user, request_id)
    plot_id = None
    if body.plot is not None:
        plot_id = find_plot(session=session, district_code=body.plot.district,
                            code=body.plot.code).id
    session.info.update(actor_id=user.id, reason=body.decision_ref)
    decisions.approve(session=session, request_id=request.id, actor=user.username,
                      decision_ref=normalize(body.decision_ref) or "", plot_id=plot_id,
                      start_date=body.start_date, settings=settings)
    session.refresh(request)
    return _public(session, request)


@router.post("/requests/{request_id}/reject", response_model=RequestPublic,
             summary="Reject a request: working group only")
def reject_request(request_id: RequestId, body: Reject, session: WriteSessionDep,
                   user: WorkingGroup) -> RequestPublic:
    request = _load(session, user, request_id)
    _acting(session, user)
    requests.reject(session=session, request=request, actor=user.username,
                    decision_ref=body.decision_ref, reason=body.reason)
    return _public(session, request)


@router.post("/plots/{district}/{code}/lottery", response_model=LotteryPublic, status_code=201,
             summary="Draw among requests competing for a plot; seed and result recorded")
def draw_lottery(district: Code, code: Code, body: LotteryDraw, session: WriteSessionDep,
                 user: WorkingGroup) -> LotteryPublic:
    plot = find_plot(session=session, district_code=district, code=code)
    _acting(session, user)
    ranked = decisions.competitors(session, plot)
    drawn = decisions.draw_lottery(session=session, plot=plot, actor=user.username,
                                   seed=body.seed)
    return LotteryPublic(id=drawn.id, district=normalize(district) or "", code=plot.code,
                         seed=drawn.seed, candidates=drawn.candidates, result=drawn.result,
                         winner=drawn.result[0], at=drawn.at,
                         by_score=[Ranked(request_id=r.id, total_score=s) for r, s in ranked])


@router.get("/obligations/overdue", response_model=list[OverdueObligation],
            summary="Open obligations past their due date (staff)")
def overdue(session: SessionDep, user: Staff,
            on: Annotated[dt.date | None, Query(description="As of (default today)")] = None,
            ) -> list[OverdueObligation]:
    today = on or dt.date.today()
    return [OverdueObligation(id=r.id, kind=r.kind.value, due_date=r.due_date,
                              due_jalali=jalali(r.due_date),
                              days_overdue=(today - r.due_date).days,
                              allocation_id=r.allocation_id, district=r.district, plot=r.plot,
                              investor_ref=r.investor_ref, investor_name_fa=r.investor_name_fa)
            for r in decisions.overdue_obligations(session, today)]
