"""An investor's pages: own units and requests, and the allocation-request form.

Who sees what is the JSON API's rule (:mod:`zones.services.access`): an investor sees
itself; staff, the working group and admins pick any investor with ``?investor=<ref>``;
consultants and others get 403. An investor naming another investor gets 404, exactly
as ``GET /investors/{ref}`` answers, so the page does not disclose which refs exist.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from api.deps import SessionDep, SettingsDep
from api.routers.allocation_requests import _from_view
from api.security import require
from maps.investor_pages import render_investor_home, render_request_form
from zones import errors
from zones.model import (
    Allocation,
    AllocationRequest,
    District,
    Investor,
    Plot,
    ProductionUnit,
    Role,
    User,
)
from zones.security import STAFF_ROLES
from zones.services.access import visible_investors
from zones.services.request_views import request_views, with_details
from zones.text import normalize

router = APIRouter(tags=["pages"])
PAGE_ROLES = (Role.INVESTOR, *STAFF_ROLES)
LIST_LIMIT = 200
Lang = Annotated[Literal["fa", "en"], Query()]
InvestorRef = Annotated[str | None, Query(max_length=32,
                                          description="Staff: whose page (investor ref)")]
# Investors and staff; consultants and others get 403.
PageUser = Annotated[User, require(*PAGE_ROLES)]


def _investor(session: Session, user: User, ref: str | None) -> Investor:
    """The investor whose page this is: the caller's own, or (staff) the one named."""
    if not ref:
        if user.role is Role.INVESTOR and user.investor_id is not None:
            return session.get_one(Investor, user.investor_id)
        if user.role is Role.INVESTOR:
            raise errors.Forbidden("this account is not linked to an investor",
                                   role=user.role.value)
        raise errors.InvalidInput("name the investor: ?investor=<ref>", field="investor")
    row = session.scalar(sa.select(Investor).where(Investor.ref == normalize(ref),
                                                   visible_investors(user)))
    if row is None:  # another investor's page looks exactly like a missing one
        raise errors.NotFound(f"no investor {ref!r}", investor=ref)
    return row


def _units(session: Session, investor: Investor) -> list[dict[str, Any]]:
    rows = session.scalars(sa.select(ProductionUnit).where(
        ProductionUnit.investor_id == investor.id).order_by(ProductionUnit.ref)).all()
    return [{"ref": u.ref, "name_fa": u.name_fa, "name_en": u.name_en, "status": u.status.value}
            for u in rows]


def _requests(session: Session, investor: Investor) -> list[dict[str, Any]]:
    """The investor's requests, newest first, with the plot each holds (if any)."""
    rows = session.scalars(with_details(sa.select(AllocationRequest).where(
        AllocationRequest.investor_id == investor.id)
        .order_by(AllocationRequest.id.desc()).limit(LIST_LIMIT))).all()
    allocated = {}
    ids = [r.allocation_id for r in rows if r.allocation_id is not None]
    if ids:
        allocated = {a_id: (district, code) for a_id, district, code in session.execute(
            sa.select(Allocation.id, District.code, Plot.code)
            .join(Plot, Allocation.plot_id == Plot.id)
            .join(District, Plot.district_id == District.id).where(Allocation.id.in_(ids)))}
    out = []
    # The status and reservation the JSON API reports, for the whole list at once.
    for row, view in zip(rows, request_views(session, rows), strict=True):
        shown = _from_view(view)
        out.append({"id": shown.id, "purpose": shown.purpose.value,
                    "area_min_m2": shown.area_min_m2, "area_max_m2": shown.area_max_m2,
                    "status": shown.status.value, "created_at": shown.created_at,
                    "reservation": shown.reservation.model_dump() if shown.reservation
                    else None,
                    "allocated_plot": allocated.get(row.allocation_id)})
    return out


@router.get("/my", response_class=HTMLResponse,
            summary="An investor's units and allocation requests (staff: ?investor=<ref>)")
def investor_home(session: SessionDep, settings: SettingsDep, user: PageUser,
                  investor: InvestorRef = None, lang: Lang = "fa") -> HTMLResponse:
    row = _investor(session, user, investor)
    return HTMLResponse(render_investor_home(
        {"ref": row.ref, "name_fa": row.name_fa, "name_en": row.name_en},
        units=_units(session, row), requests=_requests(session, row), lang=lang,
        static_prefix=settings.static_prefix, staff_view=user.role in STAFF_ROLES,
        root=settings.root_path.rstrip("/")))


@router.get("/my/requests/new", response_class=HTMLResponse,
            summary="The allocation-request form: pick plots on a map, describe the needs")
def request_form(session: SessionDep, settings: SettingsDep, user: PageUser,
                 investor: InvestorRef = None, lang: Lang = "fa") -> HTMLResponse:
    row = _investor(session, user, investor)
    districts = session.execute(sa.select(District.code, District.name_fa, District.name_en)
                                .order_by(District.number, District.code)).all()
    return HTMLResponse(render_request_form(
        {"ref": row.ref, "name_fa": row.name_fa, "name_en": row.name_en},
        units=_units(session, row),
        districts=[{"code": c, "name_fa": fa, "name_en": en} for c, fa, en in districts],
        lang=lang, static_prefix=settings.static_prefix,
        staff_view=user.role in STAFF_ROLES, basemap_url=settings.basemap_url,
        basemap_attribution=settings.basemap_attribution, root=settings.root_path.rstrip("/")))
