"""Investors and their production units, filtered by who is asking (object-level rules)."""

from __future__ import annotations

from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import selectinload

from api.deps import SessionDep
from api.paging import Page, PageDep, fetch_page
from api.schemas.parties import InvestorPublic, UnitPublic
from api.security import CurrentUser
from zones import errors
from zones.model import (
    Allocation,
    AllocationStatus,
    District,
    Investor,
    Plot,
    ProductionUnit,
    UnitStatus,
)
from zones.services.access import visible_investors, visible_units
from zones.text import normalize

router = APIRouter(tags=["parties"])


def _unit(unit: ProductionUnit) -> UnitPublic:
    data = {k: getattr(unit, k) for k in UnitPublic.model_fields if k != "investor_ref"}
    return UnitPublic(investor_ref=unit.investor.ref, **data)


def _search(columns: list[Any], q: str | None) -> Any:
    """Substring match over names, after the same normalisation applied on storage.

    ``%``, ``_`` and the escape character are matched literally (``autoescape``): ``q=%``
    finds names holding a percent sign, not every record.
    """
    needle = normalize(q)
    if not needle:
        return sa.true()
    return sa.or_(*[c.icontains(needle, autoescape=True) for c in columns])


def _order(sort: str, allowed: dict[str, Any]) -> list[Any]:
    """``sort`` is ``field`` or ``-field`` from an allow-list; anything else is a 400."""
    key = sort.removeprefix("-")
    if key not in allowed:
        raise errors.InvalidInput(f"cannot sort by {key!r}; use one of {sorted(allowed)}",
                                  field="sort", allowed=sorted(allowed))
    column = allowed[key]
    return [column.desc() if sort.startswith("-") else column.asc()]


INVESTOR_SORT = {"ref": Investor.ref, "name_fa": Investor.name_fa, "name_en": Investor.name_en,
                 "nationality": Investor.nationality}
UNIT_SORT = {"ref": ProductionUnit.ref, "name_fa": ProductionUnit.name_fa,
             "isic4": ProductionUnit.isic4, "status": ProductionUnit.status,
             "employment_actual": ProductionUnit.employment_actual,
             "status_since": ProductionUnit.status_since}
Sort = Annotated[str, Query(max_length=40, description="field or -field (allow-listed)")]
Search = Annotated[str | None, Query(max_length=100,
                                     description="Text in the Persian or English name")]


@router.get("/investors", response_model=Page[InvestorPublic],
            summary="Investors the caller may see (staff: all; an investor: itself)")
def list_investors(
    session: SessionDep, user: CurrentUser, page: PageDep, request: Request,
    q: Search = None,
    nationality: Annotated[str | None, Query(min_length=2, max_length=2)] = None,
    sort: Sort = "ref",
) -> Page[InvestorPublic]:
    stmt = (sa.select(Investor).where(visible_investors(user),
                                      _search([Investor.name_fa, Investor.name_en], q))
            .order_by(*_order(sort, INVESTOR_SORT), Investor.id))
    if nationality:
        stmt = stmt.where(Investor.nationality == nationality.upper())
    rows, link = fetch_page(session, stmt, page, request)
    return Page(items=[InvestorPublic.model_validate(r) for r in rows], next=link)


@router.get("/investors/{ref}", response_model=InvestorPublic)
def get_investor(ref: str, session: SessionDep, user: CurrentUser) -> InvestorPublic:
    row = session.scalar(sa.select(Investor).where(Investor.ref == ref, visible_investors(user)))
    if row is None:  # someone else's investor looks exactly like a missing one
        raise errors.NotFound(f"no investor {ref!r}", investor=ref)
    return InvestorPublic.model_validate(row)


@router.get("/units", response_model=Page[UnitPublic],
            summary="Production units the caller may see, filtered and sorted")
def list_units(
    session: SessionDep, user: CurrentUser, page: PageDep, request: Request,
    q: Search = None,
    status: Annotated[UnitStatus | None, Query()] = None,
    isic4: Annotated[str | None, Query(pattern=r"^\d{2,4}$",
                                       description="ISIC Rev.4 class or its prefix")] = None,
    investor: Annotated[str | None, Query(max_length=32, description="Investor ref")] = None,
    district: Annotated[str | None, Query(max_length=32)] = None,
    sort: Sort = "ref",
) -> Page[UnitPublic]:
    u = ProductionUnit
    stmt = (sa.select(u).where(visible_units(user), _search([u.name_fa, u.name_en], q))
            .options(selectinload(u.investor)).order_by(*_order(sort, UNIT_SORT), u.id))
    if status is not None:
        stmt = stmt.where(u.status == status)
    if isic4:
        stmt = stmt.where(u.isic4.startswith(isic4))
    if investor:
        stmt = stmt.where(u.investor.has(Investor.ref == investor))
    if district:
        on_district = (sa.select(Allocation.unit_id).join(Plot).join(District)
                       .where(District.code == normalize(district),
                              Allocation.status == AllocationStatus.ACTIVE))
        stmt = stmt.where(u.id.in_(on_district))
    rows, link = fetch_page(session, stmt, page, request)
    return Page(items=[_unit(r) for r in rows], next=link)


@router.get("/units/{ref}", response_model=UnitPublic)
def get_unit(ref: str, session: SessionDep, user: CurrentUser) -> UnitPublic:
    row = session.scalar(sa.select(ProductionUnit).where(ProductionUnit.ref == ref,
                                                         visible_units(user)))
    if row is None:
        raise errors.NotFound(f"no unit {ref!r}", unit=ref)
    return _unit(row)
