"""Allocations, bank facilities, the audit trail and users: JSON lists with object rules.

An investor sees its own allocations and facilities; staff, the working group and admins
see all; the audit trail is for staff and up; the user list for admins.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import selectinload

from api.deps import SessionDep
from api.paging import Page, PageDep, fetch_page
from api.security import CurrentUser, require_role
from zones.model import (
    Allocation,
    AllocationStatus,
    AuditEvent,
    BankFacility,
    ProductionUnit,
    Role,
    User,
)
from zones.services.access import investor_filter
from zones.text import fold

router = APIRouter(tags=["registers"])
STAFF_AND_UP = (Role.STAFF, Role.WORKING_GROUP, Role.ADMIN)


class ObligationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: str
    due_date: dt.date
    met_on: dt.date | None
    status: str


class AllocationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    plot_id: int
    investor_id: int
    unit_id: int | None
    tenure: str
    status: str
    start_date: dt.date
    end_date: dt.date | None
    contract_no: str | None
    obligations: list[ObligationOut]


class FacilityOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    unit_id: int
    bank: str
    purpose: str
    amount_rial: int
    disbursed_rial: int | None
    approved_on: dt.date | None
    due_on: dt.date | None
    status: str


class AuditOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: dt.datetime
    actor: str
    action: str
    entity: str
    entity_id: int
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str
    role: str
    investor_id: int | None
    is_active: bool


@router.get("/allocations", response_model=Page[AllocationOut])
def list_allocations(
    session: SessionDep, user: CurrentUser, page: PageDep, request: Request,
    status: Annotated[AllocationStatus | None, Query()] = None,
) -> Page[AllocationOut]:
    stmt = (sa.select(Allocation).where(investor_filter(user, Allocation.investor_id))
            .options(selectinload(Allocation.obligations)).order_by(Allocation.id))
    if status is not None:
        stmt = stmt.where(Allocation.status == status)
    rows, link = fetch_page(session, stmt, page, request)
    return Page(items=[AllocationOut.model_validate(r) for r in rows], next=link)


@router.get("/bank-facilities", response_model=Page[FacilityOut])
def list_facilities(session: SessionDep, user: CurrentUser, page: PageDep,
                    request: Request) -> Page[FacilityOut]:
    stmt = (sa.select(BankFacility).join(ProductionUnit)
            .where(investor_filter(user, ProductionUnit.investor_id)).order_by(BankFacility.id))
    rows, link = fetch_page(session, stmt, page, request)
    return Page(items=[FacilityOut.model_validate(r) for r in rows], next=link)


@router.get("/audit-events", response_model=Page[AuditOut],
            summary="The audit trail, newest first (staff, working group, admin)")
def list_audit(
    session: SessionDep, user: CurrentUser, page: PageDep, request: Request,
    entity: Annotated[str | None, Query(max_length=64, examples=["plot"])] = None,
    entity_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    actor: Annotated[str | None, Query(max_length=100)] = None,
) -> Page[AuditOut]:
    require_role(user, *STAFF_AND_UP)
    stmt = sa.select(AuditEvent).order_by(AuditEvent.id.desc())
    if entity is not None:
        stmt = stmt.where(AuditEvent.entity == entity)
    if entity_id is not None:
        stmt = stmt.where(AuditEvent.entity_id == entity_id)
    if actor is not None:
        stmt = stmt.where(AuditEvent.actor == fold(actor))
    rows, link = fetch_page(session, stmt, page, request)
    return Page(items=[AuditOut.model_validate(r) for r in rows], next=link)


@router.get("/users", response_model=Page[UserOut], summary="Accounts (admins only)")
def list_users(session: SessionDep, user: CurrentUser, page: PageDep,
               request: Request) -> Page[UserOut]:
    require_role(user, Role.ADMIN)
    rows, link = fetch_page(session, sa.select(User).order_by(User.id), page, request)
    return Page(items=[UserOut.model_validate(r) for r in rows], next=link)
