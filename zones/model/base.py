"""Declarative base, shared column types and enumerations used across aggregates."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

STORAGE_SRID = 4326

# Stable constraint names: alembic diffs and error translation rely on them.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.TypeDecorator[dt.datetime]):
    """Timezone-aware UTC timestamps on both backends.

    SQLite has no time zone type: values are stored as naive UTC and handed back
    aware, so comparisons never mix naive and aware datetimes.
    """

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use datetime.now(datetime.UTC)")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        return None if value is None else value.replace(tzinfo=dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


JSONType = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")


def geometry(kind: str, *, spatial_index: bool = True) -> Geometry:
    """A geometry column in storage CRS (EPSG:4326), by default with a spatial index on
    both backends."""
    return Geometry(geometry_type=kind, srid=STORAGE_SRID, spatial_index=spatial_index)


def enum_column(enum_cls: type[enum.StrEnum], name: str | None = None, **kw: Any) -> sa.Enum:
    """Portable enum: a VARCHAR plus CHECK constraint on both backends (no native types).

    ``name`` names the CHECK constraint; pass one when a table has two columns of the
    same enum, or the constraint names collide.
    """
    return sa.Enum(
        enum_cls,
        name=name or enum_cls.__name__.lower(),
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda e: [m.value for m in e],
        **kw,
    )


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING)

    # Tables whose every insert, update and delete writes an audit event.
    __audited__: bool = False


class Timestamped:
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


def table_of(model: type[Any]) -> sa.Table:
    """A mapped class's table, typed as one (SQLAlchemy types ``__table__`` as any
    ``FromClause``)."""
    table = model.__table__
    assert isinstance(table, sa.Table)
    return table
