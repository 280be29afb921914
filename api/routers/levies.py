"""Land appraisals, levy tariffs and levies on dormant units that will not return.

Only staff and admins appraise land, add tariffs, issue levies and move them along their
ledger; staff and the working group read tariffs and quotes; an investor sees its own
units' levies (another's look missing: 404).
"""

from __future__ import annotations

from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from api.deps import SessionDep, WriteSessionDep
from api.params import RowId
from api.routers._programmes import LevyOfficer, Staff, act, dates, find_unit, written
from api.schemas.levies import (
    AppraisalCreate,
    AppraisalPublic,
    LevyCreate,
    LevyEventPublic,
    LevyPublic,
    LevyQuote,
    LevyTransition,
    TariffCreate,
    TariffPublic,
)
from api.security import CurrentUser
from zones import errors
from zones.model import Levy, LevyStatus, LevyTariff, PlotAppraisal, ProductionUnit, User
from zones.services import levies
from zones.services.access import visible_units
from zones.services.plots import find_plot
from zones.text import jalali, normalize

router = APIRouter(tags=["units"])


def tariff_public(t: LevyTariff) -> TariffPublic:
    return TariffPublic.model_validate(
        {"version": t.version, "schedule": t.schedule, "grace_months": t.grace_months,
         "terminate_after_years": t.terminate_after_years, "note": t.note,
         **dates(t, "valid_from")})


def levy_public(levy: Levy) -> LevyPublic:
    return LevyPublic(
        id=levy.id, unit=levy.unit.ref, year=levy.year, amount_rial=levy.amount_rial,
        tariff_version=levy.tariff_version, idle_year=levy.idle_year, share=levy.share,
        land_value_rial=levy.land_value_rial, days_charged=levy.days_charged,
        recommend_termination=levy.recommend_termination, status=levy.status,
        events=[LevyEventPublic.model_validate(
            {"from": e.from_status, "to": e.to_status, "note": e.note, "actor": e.actor,
             "at": e.at, "at_jalali": jalali(e.at, digits="latin")}) for e in levy.events])


def _levy_row(session: Session, user: User, levy_id: int) -> Levy:
    row = session.scalar(sa.select(Levy).join(ProductionUnit)
                         .where(Levy.id == levy_id, visible_units(user)))
    if row is None:
        raise errors.NotFound(f"no levy {levy_id}", levy=levy_id)
    return row


@router.post("/appraisals", status_code=201, response_model=AppraisalPublic,
             summary="Record a plot's appraised land value")
def add_appraisal(body: AppraisalCreate, session: WriteSessionDep,
                  user: LevyOfficer) -> AppraisalPublic:
    plot = find_plot(session=session, district_code=body.district, code=body.plot)
    act(session, user)
    session.add(PlotAppraisal(plot_id=plot.id, valued_on=body.valued_on,
                              rial_per_m2=body.rial_per_m2, appraiser=normalize(body.appraiser)))
    written(session)
    return AppraisalPublic(plot_id=plot.id, area_m2=plot.area_m2, **body.model_dump())


@router.get("/levies/tariffs", response_model=list[TariffPublic],
            summary="Levy tariff versions (staff)")
def list_tariffs(session: SessionDep, user: Staff) -> list[TariffPublic]:
    return [tariff_public(t) for t in session.scalars(sa.select(LevyTariff)
                                                      .order_by(LevyTariff.version))]


@router.post("/levies/tariffs", status_code=201, response_model=TariffPublic,
             summary="Add a tariff version (staff, admin)")
def add_tariff(body: TariffCreate, session: WriteSessionDep,
               user: LevyOfficer) -> TariffPublic:
    act(session, user)
    tariff = levies.create_tariff(session=session, **body.model_dump())
    written(session)
    return tariff_public(tariff)


@router.get("/levies", response_model=list[LevyPublic],
            summary="Levies the caller may see (an investor: its own)")
def list_levies(session: SessionDep, user: CurrentUser,
                year: Annotated[int | None, Query(ge=1300, le=1600)] = None,
                status: Annotated[LevyStatus | None, Query()] = None) -> list[LevyPublic]:
    stmt = (sa.select(Levy).join(ProductionUnit).where(visible_units(user))
            .order_by(Levy.year, ProductionUnit.ref))
    if year is not None:
        stmt = stmt.where(Levy.year == year)
    if status is not None:
        stmt = stmt.where(Levy.status == status)
    return [levy_public(x) for x in session.scalars(stmt)]


@router.get("/levies/{levy_id}", response_model=LevyPublic, summary="A levy and its ledger")
def get_levy(levy_id: RowId, session: SessionDep, user: CurrentUser) -> LevyPublic:
    return levy_public(_levy_row(session, user, levy_id))


@router.post("/levies/quote", response_model=LevyQuote,
             summary="Compute a levy without issuing it (staff)")
def quote_levy(body: LevyCreate, session: SessionDep, user: Staff) -> LevyQuote:
    q = levies.quote(session=session, unit=find_unit(session, user, body.unit), year=body.year)
    return LevyQuote.model_validate(q.__dict__)


@router.post("/levies", status_code=201, response_model=LevyPublic,
             summary="Issue a levy (staff, admin)")
def issue_levy(body: LevyCreate, session: WriteSessionDep, user: LevyOfficer) -> LevyPublic:
    unit = find_unit(session, user, body.unit)
    act(session, user, body.note)
    levy = levies.issue_levy(session=session, unit=unit, year=body.year, actor=user.username,
                             note=normalize(body.note))
    written(session)
    return levy_public(levy)


@router.post("/levies/{levy_id}/transitions", response_model=LevyPublic,
             summary="Paid, appealed, waived, re-issued")
def move_levy(levy_id: RowId, body: LevyTransition, session: WriteSessionDep,
              user: LevyOfficer) -> LevyPublic:
    levy = _levy_row(session, user, levy_id)
    act(session, user, body.note)
    levies.move_levy(session=session, levy=levy, to=body.to, actor=user.username,
                     note=normalize(body.note))
    written(session)
    return levy_public(levy)
