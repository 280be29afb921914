"""Invariants of a zone database, checked from outside the write paths (``zones check``).

The database enforces most rules itself; this catches what a person with a SQL shell can
still break (dropped triggers, hand-edited rows that skipped the audit trail).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy.orm import Session

from zones.db import backend
from zones.frames import plot_frame
from zones.model import (
    HELD_STATUSES,
    Allocation,
    AllocationStatus,
    AuditEvent,
    Base,
    District,
    Plot,
    Zone,
    table_of,
)
from zones.spatial.measurement import metric_area
from zones.text import has_control

OVERLAP_TOLERANCE_M2 = 0.01
AREA_TOLERANCE = 0.001  # stored area may differ from recomputed by 0.1 %


@dataclass
class Violation:
    rule: str
    detail: str
    ids: list[int] = field(default_factory=list)


def run_checks(session: Session) -> list[Violation]:
    """Every violation found; an empty list means the database is sound."""
    found: list[Violation] = []
    found += _rules_installed(session)
    found += _plot_geometry(session)
    found += _allocations(session)
    found += _audit_trail(session)
    found += _readable(session)
    return found


def _rules_installed(session: Session) -> list[Violation]:
    missing = backend.missing_rules(
        session, indexes=("uq_allocation_active_plot", "uq_plot_current_code"))
    return [Violation("rules_missing", f"database rule {m} is missing") for m in missing]


def _plot_geometry(session: Session) -> list[Violation]:
    found: list[Violation] = []
    srids = {d: srid for d, srid in session.execute(
        sa.select(District.id, Zone.metric_srid).join(Zone))}
    plots = plot_frame(session)
    if plots.empty:
        return found
    geoms = plots.geometry.to_numpy()
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        found.append(Violation("plot_invalid_geometry", "plots with invalid geometry",
                               plots.id[invalid].tolist()))
    valid = plots[~invalid]
    district_ids = {p: d for p, d in session.execute(
        sa.select(Plot.id, Plot.district_id).where(Plot.valid_to.is_(None)))}
    srid = srids[district_ids[int(valid.id.iloc[0])]] if len(valid) else 32639
    tree = shapely.STRtree(valid.geometry.to_numpy())
    left, right = tree.query(valid.geometry.to_numpy(), predicate="intersects")
    pairs = left < right
    left, right = left[pairs], right[pairs]
    if len(left):
        shared = shapely.intersection(valid.geometry.to_numpy()[left],
                                      valid.geometry.to_numpy()[right])
        area = metric_area(shared, srid)
        bad = area > OVERLAP_TOLERANCE_M2
        for a, b, m2 in zip(left[bad], right[bad], area[bad], strict=True):
            ids = [int(valid.id.iloc[a]), int(valid.id.iloc[b])]
            found.append(Violation("plot_overlap", f"plots {ids} share {m2:.2f} m²", ids))
    recomputed = metric_area(valid.geometry.reset_index(drop=True), srid)
    stored = valid.area_m2.to_numpy()
    off = np.abs(recomputed - stored) > AREA_TOLERANCE * recomputed
    if off.any():
        found.append(Violation("plot_area_mismatch", "stored area differs from geometry by >0.1 %",
                               valid.id[off].tolist()))
    return found


def _allocations(session: Session) -> list[Violation]:
    found: list[Violation] = []
    active = sa.select(Allocation.plot_id, sa.func.count().label("n")).where(
        Allocation.status == AllocationStatus.ACTIVE).group_by(Allocation.plot_id)
    counts = {p: n for p, n in session.execute(active)}
    doubled = [p for p, n in counts.items() if n > 1]
    if doubled:
        found.append(Violation("allocation_multiple_active",
                               "plots with more than one active allocation", doubled))
    statuses = {p: s for p, s in session.execute(
        sa.select(Plot.id, Plot.status).where(Plot.valid_to.is_(None)))}
    held_without = [p for p, s in statuses.items() if s in HELD_STATUSES and p not in counts]
    allocated_free = [p for p in counts if p in statuses and statuses[p] not in HELD_STATUSES]
    if held_without:
        found.append(Violation("plot_held_without_allocation",
                               "plots marked held but with no active allocation", held_without))
    if allocated_free:
        found.append(Violation("allocation_on_free_plot",
                               "active allocations on plots not marked held", allocated_free))
    return found


def _audit_trail(session: Session) -> list[Violation]:
    """Every audited row has a creation event, and its status is the last one audited."""
    found: list[Violation] = []
    audited = [m for m in Base.registry.mappers if getattr(m.class_, "__audited__", False)]
    for mapper in audited:
        table = table_of(mapper.class_)
        seen = sa.select(AuditEvent.entity_id).where(AuditEvent.entity == table.name)
        missing = session.scalars(
            sa.select(table.c.id).where(table.c.id.not_in(seen))).all()
        if missing:
            found.append(Violation("unaudited_row", f"{table.name} rows with no audit event",
                                   list(missing)))
        if "status" not in table.c:
            continue
        last: dict[int, str] = {}
        events = session.execute(
            sa.select(AuditEvent.entity_id, AuditEvent.after)
            .where(AuditEvent.entity == table.name).order_by(AuditEvent.id))
        for entity_id, after in events:
            if after and "status" in after:
                last[entity_id] = after["status"]
        current = defaultdict(str, {i: getattr(s, "value", s) for i, s in
                                    session.execute(sa.select(table.c.id, table.c.status))})
        drift = [i for i, s in current.items() if i in last and last[i] != s]
        if drift:
            found.append(Violation("unaudited_change",
                                   f"{table.name} rows whose status changed without an audit "
                                   "event", drift))
    return found


def _readable(session: Session) -> list[Violation]:
    """Stored values the service cannot read back or export.

    A NULL (SQL or JSON ``null``) where the model requires a value, a value an enum does
    not know, or a control character in text: each makes every list or export that
    meets the row fail, so they are reported per table and column with the row ids.
    """
    found: list[Violation] = []
    tables = {t.name: t for m in Base.registry.mappers
              if isinstance(t := m.local_table, sa.Table)}
    for _, table in sorted(tables.items()):
        if "id" not in table.c:
            continue
        required = [c for c in table.c if not c.nullable and not c.primary_key
                    and not isinstance(c.type, Geometry)]
        texts = [c for c in table.c if isinstance(c.type, sa.String)
                 and not isinstance(c.type, sa.Enum)]
        for column in {c.name: c for c in required + texts}.values():
            found += _column_readable(session, table, column, required=column in required)
    return found


def _column_readable(session: Session, table: sa.Table, column: sa.Column[Any],
                     *, required: bool) -> list[Violation]:
    where = f"{table.name}.{column.name}"
    try:  # the column's own type reads it: an unknown enum value fails here, as in the API
        rows = session.execute(sa.select(table.c.id, column)).all()
    except (LookupError, ValueError, TypeError) as exc:
        return [Violation("unreadable_value", f"{where} holds a value that cannot be read: "
                                              f"{exc}")]
    nulls = [i for i, v in rows if v is None] if required else []
    controls = [i for i, v in rows if isinstance(v, str) and has_control(v)]
    found = []
    if nulls:
        found.append(Violation("null_in_required", f"{where} is null (SQL or JSON) "
                                                   "where a value is required", nulls))
    if controls:
        found.append(Violation("control_character", f"{where} holds control characters "
                                                    "(breaks XLSX exports)", controls))
    return found
