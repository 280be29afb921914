"""Offset paging for JSON lists: a hard cap per page and a ``next`` link."""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

import sqlalchemy as sa
from fastapi import Depends, Query, Request
from pydantic import BaseModel
from sqlalchemy.orm import Session

from api.deps import SettingsDep

T = TypeVar("T")
MAX_OFFSET = 2**31 - 1


class Page(BaseModel, Generic[T]):
    items: list[T]
    next: str | None = None


class PageParams(BaseModel):
    limit: int
    offset: int


def page_params(
    settings: SettingsDep,
    limit: Annotated[int | None, Query(ge=1, le=MAX_OFFSET,
                                       description="Page size (capped by the server)")] = None,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> PageParams:
    return PageParams(limit=min(limit or settings.page_size_default, settings.page_size_max),
                      offset=offset)


PageDep = Annotated[PageParams, Depends(page_params)]


def fetch_page(session: Session, stmt: sa.Select[Any], page: PageParams, request: Request
               ) -> tuple[list[Any], str | None]:
    """Rows of ``stmt`` for this page (one extra fetched to know whether more follow)."""
    rows = session.scalars(stmt.limit(page.limit + 1).offset(page.offset)).all()
    more = len(rows) > page.limit
    link = str(request.url.include_query_params(offset=page.offset + page.limit,
                                                limit=page.limit)) if more else None
    return list(rows[: page.limit]), link
