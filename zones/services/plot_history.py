"""A plot's past: its geometry versions (valid-from/to), lineage edges and audited changes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from zones.model import AuditEvent, Plot, PlotLineage


@dataclass
class PlotHistory:
    versions: list[Plot] = field(default_factory=list)
    lineage: list[PlotLineage] = field(default_factory=list)
    events: list[AuditEvent] = field(default_factory=list)


def plot_history(*, session: Session, plot: Plot) -> PlotHistory:
    """Every version connected to ``plot`` through lineage (ancestors and descendants),
    the edges between them, and the audit events of each version, oldest first."""
    ids = {plot.id}
    frontier = {plot.id}
    while frontier:  # walk the lineage graph both ways; plots have few ancestors
        edges = session.scalars(sa.select(PlotLineage).where(
            sa.or_(PlotLineage.parent_id.in_(frontier), PlotLineage.child_id.in_(frontier))))
        found: set[Any] = set()
        for edge in edges:
            found |= {edge.parent_id, edge.child_id}
        frontier = found - ids
        ids |= found
    versions = session.scalars(sa.select(Plot).where(Plot.id.in_(ids))
                               .order_by(Plot.valid_from, Plot.id)).all()
    lineage = session.scalars(sa.select(PlotLineage).where(PlotLineage.child_id.in_(ids))
                              .order_by(PlotLineage.at, PlotLineage.id)).all()
    events = session.scalars(sa.select(AuditEvent).where(
        AuditEvent.entity == "plot", AuditEvent.entity_id.in_(ids))
        .order_by(AuditEvent.id)).all()
    return PlotHistory(versions=list(versions), lineage=list(lineage), events=list(events))
