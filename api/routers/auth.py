"""Sign-in: an OAuth2 password flow that returns a bearer token, and who-am-I."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from api.deps import SessionDep, SettingsDep
from api.security import CurrentUser, issue_token
from zones.services.users import authenticate

router = APIRouter(tags=["auth"])


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret


class Me(BaseModel):
    username: str
    display_name: str
    role: str
    investor_id: int | None


@router.post("/auth/token", response_model=Token, summary="Exchange username and password "
             "for a bearer token (8 hours)")
def token(form: Annotated[OAuth2PasswordRequestForm, Depends()], session: SessionDep,
          settings: SettingsDep) -> Token:
    user = authenticate(session=session, username=form.username, password=form.password)
    return Token(access_token=issue_token(user, settings))


@router.get("/me", response_model=Me, summary="The signed-in user")
def me(user: CurrentUser) -> Me:
    return Me(username=user.username, display_name=user.display_name, role=user.role.value,
              investor_id=user.investor_id)
