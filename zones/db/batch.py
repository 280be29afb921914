"""Writes that travel together: one statement on PostgreSQL, one after another elsewhere.

A decision on a contested plot, or a request being filed, writes a handful of rows — the
record, its history, its audit events. Sent one by one, each costs a round trip and, in
the client, a statement's worth of driver and SQLAlchemy work, which on a busy server
costs more than the writes themselves. A :class:`Batch` collects them and, on PostgreSQL,
sends them as one statement of data-modifying CTEs (``WITH w0 AS (INSERT …), w1 AS
(UPDATE …) SELECT 1``): one parse, one round trip, all or nothing. SQLite cannot put
writes in a CTE; there they run in order, in the same transaction, which costs little in
process.

Writes in one PostgreSQL statement share a snapshot and cannot see each other's rows, so
every key is known before the batch runs: rows that others reference take ids drawn
beforehand with :func:`next_ids` (in the statement that locks what the writes depend
on), and no row is written twice. Foreign keys are still checked, at the end of the
statement, when every row is there.

Each combined statement is built once per shape (tables, columns, row counts) and kept:
the bind parameters carry the values, so nothing from input ever becomes SQL text.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from zones.db.prepared import Prepared

# A write's shape: ("insert" or "update", table, columns).
_Shape = tuple[str, sa.Table, tuple[str, ...]]


def next_ids(table: sa.Table, count: int, dialect: str) -> list[sa.ColumnElement[int]]:
    """``count`` expressions that each yield an unused id of ``table``, for a SELECT list.

    PostgreSQL draws from the column's sequence (a refused decision leaves a gap, as any
    rolled-back insert does). SQLite has none; the next ids after the largest are free
    because SQLite writers hold the database's write lock for the whole transaction
    (``BEGIN IMMEDIATE``), and the primary key would refuse a duplicate anyway.
    """
    if dialect == "postgresql":
        sequence = sa.Sequence(f"{table.name}_id_seq")
        return [sequence.next_value() for _ in range(count)]
    top = sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0)).scalar_subquery()
    return [top + (i + 1) for i in range(count)]


def complete(table: sa.Table, values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` with every other column filled: its Python-side default, else NULL.

    A batch names its columns explicitly (a CTE gets no defaults applied by SQLAlchemy),
    and the caller gets the whole row, as ``RETURNING *`` would give it. Left to the
    database: a server default, and an autoincrement key not given.
    """
    row = dict(values)
    for column in table.c:
        if column.name in row or column.server_default is not None:
            continue
        if column.default is not None:
            row[column.name] = _python_value(column.default)
        elif not (column.primary_key and column.autoincrement):
            row[column.name] = None
    return row


def _python_value(default: Any) -> Any:
    """The value a column's Python-side default (or update default) gives now."""
    return default.arg(None) if default.is_callable else default.arg


class Batch:
    """Inserts and updates to run together with :meth:`run`, in the caller's transaction."""

    def __init__(self) -> None:
        self.shapes: list[_Shape] = []
        self.params: dict[str, Any] = {}

    def insert(self, table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert ``rows`` into ``table``; Python-side defaults fill the columns they leave
        out. Each row is a write of its own: SQLAlchemy cannot cache a multi-row VALUES
        statement, and one compiled per decision would cost more than the round trips."""
        for given in rows:
            row = complete(table, given)
            tag = f"w{len(self.shapes)}_"
            self.shapes.append(("insert", table, tuple(row)))
            for column, value in row.items():
                self.params[f"{tag}{column}"] = value

    def update(self, table: sa.Table, row_id: int, values: Mapping[str, Any]) -> None:
        """Set ``values`` on the row of ``table`` whose id is ``row_id`` (and stamp the
        columns with an update default, such as ``updated_at``)."""
        values = {**values, **{c.name: _python_value(c.onupdate) for c in table.c
                               if c.onupdate is not None and c.name not in values}}
        columns = tuple(values)
        tag = f"w{len(self.shapes)}_"
        self.shapes.append(("update", table, columns))
        self.params[f"{tag}id"] = row_id
        for column in columns:
            self.params[f"{tag}{column}"] = values[column]

    def run(self, conn: sa.Connection, check: sa.Select[Any] | None = None,
            check_params: Mapping[str, Any] | None = None, guard: str | None = None
            ) -> Any:
        """Write everything collected: one statement on PostgreSQL, in order elsewhere.

        ``check``, a SELECT built once (its parameters in ``check_params``, named apart
        from the writes'), rides in the same statement and its first row is returned. It
        reads the database as the statement found it, before these writes: a fresh look,
        after the locks taken by earlier statements, at what a concurrent transaction
        committed while this one waited for them. Elsewhere it runs after the writes, or
        before them with ``guard``: the name of a boolean column of ``check`` without
        which nothing is written (the caller reads why from the row).
        """
        shapes, params = tuple(self.shapes), {**self.params, **(check_params or {})}
        self.shapes, self.params = [], {}
        if guard is not None and check is None:
            raise ValueError("a guard is a column of the check")
        if conn.dialect.name == "postgresql":
            if not shapes and check is None:
                return None
            return _combined(shapes, check, guard).first(conn, params)
        row = None
        if guard is not None:
            row = conn.execute(check, check_params or {}).first()
            if row is None or not row._mapping[guard]:
                return row
        for i, shape in enumerate(shapes):
            tag = f"w{i}_"
            conn.execute(_statement(tag, shape),
                         {k: v for k, v in params.items() if k.startswith(tag)})
        if check is None or guard is not None:
            return row
        return conn.execute(check, check_params or {}).first()


def _binds(tag: str, table: sa.Table, columns: tuple[str, ...]) -> dict[str, Any]:
    return {c: sa.bindparam(f"{tag}{c}", type_=table.c[c].type) for c in columns}


@functools.lru_cache(maxsize=256)
def _statement(tag: str, shape: _Shape) -> sa.Insert | sa.Update:
    kind, table, columns = shape
    values = _binds(tag, table, columns)
    if kind == "insert":
        return sa.insert(table).values(values)
    return sa.update(table).where(table.c.id == sa.bindparam(f"{tag}id")).values(values)


def _guarded(tag: str, shape: _Shape, condition: sa.ColumnElement[bool]
             ) -> sa.Insert | sa.Update:
    """The write of ``shape`` that happens only where ``condition`` holds."""
    kind, table, columns = shape
    values = _binds(tag, table, columns)
    if kind == "insert":
        return sa.insert(table).from_select(list(columns),
                                            sa.select(*values.values()).where(condition))
    return _statement(tag, shape).where(condition)


@functools.lru_cache(maxsize=256)
def _combined(shapes: tuple[_Shape, ...], check: sa.Select[Any] | None,
              guard: str | None = None) -> Prepared:
    # Run on the driver's cursor: a decision's batch binds a hundred parameters, and
    # SQLAlchemy's execution around them costs the client more than the round trip.
    if guard is None:
        writes = [_statement(f"w{i}_", shape).cte(f"w{i}")
                  for i, shape in enumerate(shapes)]
        return Prepared((check if check is not None else sa.select(sa.literal(1)))
                        .add_cte(*writes))
    assert check is not None
    gate = check.cte("gate")
    condition = sa.select(gate.c[guard]).scalar_subquery()
    writes = [_guarded(f"w{i}_", shape, condition).cte(f"w{i}")
              for i, shape in enumerate(shapes)]
    return Prepared(sa.select(gate).add_cte(*writes))
