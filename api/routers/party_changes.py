"""Registering and correcting investors and units.

Staff register and correct; an investor may correct its own contact details only. Inputs
forbid unknown fields, so ids, statuses, owners and timestamps can never be set here.
"""

from __future__ import annotations

from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Path

from api.deps import WriteSessionDep
from api.routers.parties import _unit
from api.schemas.parties import (
    CONTACT_FIELDS,
    InvestorCreate,
    InvestorPublic,
    InvestorUpdate,
    UnitCreate,
    UnitPublic,
    UnitUpdate,
)
from api.security import CurrentUser, require, require_role
from zones import errors
from zones.model import Investor, ProductionUnit, Role, User
from zones.security import STAFF_ROLES
from zones.services import parties
from zones.services.access import visible_investors, visible_units

router = APIRouter(tags=["parties"])
Ref = Annotated[str, Path(max_length=32)]
Staff = Annotated[User, require(*STAFF_ROLES)]


def _audit(session: WriteSessionDep, user: User, reason: str) -> None:
    session.info.update(actor=user.username, actor_id=user.id, reason=reason)


@router.post("/investors", response_model=InvestorPublic, status_code=201,
             summary="Register an investor (staff and up)")
def post_investor(body: InvestorCreate, user: Staff,
                  session: WriteSessionDep) -> InvestorPublic:
    _audit(session, user, body.reason)
    investor = parties.create_investor(session=session,
                                       values=body.model_dump(exclude={"reason"}))
    return InvestorPublic.model_validate(investor)


@router.patch("/investors/{ref}", response_model=InvestorPublic,
              summary="Correct an investor (staff; an investor its own contact details)")
def patch_investor(ref: Ref, body: InvestorUpdate, user: CurrentUser,
                   session: WriteSessionDep) -> InvestorPublic:
    investor = session.scalar(sa.select(Investor).where(Investor.ref == ref,
                                                        visible_investors(user)))
    if investor is None:
        raise errors.NotFound(f"no investor {ref!r}", investor=ref)
    changes = body.model_dump(exclude_unset=True, exclude={"reason"})
    if user.role is Role.INVESTOR and not set(changes) <= CONTACT_FIELDS:
        raise errors.Forbidden("investors may change their contact details only; ask staff",
                               fields=sorted(set(changes) - CONTACT_FIELDS))
    _audit(session, user, body.reason)
    parties.update_investor(session=session, investor=investor, changes=changes)
    return InvestorPublic.model_validate(investor)


@router.post("/units", response_model=UnitPublic, status_code=201,
             summary="Register a production unit for an investor (staff and up)")
def post_unit(body: UnitCreate, user: Staff, session: WriteSessionDep) -> UnitPublic:
    investor = session.scalar(sa.select(Investor).where(Investor.ref == body.investor_ref))
    if investor is None:
        raise errors.InvalidInput(f"no investor {body.investor_ref!r}",
                                  investor=body.investor_ref)
    _audit(session, user, body.reason)
    unit = parties.create_unit(session=session, investor=investor,
                               values=body.model_dump(exclude={"reason", "investor_ref"}))
    return _unit(unit)


@router.patch("/units/{ref}", response_model=UnitPublic,
              summary="Correct a unit's record (staff and up); status has its own workflow")
def patch_unit(ref: Ref, body: UnitUpdate, user: CurrentUser,
               session: WriteSessionDep) -> UnitPublic:
    unit = session.scalar(sa.select(ProductionUnit).where(ProductionUnit.ref == ref,
                                                          visible_units(user)))
    if unit is None:
        raise errors.NotFound(f"no unit {ref!r}", unit=ref)
    # After the visibility check, not a dependency: a unit the caller may not see is a
    # 404 (as GET answers) before being a 403.
    require_role(user, *STAFF_ROLES)
    _audit(session, user, body.reason)
    parties.update_unit(session=session, unit=unit,
                        changes=body.model_dump(exclude_unset=True, exclude={"reason"}))
    return _unit(unit)
