"""Liveness and readiness."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter
from pydantic import BaseModel

from api.deps import SessionDep, SettingsDep
from zones import __version__
from zones.db.migrate import current

router = APIRouter(tags=["service"])


class Health(BaseModel):
    status: str
    version: str
    backend: str
    schema_revision: str | None


@router.get("/health", response_model=Health, summary="Service and database health")
def health(session: SessionDep, settings: SettingsDep) -> Health:
    session.execute(sa.text("SELECT 1"))
    return Health(status="ok", version=__version__, backend=settings.backend,
                  schema_revision=current(session.get_bind()))
