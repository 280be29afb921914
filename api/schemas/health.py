"""Liveness and readiness answers."""

from __future__ import annotations

from pydantic import BaseModel


class Health(BaseModel):
    status: str
    version: str
    backend: str
    schema_revision: str | None
