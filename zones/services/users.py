"""User accounts, password authentication (throttled) and API tokens (issue, check, revoke)."""

from __future__ import annotations

import datetime as dt
import math

import sqlalchemy as sa
from sqlalchemy.orm import Session

from zones import errors
from zones.db.backend import translated_errors
from zones.model import ApiToken, Investor, Role, User, utcnow
from zones.model.auth import LoginFailure
from zones.security import hash_password, new_token, token_digest, verify_password
from zones.settings import Settings
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


def authenticate(*, session: Session, username: str, password: str, address: str,
                 settings: Settings) -> User:
    """The active user with these credentials, unless sign-ins are throttled.

    Raises :class:`~zones.errors.LoginThrottled` while the account or ``address`` (the
    client's IP) has too many recent failures, without checking the password: the right
    one is refused too, or the throttle would only slow a guesser down. Raises
    :class:`~zones.errors.InvalidCredentials` otherwise, after recording the failure in
    ``session``: the sign-in fails but the count must not, so the caller commits it all the
    same (the error keeps its writes: ``keeps_writes``). A success clears the
    account's failures; the caller commits it with the token it issues.
    """
    name = (fold(username) or "")[:150]
    # On PostGIS the account's row is locked (FOR NO KEY UPDATE: token inserts still
    # reference it) so parallel guesses at one account are counted one after another;
    # SpatiaLite's write transactions are serial already.
    user = session.scalar(sa.select(User).where(User.username == name)
                          .with_for_update(key_share=True))
    _refuse_if_throttled(session=session, username=name, address=address, settings=settings)
    ok = verify_password(password, user.password_hash if user else _DUMMY_HASH)
    if user is None or not ok or not user.is_active:
        _record_failure(session=session, username=name, address=address, settings=settings)
        raise errors.InvalidCredentials("unknown user or wrong password")
    session.execute(sa.delete(LoginFailure).where(LoginFailure.username == name))
    return user


def _refuse_if_throttled(*, session: Session, username: str, address: str,
                         settings: Settings) -> None:
    """Refuse while the account's or the address's failures in the window reach its limit.

    The lock lasts until the failure that reached the limit leaves the window; refused
    attempts are not counted, so a guesser cannot keep an account locked for ever.
    """
    window = dt.timedelta(seconds=settings.login_window_s)
    now = utcnow()
    waits = []
    for column, value, limit in (
            (LoginFailure.username, username, settings.login_max_failures_per_account),
            (LoginFailure.address, address, settings.login_max_failures_per_address)):
        limiting = session.scalar(
            sa.select(LoginFailure.at).where(column == value, LoginFailure.at > now - window)
            .order_by(LoginFailure.at.desc()).offset(limit - 1).limit(1))
        if limiting is not None:
            waits.append(limiting + window - now)
    if waits:
        seconds = max(1, math.ceil(max(waits).total_seconds()))
        raise errors.LoginThrottled(
            f"too many failed sign-ins for this account or from this address; try again "
            f"in {seconds} s", retry_after=seconds)


def _record_failure(*, session: Session, username: str, address: str,
                    settings: Settings) -> None:
    now = utcnow()
    # Failures older than the window count for nothing: drop them as new ones arrive.
    session.execute(sa.delete(LoginFailure).where(
        LoginFailure.at <= now - dt.timedelta(seconds=settings.login_window_s)))
    session.add(LoginFailure(username=username, address=address[:64], at=now))
    session.flush()


def issue_token(*, session: Session, user: User, name: str,
                lifetime: dt.timedelta | None) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns the row and the token text, shown only now."""
    text = new_token()
    token = ApiToken(user_id=user.id, name=normalize(name) or "token",
                     token_hash=token_digest(text),
                     expires_at=utcnow() + lifetime if lifetime else None)
    session.add(token)
    session.flush()
    return token, text


def user_for_token(*, session: Session, text: str) -> tuple[User, int]:
    """The active user a live (unexpired, unrevoked) token belongs to, and the token's id."""
    token = session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == token_digest(text)))
    now = utcnow()
    if token is None or token.revoked_at is not None or (
            token.expires_at is not None and token.expires_at <= now):
        raise errors.NotAuthenticated("invalid, expired or revoked token")
    user = session.get(User, token.user_id)
    if user is None or not user.is_active:
        raise errors.NotAuthenticated("the account is disabled")
    return user, token.id


