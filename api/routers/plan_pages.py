"""A consultant's pages: upload a plan file, follow the job, the report and diff on a map.

Who sees what is the JSON API's rule (:mod:`api.routers.uploads`): a consultant sees the
revisions they uploaded (another's is 404), staff, the working group and admins see all.
Investors and the public have no plan pages (403); the published plan is on the zone map.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session, aliased

from api.deps import SessionDep, SettingsDep
from api.params import RowId
from api.routers.uploads import UPLOADERS, _load, _visible
from api.security import require
from maps.plan_pages import render_plans_page, render_revision_page
from zones.model import District, PlanRevision, Role, User

router = APIRouter(tags=["pages"])
PAGE_ROLES = UPLOADERS  # consultant, staff, working group, admin
SUBMITTERS = (Role.CONSULTANT, Role.STAFF, Role.ADMIN)
REVIEWERS = (Role.WORKING_GROUP, Role.STAFF, Role.ADMIN)
LIST_LIMIT = 500
PageUser = Annotated[User, require(*PAGE_ROLES)]
Lang = Annotated[Literal["fa", "en"], Query()]


def _rows(session: Session, where: Any, *, limit: int | None = None) -> list[dict[str, Any]]:
    """Revisions with their district's names and the uploader's name, newest first."""
    uploader = aliased(User)
    stmt = (sa.select(PlanRevision, District.code, District.name_fa, District.name_en,
                      uploader.display_name, uploader.username)
            .join(District, District.id == PlanRevision.district_id)
            .outerjoin(uploader, uploader.id == PlanRevision.uploaded_by_id)
            .where(where).order_by(PlanRevision.id.desc()).limit(limit))
    rows = []
    for revision, code, name_fa, name_en, display, username in session.execute(stmt):
        rows.append({
            "id": revision.id, "number": revision.number, "status": revision.status.value,
            "district_code": code, "district_name_fa": name_fa, "district_name_en": name_en,
            "uploaded_by": display or username, "created_at": revision.created_at,
            "submitted_at": revision.submitted_at, "error_count": revision.error_count,
            "warning_count": revision.warning_count, "checksum": revision.checksum,
            "original_filename": revision.original_filename,
            "decision_ref": revision.decision_ref})
    return rows


@router.get("/plans", response_class=HTMLResponse,
            summary="Plan revisions the caller may see, and the upload form (consultant, staff)")
def plans_page(session: SessionDep, settings: SettingsDep, user: PageUser,
               lang: Lang = "fa") -> HTMLResponse:
    districts = session.execute(sa.select(District.code, District.name_fa, District.name_en)
                                .order_by(District.number, District.code)).all()
    return HTMLResponse(render_plans_page(
        _rows(session, _visible(user), limit=LIST_LIMIT),
        [{"code": c, "name_fa": fa, "name_en": en} for c, fa, en in districts],
        can_upload=user.role in SUBMITTERS, can_review=user.role in REVIEWERS, lang=lang,
        static_prefix=settings.static_prefix, root=settings.root_path.rstrip("/")))


@router.get("/plans/{revision_id}", response_class=HTMLResponse,
            summary="One plan revision: problems on a map, the diff, submit")
def revision_page(revision_id: RowId, session: SessionDep,
                  settings: SettingsDep, user: PageUser, lang: Lang = "fa") -> HTMLResponse:
    revision = _load(session, revision_id, user)  # 404 for a revision the user may not see
    row = _rows(session, PlanRevision.id == revision.id)[0]
    return HTMLResponse(render_revision_page(
        row, revision.report or {}, can_submit=user.role in SUBMITTERS,
        can_review=user.role in REVIEWERS, lang=lang, static_prefix=settings.static_prefix,
        basemap_url=settings.basemap_url, basemap_attribution=settings.basemap_attribution,
        root=settings.root_path.rstrip("/")))
