"""Bearer tokens (signed JWT) and the ``CurrentUser`` dependencies.

A token names the user; the user's role and investor are re-read from the database on
every request, so deactivating an account or changing a role takes effect at once.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import jwt
from fastapi import Depends
from fastapi.security import OAuth2PasswordBearer

from api.deps import SessionDep, SettingsDep
from zones import errors
from zones.model import Role, User
from zones.settings import Settings

TOKEN_TTL = dt.timedelta(hours=8)
ALGORITHM = "HS256"

bearer = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)


def issue_token(user: User, settings: Settings) -> str:
    now = dt.datetime.now(dt.UTC)
    claims = {"sub": str(user.id), "iat": now, "exp": now + TOKEN_TTL}
    return jwt.encode(claims, settings.secret_key, algorithm=ALGORITHM)


def optional_user(
    session: SessionDep, settings: SettingsDep, token: Annotated[str | None, Depends(bearer)]
) -> User | None:
    """The caller, or ``None`` for an anonymous (public) request; a bad token is a 401."""
    if token is None:
        return None
    try:
        claims = jwt.decode(token, settings.secret_key, algorithms=[ALGORITHM],
                            options={"require": ["exp", "sub"]})
    except jwt.PyJWTError:
        raise errors.NotAuthenticated("invalid or expired token") from None
    user = session.get(User, int(claims["sub"]))
    if user is None or not user.is_active:
        raise errors.NotAuthenticated("the account no longer exists or is disabled")
    return user


def signed_in(user: Annotated[User | None, Depends(optional_user)]) -> User:
    if user is None:
        raise errors.NotAuthenticated("sign in first: POST /auth/token")
    return user


MaybeUser = Annotated[User | None, Depends(optional_user)]
CurrentUser = Annotated[User, Depends(signed_in)]


def require_role(user: User, *roles: Role) -> None:
    if user.role not in roles:
        raise errors.Forbidden(f"role {user.role.value} may not do this",
                               role=user.role.value)
