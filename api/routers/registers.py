"""Allocations, bank facilities, the audit trail and users: JSON lists with object rules.

An investor sees its own allocations and facilities; staff, the working group and admins
see all; the audit trail is for staff and up; the user list for admins.
"""

from __future__ import annotations

from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import selectinload

from api.deps import SessionDep
from api.paging import Page, PageDep, fetch_page
from api.schemas.accounts import UserOut
from api.schemas.registers import AllocationOut, AuditOut, FacilityOut
from api.security import CurrentUser, require
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
    session: SessionDep, user: Annotated[User, require(*STAFF_AND_UP)], page: PageDep,
    request: Request,
    entity: Annotated[str | None, Query(max_length=64, examples=["plot"])] = None,
    entity_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    actor: Annotated[str | None, Query(max_length=100)] = None,
) -> Page[AuditOut]:
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
def list_users(session: SessionDep, user: Annotated[User, require(Role.ADMIN)], page: PageDep,
               request: Request) -> Page[UserOut]:
    rows, link = fetch_page(session, sa.select(User).order_by(User.id), page, request)
    return Page(items=[UserOut.model_validate(r) for r in rows], next=link)
