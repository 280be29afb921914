"""Write an audit event for every insert, update and delete of an audited table.

Hooked on the session factory (``after_flush``) so no code path that goes through the
ORM can change state without a trace. Who acted comes from ``session.info``::

    session.info["actor"] = "staff:ali"   # username, or "system:<process>"
    session.info["actor_id"] = 7          # app_user.id, when a person acted
    session.info["reason"] = "..."        # optional: why (decision reference)

Bulk loaders that bypass the ORM call :func:`record` themselves.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
from collections.abc import Iterable, Mapping
from typing import Any

import shapely
import sqlalchemy as sa
from geoalchemy2.elements import WKBElement, WKTElement
from geoalchemy2.shape import to_shape
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, sessionmaker

from zones.model import AuditAction, AuditEvent, Base, utcnow


def jsonable(value: Any) -> Any:
    """A JSON-safe form of a column value (geometries as WKT, dates ISO 8601)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, WKBElement):
        return shapely.to_wkt(to_shape(value), rounding_precision=9)
    if isinstance(value, WKTElement):
        return value.data
    if isinstance(value, shapely.Geometry):
        return shapely.to_wkt(value, rounding_precision=9)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return str(value)


REDACTED = "<secret>"


def _value(obj: Base, key: str, value: Any) -> Any:
    # Credentials never enter the audit trail: only that they were set or changed.
    return REDACTED if key in getattr(obj, "__audit_secret__", ()) else jsonable(value)


def _snapshot(obj: Base) -> dict[str, Any]:
    state = inspect(obj)
    return {
        attr.key: _value(obj, attr.key, getattr(obj, attr.key))
        for attr in state.mapper.column_attrs
        if attr.key not in ("created_at", "updated_at")
    }


def _changes(obj: Base) -> tuple[dict[str, Any], dict[str, Any]]:
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    state = inspect(obj)
    for attr in state.mapper.column_attrs:
        if attr.key == "updated_at":
            continue
        hist = state.attrs[attr.key].history
        if hist.has_changes():
            before[attr.key] = _value(obj, attr.key, hist.deleted[0]) if hist.deleted else None
            after[attr.key] = _value(obj, attr.key, hist.added[0]) if hist.added else None
    return before, after


def _after_flush(session: Session, _ctx: Any) -> None:
    rows: list[dict[str, Any]] = []
    base = {
        "at": utcnow(),
        "actor": session.info.get("actor", "system"),
        "actor_id": session.info.get("actor_id"),
        "reason": session.info.get("reason"),
    }
    for obj in session.new:
        if getattr(obj, "__audited__", False):
            rows.append(base | {"action": AuditAction.CREATE, "entity": obj.__tablename__,
                                "entity_id": obj.id, "before": None, "after": _snapshot(obj)})
    for obj in session.dirty:
        if getattr(obj, "__audited__", False) and session.is_modified(obj):
            before, after = _changes(obj)
            if after:
                rows.append(base | {"action": AuditAction.UPDATE, "entity": obj.__tablename__,
                                    "entity_id": obj.id, "before": before, "after": after})
    for obj in session.deleted:
        if getattr(obj, "__audited__", False):
            rows.append(base | {"action": AuditAction.DELETE, "entity": obj.__tablename__,
                                "entity_id": obj.id, "before": _snapshot(obj), "after": None})
    if rows:
        session.connection().execute(sa.insert(AuditEvent), rows)


def install(factory: sessionmaker[Session]) -> None:
    """Attach the audit hook to every session ``factory`` makes."""
    event.listen(factory, "after_flush", _after_flush)


def record(
    conn: sa.Connection,
    *,
    entity: str,
    rows: Iterable[Mapping[str, Any]],
    actor: str,
    action: AuditAction = AuditAction.CREATE,
    reason: str | None = None,
) -> int:
    """Write one audit event per row for a bulk write that bypassed the ORM.

    Each row must hold ``id``; the whole row (JSON-safe) becomes the event's ``after``.
    Returns the number of events written.
    """
    at = utcnow()
    events = [
        {"at": at, "actor": actor, "actor_id": None, "reason": reason, "action": action,
         "entity": entity, "entity_id": int(r["id"]), "before": None,
         "after": {k: jsonable(v) for k, v in r.items()}}
        for r in rows
    ]
    if events:
        conn.execute(sa.insert(AuditEvent), events)
    return len(events)
