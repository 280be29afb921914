"""Who is calling: bearer tokens for programs, a session cookie (with CSRF) for pages.

Both credentials are opaque tokens stored hashed (see :mod:`zones.security`); the user's
role and investor are read from the database on every request, so revoking a token,
disabling an account or changing a role takes effect at once.

A browser sends its cookie on every request, including ones a hostile page triggers,
so a request that changes something and is authenticated by the cookie must also carry
the session's CSRF token (header ``X-CSRF-Token`` or form field ``csrf_token``).
Bearer tokens are never sent by a browser on its own and need no CSRF token.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, OAuth2PasswordBearer
from sqlalchemy.orm import Session

from api.deps import SAFE_METHODS, SessionDep, SettingsDep
from zones import errors
from zones.model import Role, User
from zones.security import csrf_ok
from zones.services.users import user_for_token

bearer = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)
SESSION_COOKIE = "zones_session"
session_cookie = APIKeyCookie(name=SESSION_COOKIE, auto_error=False,
                              description="Browser sign-in (POST /login); forms need CSRF")
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"


async def presented_csrf(request: Request) -> str | None:
    """The CSRF token a state-changing request carries, from its header or its form."""
    if request.method in SAFE_METHODS:
        return None
    if value := request.headers.get(CSRF_HEADER):
        return value
    if request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        field = (await request.form()).get(CSRF_FIELD)
        return field if isinstance(field, str) else None
    return None


def optional_user(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    token: Annotated[str | None, Depends(bearer)],
    cookie: Annotated[str | None, Depends(session_cookie)],
    csrf: Annotated[str | None, Depends(presented_csrf)],
) -> User | None:
    """The caller, or ``None`` for an anonymous (public) request; a bad token is a 401."""
    if token is not None:
        return _lookup(request, session, token)
    if cookie is None:
        return None
    try:
        user = _lookup(request, session, cookie)
    except errors.NotAuthenticated:
        if request.method in SAFE_METHODS:
            return None  # a stale sign-in reads public pages as the public does
        raise
    if request.method not in SAFE_METHODS and not csrf_ok(settings.secret_key, cookie, csrf):
        raise errors.CsrfFailed(f"send the page's CSRF token as {CSRF_HEADER} or "
                                f"form field {CSRF_FIELD}")
    return user


def _lookup(request: Request, session: Session, text: str) -> User:
    """The token's user, read in the request's own session (one connection per request).
    The token's id is kept for a password change, which spares it."""
    user, token_id = user_for_token(session=session, text=text)
    request.state.token_id = token_id
    return user


def current_token_id(request: Request) -> int | None:
    """The id of the token (API or browser session) that signed this request in."""
    return getattr(request.state, "token_id", None)


def signed_in(user: Annotated[User | None, Depends(optional_user)]) -> User:
    if user is None:
        raise errors.NotAuthenticated("sign in first: POST /auth/token, or /login in a browser")
    return user


MaybeUser = Annotated[User | None, Depends(optional_user)]
CurrentUser = Annotated[User, Depends(signed_in)]


def require_role(user: User, *roles: Role) -> None:
    if user.role not in roles:
        raise errors.Forbidden(f"role {user.role.value} may not do this",
                               role=user.role.value)


def require(*roles: Role) -> Any:
    """A dependency admitting only callers with one of ``roles`` (403 ``forbidden``
    otherwise), for a handler's signature: ``user: Annotated[User, require(Role.ADMIN)]``."""
    def check(user: CurrentUser) -> User:
        require_role(user, *roles)
        return user
    return Depends(check)
