"""Investors and their production units, filtered by who is asking (object-level rules)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from api.deps import SessionDep
from api.security import CurrentUser
from zones import errors
from zones.model import Investor, ProductionUnit
from zones.services.access import visible_investors, visible_units

router = APIRouter(tags=["parties"])


class InvestorPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    ref: str
    kind: str
    name_fa: str
    name_en: str | None
    nationality: str
    national_id: str | None
    email: str | None
    phone: str | None


class UnitPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    ref: str
    investor_ref: str
    name_fa: str
    name_en: str | None
    isic4: str
    products: list[dict[str, Any]]
    employment_licensed: int | None
    employment_actual: int | None
    env_group: str | None
    knowledge_based: bool
    export_share: float | None
    status: str
    status_since: dt.date | None
    dormancy_cause: str | None


def _unit(unit: ProductionUnit) -> UnitPublic:
    data = {k: getattr(unit, k) for k in UnitPublic.model_fields if k != "investor_ref"}
    return UnitPublic(investor_ref=unit.investor.ref, **data)


@router.get("/investors", response_model=list[InvestorPublic],
            summary="Investors the caller may see (staff: all; an investor: itself)")
def list_investors(session: SessionDep, user: CurrentUser) -> list[InvestorPublic]:
    rows = session.scalars(sa.select(Investor).where(visible_investors(user))
                          .order_by(Investor.ref)).all()
    return [InvestorPublic.model_validate(r) for r in rows]


@router.get("/investors/{ref}", response_model=InvestorPublic)
def get_investor(ref: str, session: SessionDep, user: CurrentUser) -> InvestorPublic:
    row = session.scalar(sa.select(Investor).where(Investor.ref == ref, visible_investors(user)))
    if row is None:  # someone else's investor looks exactly like a missing one
        raise errors.NotFound(f"no investor {ref!r}", investor=ref)
    return InvestorPublic.model_validate(row)


@router.get("/units", response_model=list[UnitPublic],
            summary="Production units the caller may see")
def list_units(session: SessionDep, user: CurrentUser) -> list[UnitPublic]:
    rows = session.scalars(sa.select(ProductionUnit).where(visible_units(user))
                          .order_by(ProductionUnit.ref)).all()
    return [_unit(r) for r in rows]


@router.get("/units/{ref}", response_model=UnitPublic)
def get_unit(ref: str, session: SessionDep, user: CurrentUser) -> UnitPublic:
    row = session.scalar(sa.select(ProductionUnit).where(ProductionUnit.ref == ref,
                                                         visible_units(user)))
    if row is None:
        raise errors.NotFound(f"no unit {ref!r}", unit=ref)
    return _unit(row)
