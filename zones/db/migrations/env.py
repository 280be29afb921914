"""Alembic environment: runs on the connection handed over by ``zones.db.migrate``."""

from __future__ import annotations

from alembic import context
from geoalchemy2 import alembic_helpers

from zones.model import Base

config = context.config
target_metadata = Base.metadata


def _include_object(obj, name, type_, reflected, compare_to):
    # SpatiaLite's own bookkeeping tables and R*Tree shadow tables are not ours.
    if type_ == "table" and (
        name.startswith(("idx_", "spatial", "sql_", "geometry_columns", "views_geometry",
                          "virts_geometry", "vector_layers", "data_licenses", "knn", "rtree_"))
        or name in {"spatial_ref_sys", "spatial_ref_sys_aux", "SpatialIndex",
                    "ElementaryGeometries", "KNN", "KNN2", "sqlite_sequence"}
    ):
        return False
    return alembic_helpers.include_object(obj, name, type_, reflected, compare_to)


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through `zones db upgrade` (zones.db.migrate)")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=_include_object,
        process_revision_directives=alembic_helpers.writer,
        render_item=alembic_helpers.render_item,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


run()
