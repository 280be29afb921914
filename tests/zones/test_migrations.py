"""The migrations build exactly the model, with a spatial index on every geometry column
that is queried by location (all but plan features, read by revision only)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from geoalchemy2 import Geometry, alembic_helpers

from zones.db import backend
from zones.db.migrate import current, downgrade, head, upgrade
from zones.model import Base

GEOMETRY_COLUMNS = sorted(
    (table.name, column.name)
    for table in Base.metadata.tables.values()
    for column in table.columns
    if isinstance(column.type, Geometry)
)
INDEXED = [(t, c) for t, c in GEOMETRY_COLUMNS if (t, c) != ("plan_feature", "geom")]


def test_schema_matches_models(engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_object": alembic_helpers.include_object})
        diff = [d for d in compare_metadata(context, Base.metadata)
                if not (isinstance(d, tuple) and d[0] == "remove_table")]
    assert diff == []


def test_geometry_columns_have_a_spatial_index_where_queried_by_location(engine) -> None:
    assert len(GEOMETRY_COLUMNS) == 8 and len(INDEXED) == 7
    with engine.connect() as conn:
        if backend.name(conn) == "postgis":
            rows = conn.execute(sa.text(
                "SELECT t.relname, a.attname FROM pg_index i "
                "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam "
                "JOIN pg_class t ON t.oid = i.indrelid "
                "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY(i.indkey) "
                "WHERE am.amname = 'gist'")).all()
        else:
            rows = conn.execute(sa.text(
                "SELECT f_table_name, f_geometry_column FROM geometry_columns "
                "WHERE spatial_index_enabled = 1")).all()
    assert sorted((t, c) for t, c in rows if (t, c) in GEOMETRY_COLUMNS) == INDEXED


def test_geometry_is_stored_in_wgs84(engine) -> None:
    with engine.connect() as conn:
        if backend.name(conn) == "postgis":
            srids = conn.scalars(sa.text("SELECT DISTINCT srid FROM geometry_columns "
                                         "WHERE f_table_schema = 'public'")).all()
        else:
            srids = conn.scalars(sa.text("SELECT DISTINCT srid FROM geometry_columns")).all()
    assert srids == [4326]


def test_downgrade_to_base_and_back(engine) -> None:
    downgrade(engine, "base")
    assert current(engine) is None
    upgrade(engine)
    assert current(engine) == head() == "0012"
