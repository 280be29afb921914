"""Sign-in: bearer tokens, the signed-in user and the browser session."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    token_id: int
    expires_at: dt.datetime | None


class TokenInfo(BaseModel):
    id: int
    name: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None


class Me(BaseModel):
    username: str
    display_name: str
    role: str
    investor_id: int | None


class WebSession(BaseModel):
    username: str
    display_name: str
    role: str
    investor_id: int | None
    csrf_token: str
