"""Accounts: admins add users and change roles or disable them; users change passwords."""

from __future__ import annotations

from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Path, Request

from api.deps import SettingsDep, WriteSessionDep
from api.routers.auth import THROTTLED, client_address
from api.schemas.accounts import PasswordChange, UserCreate, UserOut, UserUpdate
from api.security import CurrentUser, current_token_id, require
from zones import errors
from zones.model import Role, User
from zones.services.users import change_password, create_user, update_user
from zones.text import fold

router = APIRouter(tags=["auth"])
Username = Annotated[str, Path(max_length=100)]
Admin = Annotated[User, require(Role.ADMIN)]


@router.post("/users", response_model=UserOut, status_code=201,
             summary="Add an account (admins)")
def post_user(body: UserCreate, user: Admin, session: WriteSessionDep) -> UserOut:
    session.info.update(actor=user.username, actor_id=user.id)
    made = create_user(session=session, username=body.username, password=body.password,
                       role=body.role, display_name=body.display_name,
                       investor_ref=body.investor_ref)
    return UserOut.model_validate(made)


@router.patch("/users/{username}", response_model=UserOut,
              summary="Change an account's role, investor or state (admins)")
def patch_user(username: Username, body: UserUpdate, user: Admin,
               session: WriteSessionDep) -> UserOut:
    target = session.scalar(sa.select(User).where(User.username == fold(username)))
    if target is None:
        raise errors.NotFound(f"no user {username!r}", username=username)
    session.info.update(actor=user.username, actor_id=user.id, reason=body.reason)
    update_user(session=session, user=target, by=user, role=body.role,
                investor_ref=body.investor_ref, is_active=body.is_active,
                display_name=body.display_name)
    return UserOut.model_validate(target)


@router.post("/me/password", status_code=204, response_model=None, responses=THROTTLED,
             summary="Change one's own password; every other session and token is revoked")
def post_password(request: Request, body: PasswordChange, user: CurrentUser,
                  session: WriteSessionDep, settings: SettingsDep) -> None:
    session.info.update(actor=user.username, actor_id=user.id)
    # A wrong current password counts as a failed sign-in (InvalidCredentials keeps it).
    change_password(session=session, user=user, current=body.current_password,
                    new=body.new_password, address=client_address(request),
                    settings=settings, keep_token_id=current_token_id(request))
