"""Liveness and readiness."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter
from pydantic import BaseModel

from api.deps import SessionDep, SettingsDep
from zones import __version__, errors
from zones.db.migrate import current, head

router = APIRouter(tags=["service"])


class Health(BaseModel):
    status: str
    version: str
    backend: str
    schema_revision: str | None


@router.get("/ready", response_model=Health,
            summary="Readiness: the database answers and its schema is current")
def ready(session: SessionDep, settings: SettingsDep) -> Health:
    revision = current(session.get_bind())
    if revision != head():
        raise errors.BackendUnavailable(f"schema at {revision}, code expects {head()}",
                                        schema_revision=revision)
    return Health(status="ready", version=__version__, backend=settings.backend,
                  schema_revision=revision)


@router.get("/health", response_model=Health, summary="Liveness: the service and database")
def health(session: SessionDep, settings: SettingsDep) -> Health:
    session.execute(sa.text("SELECT 1"))
    return Health(status="ok", version=__version__, backend=settings.backend,
                  schema_revision=current(session.get_bind()))
