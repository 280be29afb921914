"""Bearer-token authentication and the ``CurrentUser`` dependencies.

Tokens are opaque and stored hashed (see :mod:`zones.security`); the user's role and
investor are read from the database on every request, so revoking a token, disabling an
account or changing a role takes effect at once.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.security import OAuth2PasswordBearer

from api.deps import SessionDep
from zones import errors
from zones.model import Role, User
from zones.services.users import user_for_token

bearer = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)


def optional_user(session: SessionDep, token: Annotated[str | None, Depends(bearer)]
                  ) -> User | None:
    """The caller, or ``None`` for an anonymous (public) request; a bad token is a 401."""
    if token is None:
        return None
    return user_for_token(session=session, text=token)


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
