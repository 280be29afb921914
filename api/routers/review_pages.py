"""The working group's review queue: plan revisions and allocation requests to decide.

Staff roles (staff, working group, admin) see the queue; investors and consultants get a
403. The page's controls follow the JSON API's rules: only the working group approves or
rejects (revisions and requests), staff roles score and reserve. The page shows nothing
the JSON API would not show the same user (staff roles see every request and revision).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session, aliased, selectinload

from api.deps import SessionDep, SettingsDep
from api.security import require
from maps.review_page import QUEUED, render_review_page
from zones.model import (
    AllocationRequest,
    District,
    Investor,
    PlanRevision,
    RequestStatus,
    RevisionStatus,
    Role,
    User,
    utcnow,
)
from zones.security import STAFF_ROLES
from zones.services import scoring
from zones.services.plan_diff import diff_revision
from zones.services.request_views import request_views
from zones.settings import Settings

router = APIRouter(tags=["pages"])
QUEUE_LIMIT = 500  # a working queue, not an archive: the oldest first
Staff = Annotated[User, require(*STAFF_ROLES)]


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


def queued_requests(session: Session, settings: Settings) -> list[dict[str, Any]]:
    """Requests awaiting review or a decision, oldest first; a lapsed reservation is out."""
    now = utcnow()
    staff = set(scoring.staff_criteria(settings.score_weights))
    stmt = (sa.select(AllocationRequest, Investor.ref, Investor.name_fa, Investor.name_en)
            .join(Investor, Investor.id == AllocationRequest.investor_id)
            .where(AllocationRequest.status.in_([RequestStatus(s) for s in QUEUED]))
            .options(selectinload(AllocationRequest.scores))
            .order_by(AllocationRequest.created_at, AllocationRequest.id).limit(QUEUE_LIMIT))
    found = session.execute(stmt).all()
    # Shown status and held plot for the whole queue in two queries (request_views).
    views = request_views(session, [row[0] for row in found], now=now)
    rows = []
    for (request, ref, name_fa, name_en), view in zip(found, views, strict=True):
        if view.status.value not in QUEUED:
            continue
        held = view.reservation
        rows.append({
            "id": request.id, "status": view.status.value, "investor_ref": ref,
            "investor_name_fa": name_fa, "investor_name_en": name_en,
            "purpose": request.purpose.value, "isic4": request.isic4,
            "area_min_m2": request.area_min_m2, "area_max_m2": request.area_max_m2,
            "total_score": (round(sum(s.points for s in request.scores), 2)
                            if request.scores else None),
            "staff_scores": {s.criterion: s.points for s in request.scores
                             if s.criterion in staff and not s.computed},
            "reserved": None if held is None else {
                "district": held.district, "code": held.code, "expires_at": held.expires_at},
            "preferred_plots": [list(p) for p in request.preferred_plots],
            "created_at": request.created_at})
    return rows


@router.get("/review", response_class=HTMLResponse,
            summary="The review queue: plan revisions and allocation requests to decide")
def review_page(session: SessionDep, settings: SettingsDep, user: Staff,
                lang: Annotated[Literal["fa", "en"], Query()] = "fa") -> HTMLResponse:
    criteria = [(name, settings.score_weights[name])
                for name in scoring.staff_criteria(settings.score_weights)]
    return HTMLResponse(render_review_page(
        queued_revisions(session), queued_requests(session, settings), criteria=criteria,
        can_decide=user.role is Role.WORKING_GROUP, can_review=user.role in STAFF_ROLES,
        lang=lang, static_prefix=settings.static_prefix, now=utcnow(),
        root=settings.root_path.rstrip("/")))
