"""Accounts: adding and changing users (admins), changing one's own password."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from zones.model import Role


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


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str
    role: str
    investor_id: int | None
    is_active: bool
