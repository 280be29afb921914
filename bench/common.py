"""Shared benchmark set-up: a fresh PostGIS database on the local server."""

from __future__ import annotations

import sqlalchemy as sa

from zones.settings import Settings

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def fresh_postgis(name: str) -> Settings:
    """Drop and recreate database ``name`` with PostGIS enabled; settings pointing at it."""
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = sa.make_url(PG_ADMIN).set(database=name)
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS postgis"))
    engine.dispose()
    return Settings(database_url=url.render_as_string(hide_password=False))
