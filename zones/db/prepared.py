"""Reads on the hot path, run on the driver's cursor.

A contested plot's approvals are mostly refusals, each one look: a single-row SELECT. What
that look costs the client is mostly not the round trip but SQLAlchemy's execution around
it — an execution context, the result's metadata built from the driver's description of
every column (psycopg makes an object per column per execution), a row object. A
:class:`Prepared` statement is compiled once per dialect (and paramstyle); each run binds
its parameters with the column types' own bind processors, executes on the DB-API cursor (psycopg
prepares it on the server after a few runs, as it does any repeated statement) and
converts the row with the types' result processors: the values SQLAlchemy would give,
for about a third of the client time. The engine's ``before_cursor_execute`` listeners
still see every statement, and an error goes through SQLAlchemy's own handling (wrapped
as ``DBAPIError``; a lost connection drops the pool's older connections too).

For statements read for their first row (a SELECT, or data-modifying CTEs under one) with
plain bind parameters (no expanding ``IN``), that is all.
"""

from __future__ import annotations

import collections
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa


@dataclass
class _Plan:
    sql: str
    positional: tuple[str, ...] | None  # parameter names in order, or None: by name
    defaults: dict[str, Any]  # parameter values fixed in the statement
    binds: dict[str, Callable[[Any], Any]]
    columns: list[sa.ColumnElement[Any]]
    row: Any  # a named tuple of the columns: attributes and _asdict(), as a Row
    # Known from the first result's description: a numeric column's processor depends on
    # the type the server sends.
    results: list[Callable[[Any], Any] | None] | None = None


class Prepared:
    """A statement read for its first row, compiled once per dialect, run on the DB-API
    cursor."""

    def __init__(self, statement: sa.Select[Any]) -> None:
        self.statement = statement
        self._plans: dict[tuple[str, str], _Plan] = {}

    def _plan(self, dialect: sa.Dialect) -> _Plan:
        key = (dialect.name, dialect.paramstyle)  # engines of one backend may differ in style
        plan = self._plans.get(key)
        if plan is not None:
            return plan
        compiled = self.statement.compile(dialect=dialect)
        if compiled.post_compile_params:
            raise ValueError("expanding parameters are rendered per execution; use execute()")
        binds = {}
        for bind, name in compiled.bind_names.items():
            if (process := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None:
                binds[name] = process
        columns = list(self.statement.selected_columns)
        plan = _Plan(
            sql=compiled.string,
            positional=tuple(compiled.positiontup) if compiled.positional else None,
            defaults=compiled.construct_params(_check=False), binds=binds, columns=columns,
            row=collections.namedtuple("Row", [c.key for c in columns], rename=True))
        self._plans[key] = plan
        return plan

    def first(self, conn: sa.Connection, params: Mapping[str, Any]) -> Any:
        """The statement's first row, or None: a named tuple of the columns (attributes
        and ``_asdict()``, as SQLAlchemy's ``Row``); on ``conn``, in whatever transaction
        (or autocommit) it is in."""
        plan = self._plan(conn.dialect)
        values = {**plan.defaults, **params}
        for name, process in plan.binds.items():
            values[name] = process(values[name])
        sent: Any = ([values[n] for n in plan.positional] if plan.positional is not None
                     else values)
        if not conn.in_transaction():
            conn.begin()  # as execute() would: no SQL on psycopg, BEGIN on SQLite
        cursor = None
        try:
            cursor = conn.connection.cursor()
            if conn.dispatch.before_cursor_execute:
                for listener in conn.dispatch.before_cursor_execute:
                    listener(conn, cursor, plan.sql, sent, None, False)
            cursor.execute(plan.sql, sent)
            row = cursor.fetchone()
            if plan.results is None:
                plan.results = [
                    c.type.dialect_impl(conn.dialect).result_processor(conn.dialect, d[1])
                    for c, d in zip(plan.columns, cursor.description, strict=True)]
            cursor.close()
        except BaseException as exc:
            # SQLAlchemy's own handling: the error wrapped as DBAPIError, handle_error
            # listeners, and on a lost connection the pool's older connections dropped
            # too; it closes the cursor, and raises.
            conn._handle_dbapi_exception(exc, plan.sql, sent, cursor, None)
            raise
        if row is None:
            return None
        return plan.row._make(value if process is None else process(value)
                              for process, value in zip(plan.results, row, strict=True))
