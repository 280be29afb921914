"""Scoring requests on configurable criteria, and the hard gates no score can outweigh.

Criteria and their maximum points come from ``Settings.score_weights`` (the demo set of
the domain brief §4 by default, 100 points in all). Criteria named in :data:`COMPUTED`
are derived from the request itself; every other configured criterion is entered by
staff. Scales marked [A] are demo assumptions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

import sqlalchemy as sa
from sqlalchemy.orm import Session

from zones import errors
from zones.model import AllocationRequest, EnvGroup, RequestScore, utcnow
from zones.text import normalize

JOBS_PER_HA_FULL = 100.0  # [A] jobs per hectare requested that earn full points
INVESTMENT_FULL_RIAL_PER_M2 = 50_000_000.0  # [A] rial per m² requested for full points
ENV_SHARE = {EnvGroup.A: 1.0, EnvGroup.B: 0.75, EnvGroup.C: 0.5, EnvGroup.D: 0.25,
             EnvGroup.E: 0.0}  # brief §4: الف = 10 … ه = 0


def _jobs(r: AllocationRequest) -> tuple[float, str]:
    per_ha = (r.jobs or 0) / (r.area_max_m2 / 10_000)
    return min(1.0, per_ha / JOBS_PER_HA_FULL), f"{per_ha:.1f} jobs/ha"


def _export(r: AllocationRequest) -> tuple[float, str]:
    share = r.export_share or 0.0
    return share, f"{share:.0%} exported"


def _investment(r: AllocationRequest) -> tuple[float, str]:
    per_m2 = (r.investment_rial or 0) / r.area_max_m2
    return min(1.0, per_m2 / INVESTMENT_FULL_RIAL_PER_M2), f"{per_m2:,.0f} rial/m²"


def _env(r: AllocationRequest) -> tuple[float, str]:
    return ENV_SHARE[r.env_group], f"environmental group {r.env_group.value}"


def _technology(r: AllocationRequest) -> tuple[float, str]:
    return (1.0, "knowledge-based") if r.knowledge_based else (0.0, "not knowledge-based")


COMPUTED: dict[str, Callable[[AllocationRequest], tuple[float, str]]] = {
    "jobs_per_ha": _jobs, "export_share": _export, "investment_per_m2": _investment,
    "env_group": _env, "technology": _technology,
}


def staff_criteria(weights: Mapping[str, float]) -> list[str]:
    return sorted(c for c in weights if c not in COMPUTED)


def gate_failures(request: AllocationRequest, today: dt.date) -> list[str]:
    """Hard gates on the request itself: a valid establishment licence (جواز تأسیس)."""
    if not request.licence_no:
        return ["licence_missing"]
    if request.licence_expiry is not None and request.licence_expiry < today:
        return ["licence_expired"]
    return []


def score(
    *,
    session: Session,
    request: AllocationRequest,
    staff_scores: Mapping[str, float],
    weights: Mapping[str, float],
    actor: str,
    notes: Mapping[str, str] | None = None,
) -> list[RequestScore]:
    """Record staff points and recompute the computed ones; flush. Returns all rows.

    Staff points are absolute (0 … the criterion's maximum); a criterion staff did not
    score keeps its earlier points.
    """
    allowed = staff_criteria(weights)
    for criterion, points in staff_scores.items():
        if criterion not in allowed:
            raise errors.UnknownCriterion(
                f"{criterion!r} is not scored by staff; staff criteria: {allowed}",
                criterion=criterion, allowed=allowed)
        if not 0 <= points <= weights[criterion]:
            raise errors.InvalidInput(
                f"{criterion} takes 0 to {weights[criterion]} points, got {points}",
                field=criterion)
    rows = {s.criterion: s for s in session.scalars(
        sa.select(RequestScore).where(RequestScore.request_id == request.id))}
    values: dict[str, tuple[float, bool, str | None]] = {
        c: (weights[c] * share, True, note) for c, (share, note) in
        ((c, fn(request)) for c, fn in COMPUTED.items() if c in weights)}
    for criterion, points in staff_scores.items():
        values[criterion] = (float(points), False, normalize((notes or {}).get(criterion)))
    for criterion, (points, computed, note) in values.items():
        row = rows.get(criterion)
        if row is None:
            row = rows[criterion] = RequestScore(request_id=request.id, criterion=criterion)
            session.add(row)
        row.points, row.max_points, row.computed = round(points, 2), weights[criterion], computed
        row.note, row.scored_by, row.at = note, actor, utcnow()
    session.flush()
    return sorted(rows.values(), key=lambda s: s.criterion)


def total(session: Session, request_ids: list[int]) -> dict[int, float]:
    """Sum of points per request (0 for requests not scored yet)."""
    sums = dict(session.execute(
        sa.select(RequestScore.request_id, sa.func.sum(RequestScore.points))
        .where(RequestScore.request_id.in_(request_ids))
        .group_by(RequestScore.request_id)).tuples().all())
    return {rid: float(sums.get(rid) or 0.0) for rid in request_ids}
