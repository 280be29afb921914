"""Registering and correcting investors and units.

Staff register and correct; an investor may correct its own contact details only. Inputs
forbid unknown fields, so ids, statuses, owners and timestamps can never be set here.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Path
from pydantic import EmailStr, Field

from api.deps import WriteSessionDep
from api.params import Input
from api.routers.parties import InvestorPublic, UnitPublic, _unit
from api.security import CurrentUser, require_role
from zones import errors
from zones.model import EnvGroup, Investor, PartyKind, ProductionUnit, Role
from zones.security import STAFF_ROLES
from zones.services import parties
from zones.services.access import visible_investors, visible_units

router = APIRouter(tags=["parties"])
Ref = Annotated[str, Path(max_length=32)]
RefField = Annotated[str, Field(min_length=2, max_length=32, pattern=r"^[\w\-/.]+$",
                                examples=["INV-132"])]
Reason = Annotated[str, Field(min_length=3, max_length=1000,
                              description="Why (letter or decision reference): audited")]


class Contact(Input):
    email: EmailStr | None = None
    phone: str | None = Field(None, max_length=50, pattern=r"^[+\d۰-۹٠-٩ ()\-]+$")
    address: str | None = Field(None, max_length=500)


class InvestorCreate(Contact):
    ref: RefField
    kind: PartyKind
    name_fa: str = Field(min_length=2, max_length=300)
    name_en: str | None = Field(None, max_length=300)
    nationality: str = Field(min_length=2, max_length=2, pattern=r"^[A-Z]{2}$",
                             description="ISO 3166-1 alpha-2", examples=["IR"])
    national_id: str | None = Field(None, max_length=32)
    reason: Reason


class InvestorUpdate(Contact):
    name_fa: str = Field(None, min_length=2, max_length=300)  # not null (see Input)
    name_en: str | None = Field(None, max_length=300)
    national_id: str | None = Field(None, max_length=32)
    reason: Reason


CONTACT_FIELDS = frozenset(Contact.model_fields)


class UnitCreate(Input):
    ref: RefField
    investor_ref: RefField
    name_fa: str = Field(min_length=2, max_length=300)
    name_en: str | None = Field(None, max_length=300)
    isic4: str = Field(pattern=r"^\d{4}$", description="ISIC Rev.4 class", examples=["1079"])
    products: list[dict[str, Any]] = Field(default_factory=list, max_length=50)
    employment_licensed: int | None = Field(None, ge=0, le=100_000)
    env_group: EnvGroup | None = None
    knowledge_based: bool = False
    export_share: float | None = Field(None, ge=0, le=1)
    investment_rial: int | None = Field(None, ge=0, le=10**15)
    investment_usd: int | None = Field(None, ge=0, le=10**15)
    establishment_licence_no: str | None = Field(None, max_length=64)
    establishment_licence_date: dt.date | None = None
    establishment_licence_expiry: dt.date | None = None
    reason: Reason


class UnitUpdate(Input):
    """Fields typed without ``None`` may be left out but not sent as null (see Input)."""

    name_fa: str = Field(None, min_length=2, max_length=300)
    name_en: str | None = Field(None, max_length=300)
    isic4: str = Field(None, pattern=r"^\d{4}$")
    products: list[dict[str, Any]] = Field(None, max_length=50)
    employment_licensed: int | None = Field(None, ge=0, le=100_000)
    employment_actual: int | None = Field(None, ge=0, le=100_000)
    env_group: EnvGroup | None = None
    knowledge_based: bool = Field(None)
    export_share: float | None = Field(None, ge=0, le=1)
    investment_rial: int | None = Field(None, ge=0, le=10**15)
    investment_usd: int | None = Field(None, ge=0, le=10**15)
    establishment_licence_no: str | None = Field(None, max_length=64)
    establishment_licence_date: dt.date | None = None
    establishment_licence_expiry: dt.date | None = None
    operating_licence_no: str | None = Field(None, max_length=64)
    operating_licence_date: dt.date | None = None
    reason: Reason


def _audit(session: WriteSessionDep, user: CurrentUser, reason: str) -> None:
    session.info.update(actor=user.username, actor_id=user.id, reason=reason)


@router.post("/investors", response_model=InvestorPublic, status_code=201,
             summary="Register an investor (staff and up)")
def post_investor(body: InvestorCreate, user: CurrentUser,
                  session: WriteSessionDep) -> InvestorPublic:
    require_role(user, *STAFF_ROLES)
    _audit(session, user, body.reason)
    investor = parties.create_investor(session=session,
                                       values=body.model_dump(exclude={"reason"}))
    session.commit()
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
    session.commit()
    return InvestorPublic.model_validate(investor)


@router.post("/units", response_model=UnitPublic, status_code=201,
             summary="Register a production unit for an investor (staff and up)")
def post_unit(body: UnitCreate, user: CurrentUser, session: WriteSessionDep) -> UnitPublic:
    require_role(user, *STAFF_ROLES)
    investor = session.scalar(sa.select(Investor).where(Investor.ref == body.investor_ref))
    if investor is None:
        raise errors.InvalidInput(f"no investor {body.investor_ref!r}",
                                  investor=body.investor_ref)
    _audit(session, user, body.reason)
    unit = parties.create_unit(session=session, investor=investor,
                               values=body.model_dump(exclude={"reason", "investor_ref"}))
    session.commit()
    return _unit(unit)


@router.patch("/units/{ref}", response_model=UnitPublic,
              summary="Correct a unit's record (staff and up); status has its own workflow")
def patch_unit(ref: Ref, body: UnitUpdate, user: CurrentUser,
               session: WriteSessionDep) -> UnitPublic:
    unit = session.scalar(sa.select(ProductionUnit).where(ProductionUnit.ref == ref,
                                                          visible_units(user)))
    if unit is None:
        raise errors.NotFound(f"no unit {ref!r}", unit=ref)
    require_role(user, *STAFF_ROLES)
    _audit(session, user, body.reason)
    parties.update_unit(session=session, unit=unit,
                        changes=body.model_dump(exclude_unset=True, exclude={"reason"}))
    session.commit()
    return _unit(unit)
