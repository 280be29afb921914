"""The working group's review queue: plan revisions and allocation requests to decide.

Staff roles (staff, working group, admin) see the queue; investors and consultants get a
403. The page's controls follow the JSON API's rules: only the working group approves or
rejects (revisions and requests), staff roles score and reserve. The page shows nothing
the JSON API would not show the same user (staff roles see every request and revision).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session, aliased, selectinload

from api.deps import SessionDep, SettingsDep
from api.security import CurrentUser, require_role
from maps.review_page import QUEUED, render_review_page
from zones.model import (
    AllocationRequest,
    District,
    Investor,
    PlanRevision,
    Plot,
    RequestStatus,
    RevisionStatus,
    Role,
    User,
    utcnow,
)
from zones.security import STAFF_ROLES
from zones.services import decisions, scoring
from zones.services.plan_diff import diff_revision
from zones.settings import Settings

router = APIRouter(tags=["pages"])
QUEUE_LIMIT = 500  # a working queue, not an archive: the oldest first


def queued_revisions(session: Session) -> list[dict[str, Any]]:
    """Submitted revisions, oldest submission first, with their diff counts."""
    uploader = aliased(User)
    stmt = (sa.select(PlanRevision, District.code, District.name_fa, District.name_en,
                      uploader.display_name, uploader.username)
            .join(District, District.id == PlanRevision.district_id)
            .outerjoin(uploader, uploader.id == PlanRevision.uploaded_by_id)
            .where(PlanRevision.status == RevisionStatus.SUBMITTED)
            .order_by(PlanRevision.submitted_at, PlanRevision.id).limit(QUEUE_LIMIT))
    rows = []
    for revision, code, name_fa, name_en, display, username in session.execute(stmt).all():
        diff = diff_revision(session, revision)  # what GET /revisions/{id}/diff counts
        rows.append({
            "id": revision.id, "number": revision.number, "title": revision.title,
            "district_code": code, "district_name_fa": name_fa, "district_name_en": name_en,
            "uploaded_by": display or username, "submitted_at": revision.submitted_at,
            "created_at": revision.created_at, "error_count": revision.error_count,
            "warning_count": revision.warning_count, "held": len(diff.held_changes),
            # Approval must acknowledge this number (POST /revisions/{id}/approve).
            "retire": diff.retire_count, "retire_codes": [c.code for c in diff.removed],
            "diff": {"added": len(diff.added), "removed": len(diff.removed),
                     "reshaped": len(diff.reshaped), "recoded": len(diff.recoded)}})
    return rows


def _reserved(session: Session, request: AllocationRequest, now: dt.datetime
              ) -> dict[str, Any] | None:
    held = decisions.live_reservation(session, now=now, request_id=request.id)
    if held is None:
        return None
    code, district = session.execute(sa.select(Plot.code, District.code).join(
        District, District.id == Plot.district_id).where(Plot.id == held.plot_id)).one()
    return {"district": district, "code": code, "expires_at": held.expires_at}


def queued_requests(session: Session, settings: Settings) -> list[dict[str, Any]]:
    """Requests awaiting review or a decision, oldest first; a lapsed reservation is out."""
    now = utcnow()
    staff = set(scoring.staff_criteria(settings.score_weights))
    stmt = (sa.select(AllocationRequest, Investor.ref, Investor.name_fa, Investor.name_en)
            .join(Investor, Investor.id == AllocationRequest.investor_id)
            .where(AllocationRequest.status.in_([RequestStatus(s) for s in QUEUED]))
            .options(selectinload(AllocationRequest.scores))
            .order_by(AllocationRequest.created_at, AllocationRequest.id).limit(QUEUE_LIMIT))
    rows = []
    for request, ref, name_fa, name_en in session.execute(stmt).all():
        status = decisions.shown_status(session, request, now)
        if status.value not in QUEUED:
            continue
        rows.append({
            "id": request.id, "status": status.value, "investor_ref": ref,
            "investor_name_fa": name_fa, "investor_name_en": name_en,
            "purpose": request.purpose.value, "isic4": request.isic4,
            "area_min_m2": request.area_min_m2, "area_max_m2": request.area_max_m2,
            "total_score": (round(sum(s.points for s in request.scores), 2)
                            if request.scores else None),
            "staff_scores": {s.criterion: s.points for s in request.scores
                             if s.criterion in staff and not s.computed},
            "reserved": _reserved(session, request, now),
            "preferred_plots": [list(p) for p in request.preferred_plots],
            "created_at": request.created_at})
    return rows


@router.get("/review", response_class=HTMLResponse,
            summary="The review queue: plan revisions and allocation requests to decide")
def review_page(session: SessionDep, settings: SettingsDep, user: CurrentUser,
                lang: Annotated[Literal["fa", "en"], Query()] = "fa") -> HTMLResponse:
    require_role(user, *STAFF_ROLES)
    criteria = [(name, settings.score_weights[name])
                for name in scoring.staff_criteria(settings.score_weights)]
    return HTMLResponse(render_review_page(
        queued_revisions(session), queued_requests(session, settings), criteria=criteria,
        can_decide=user.role is Role.WORKING_GROUP, can_review=user.role in STAFF_ROLES,
        lang=lang, static_prefix=settings.static_prefix, now=utcnow(),
        root=settings.root_path.rstrip("/")))
