"""Accounts: admins add users and change roles or disable them; users change passwords."""

from __future__ import annotations

from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from api.deps import SettingsDep, WriteSessionDep
from api.routers.auth import THROTTLED, client_address
from api.routers.registers import UserOut
from api.security import CurrentUser, current_token_id, require_role
from zones import errors
from zones.model import Role, User
from zones.services.users import change_password, create_user, update_user
from zones.text import fold

router = APIRouter(tags=["auth"])
Username = Annotated[str, Path(max_length=100)]


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=2, max_length=100)
    display_name: str | None = Field(None, max_length=200)
    role: Role
    investor_ref: str | None = Field(None, max_length=32,
                                     description="Required for role investor")
    password: str = Field(min_length=8, max_length=1000)


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role | None = None
    investor_ref: str | None = Field(None, max_length=32)
    is_active: bool | None = None
    display_name: str | None = Field(None, max_length=200)
    reason: str = Field(min_length=3, max_length=1000)


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(max_length=1000)
    new_password: str = Field(min_length=8, max_length=1000)


@router.post("/users", response_model=UserOut, status_code=201,
             summary="Add an account (admins)")
def post_user(body: UserCreate, user: CurrentUser, session: WriteSessionDep) -> UserOut:
    require_role(user, Role.ADMIN)
    session.info.update(actor=user.username, actor_id=user.id)
    made = create_user(session=session, username=body.username, password=body.password,
                       role=body.role, display_name=body.display_name,
                       investor_ref=body.investor_ref)
    session.commit()
    return UserOut.model_validate(made)


@router.patch("/users/{username}", response_model=UserOut,
              summary="Change an account's role, investor or state (admins)")
def patch_user(username: Username, body: UserUpdate, user: CurrentUser,
               session: WriteSessionDep) -> UserOut:
    require_role(user, Role.ADMIN)
    target = session.scalar(sa.select(User).where(User.username == fold(username)))
    if target is None:
        raise errors.NotFound(f"no user {username!r}", username=username)
    session.info.update(actor=user.username, actor_id=user.id, reason=body.reason)
    update_user(session=session, user=target, by=user, role=body.role,
                investor_ref=body.investor_ref, is_active=body.is_active,
                display_name=body.display_name)
    session.commit()
    return UserOut.model_validate(target)


@router.post("/me/password", status_code=204, responses=THROTTLED,
             summary="Change one's own password; every other session and token is revoked")
def post_password(request: Request, body: PasswordChange, user: CurrentUser,
                  session: WriteSessionDep, settings: SettingsDep) -> Response:
    me = session.get(User, user.id)
    session.info.update(actor=user.username, actor_id=user.id)
    change_password(session=session, user=me, current=body.current_password,
                    new=body.new_password, address=client_address(request),
                    settings=settings, keep_token_id=current_token_id(request))
    session.commit()
    return Response(status_code=204)
