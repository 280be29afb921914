"""User accounts: creation and password authentication."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from zones import errors
from zones.db.backend import translated_errors
from zones.model import Investor, Role, User
from zones.security import hash_password, verify_password
from zones.text import fold, normalize

# A real hash of a random password: authenticating an unknown user costs the same time
# as a known one, so response times do not reveal which usernames exist.
_DUMMY_HASH = hash_password("not-a-user-password")


def create_user(
    *,
    session: Session,
    username: str,
    password: str,
    role: Role,
    display_name: str | None = None,
    investor_ref: str | None = None,
) -> User:
    """Add a user; an investor account must name the investor it acts for."""
    name = fold(username)
    if not name or len(password) < 8:
        raise errors.InvalidInput("username required and password of at least 8 characters")
    investor_id = None
    if role is Role.INVESTOR:
        if investor_ref is None:
            raise errors.InvalidInput("an investor account needs --investor", field="investor")
        investor_id = session.scalar(sa.select(Investor.id).where(Investor.ref == investor_ref))
        if investor_id is None:
            raise errors.NotFound(f"no investor {investor_ref!r}", investor=investor_ref)
    if session.scalar(sa.select(User.id).where(User.username == name)) is not None:
        raise errors.Conflict(f"user {name!r} exists", username=name)
    user = User(username=name, display_name=normalize(display_name) or name, role=role,
                investor_id=investor_id, password_hash=hash_password(password))
    session.add(user)
    with translated_errors():
        session.flush()
    return user


def authenticate(*, session: Session, username: str, password: str) -> User:
    """The active user with these credentials, or :class:`~zones.errors.InvalidCredentials`."""
    user = session.scalar(sa.select(User).where(User.username == fold(username)))
    ok = verify_password(password, user.password_hash if user else _DUMMY_HASH)
    if user is None or not ok or not user.is_active:
        raise errors.InvalidCredentials("unknown user or wrong password")
    return user
