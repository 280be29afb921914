"""Sign-in and API tokens: the OAuth2 password flow issues a stored, revocable token."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Path, Request
from fastapi.security import OAuth2PasswordRequestForm

from api.deps import SessionDep, SettingsDep, WriteSessionDep
from api.errors import Problem
from api.schemas.auth import Me, Token, TokenInfo
from api.security import CurrentUser
from zones.model import ApiToken
from zones.services.users import authenticate, issue_token, revoke_token

router = APIRouter(tags=["auth"])
LOGIN_LIFETIME = dt.timedelta(hours=8)


THROTTLED: dict[int | str, dict[str, Any]] = {
    429: {"description": "Too many failed sign-ins (`login_throttled`); wait "
                         "`Retry-After` seconds", "model": Problem}}


def client_address(request: Request) -> str:
    """The caller's IP (behind a proxy: the forwarded one, uvicorn's ``proxy_headers``)."""
    return request.client.host if request.client else "unknown"


@router.post("/auth/token", response_model=Token, responses=THROTTLED,
             summary="Exchange username and password for a bearer token (8 hours)")
def token(request: Request, form: Annotated[OAuth2PasswordRequestForm, Depends()],
          session: WriteSessionDep, settings: SettingsDep) -> Token:
    user = authenticate(session=session, username=form.username, password=form.password,
                        address=client_address(request), settings=settings)
    session.info["actor"] = user.username
    row, text = issue_token(session=session, user=user, name="login", lifetime=LOGIN_LIFETIME)
    return Token(access_token=text, token_id=row.id, expires_at=row.expires_at)


@router.get("/auth/tokens", response_model=list[TokenInfo], summary="The caller's tokens")
def list_tokens(user: CurrentUser, session: SessionDep) -> list[TokenInfo]:
    rows = session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user.id)
                           .order_by(ApiToken.id)).all()
    return [TokenInfo(id=r.id, name=r.name, created_at=r.created_at, expires_at=r.expires_at,
                      revoked_at=r.revoked_at) for r in rows]


@router.delete("/auth/tokens/{token_id}", status_code=204, response_model=None,
               summary="Revoke a token (one's own; admins any)")
def revoke(token_id: Annotated[int, Path(ge=1, le=2**31 - 1)], user: CurrentUser,
           session: WriteSessionDep) -> None:
    session.info["actor"] = user.username
    revoke_token(session=session, token_id=token_id, by=user)


@router.get("/me", response_model=Me, summary="The signed-in user")
def me(user: CurrentUser) -> Me:
    return Me(username=user.username, display_name=user.display_name, role=user.role.value,
              investor_id=user.investor_id)