def revoke_token(*, session: Session, token_id: int, by: User) -> ApiToken:
    """Revoke a token: its owner or an admin may; anyone else is told it does not exist."""
    token = session.get(ApiToken, token_id)
    if token is None or (token.user_id != by.id and by.role is not Role.ADMIN):
        raise errors.NotFound(f"no token {token_id}", token=token_id)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.flush()
    return token


def update_user(*, session: Session, user: User, by: User, role: Role | None = None,
                investor_ref: str | None = None, is_active: bool | None = None,
                display_name: str | None = None) -> User:
    """An admin's change to an account; disabling it revokes every token it holds.

    Admins cannot demote or disable themselves, so a zone never loses its last admin
    by a slip of the hand.
    """
    if user.id == by.id and (is_active is False or (role is not None and role is not by.role)):
        raise errors.Conflict("admins cannot disable or demote their own account",
                              username=user.username)
    new_role = role or user.role
    if investor_ref is not None:
        user.investor_id = session.scalar(sa.select(Investor.id)
                                          .where(Investor.ref == investor_ref))
        if user.investor_id is None:
            raise errors.NotFound(f"no investor {investor_ref!r}", investor=investor_ref)
    if new_role is Role.INVESTOR and user.investor_id is None:
        raise errors.InvalidInput("an investor account must name its investor",
                                  field="investor_ref")
    if new_role is not Role.INVESTOR:
        user.investor_id = None
    user.role = new_role
    if display_name is not None:
        user.display_name = normalize(display_name) or user.username
    if is_active is not None:
        user.is_active = is_active
        if not is_active:
            _revoke_all(session=session, user_id=user.id)
    session.flush()
    return user


def change_password(*, session: Session, user: User, current: str, new: str, address: str,
                    settings: Settings, keep_token_id: int | None) -> int:
    """The user's own change: the current password proves it is them, not a stolen cookie.

    A wrong current password counts as a failed sign-in (the same throttle): it raises
    :class:`~zones.errors.InvalidCredentials` after recording the failure in ``session``,
    which the caller commits all the same, as for :func:`authenticate`. Every other
    live session and API token of the user is revoked, so a stolen credential dies with
    the old password; ``keep_token_id`` (the one making the change) stays. Returns how
    many were revoked.
    """
    name = user.username
    _refuse_if_throttled(session=session, username=name, address=address, settings=settings)
    if not verify_password(current, user.password_hash):
        _record_failure(session=session, username=name, address=address, settings=settings)
        raise errors.InvalidCredentials("the current password is wrong")
    if len(new) < 8:
        raise errors.InvalidInput("the new password needs at least 8 characters")
    user.password_hash = hash_password(new)
    revoked = _revoke_all(session=session, user_id=user.id, keep=keep_token_id)
    session.flush()
    return revoked


def _revoke_all(*, session: Session, user_id: int, keep: int | None = None) -> int:
    """Revoke the user's live tokens (but ``keep``); how many were."""
    live = sa.select(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
    if keep is not None:
        live = live.where(ApiToken.id != keep)
    tokens = session.scalars(live).all()
    now = utcnow()
    for token in tokens:
        token.revoked_at = now
    return len(tokens)


def end_session(*, session: Session, text: str, user: User) -> None:
    """Revoke the token ``text`` (a browser session) if it is ``user``'s and still live."""
    token = session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == token_digest(text)))
    if token is not None and token.revoked_at is None and token.user_id == user.id:
        token.revoked_at = utcnow()
        session.flush()
