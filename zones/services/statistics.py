"""Figures the working group reviews: occupancy, dormancy, readiness, the request pipeline.

Every figure is a grouped query (or an existing computation reused: dormancy over time from
:mod:`zones.services.revival`, readiness from :mod:`zones.planning.readiness`), so it
equals what a direct query of the same data gives (the tests hold it to one).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from statistics import median

import sqlalchemy as sa
from sqlalchemy.orm import Session

from zones.model import (
    AllocationRequest,
    District,
    Obstacle,
    ObstacleKind,
    ObstacleStatus,
    Plot,
    PlotStatus,
    ProductionUnit,
    RequestStatus,
    RequestStatusChange,
    Reservation,
    ReservationStatus,
    RevivalPlan,
    UnitStatus,
    WorkStatus,
)
from zones.model.programmes import PlanStatus
from zones.planning.inputs import district_data
from zones.planning.readiness import network_readiness
from zones.services.revival import dormant_on, month_ends

# How each plot status counts on the occupancy chart.
OCCUPANCY_CLASS: dict[PlotStatus, str] = {
    PlotStatus.ALLOCATED: "allocated",
    PlotStatus.UNDER_CONSTRUCTION: "allocated",
    PlotStatus.OPERATING: "allocated",
    PlotStatus.IDLE: "idle",
    PlotStatus.RESERVED: "reserved",
    PlotStatus.PLANNED: "vacant",
    PlotStatus.SERVICED: "vacant",
    PlotStatus.REVOKED: "vacant",  # taken back: in the pool again
}
CLASSES = ("allocated", "idle", "reserved", "vacant")


@dataclass
class DistrictOccupancy:
    district_code: str
    name_fa: str
    name_en: str
    area_m2: dict[str, float] = field(default_factory=lambda: dict.fromkeys(CLASSES, 0.0))
    plots: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CLASSES, 0))

    @property
    def total_m2(self) -> float:
        return sum(self.area_m2.values())

    @property
    def occupied_share(self) -> float:
        """Share of plot area held by investors (allocated or idle), 0..1."""
        total = self.total_m2
        return (self.area_m2["allocated"] + self.area_m2["idle"]) / total if total else 0.0


def occupancy(session: Session) -> list[DistrictOccupancy]:
    """Plot area and count per district and occupancy class, districts in code order."""
    rows = session.execute(
        sa.select(District.code, District.name_fa, District.name_en, Plot.status,
                  sa.func.count(Plot.id), sa.func.coalesce(sa.func.sum(Plot.area_m2), 0.0))
        .join(Plot, sa.and_(Plot.district_id == District.id, Plot.valid_to.is_(None)),
              isouter=True)
        .group_by(District.code, District.name_fa, District.name_en, Plot.status)
        .order_by(District.code)).all()
    found: dict[str, DistrictOccupancy] = {}
    for code, name_fa, name_en, status, count, area in rows:
        entry = found.setdefault(code, DistrictOccupancy(code, name_fa, name_en))
        if status is None:  # a district without plots
            continue
        kind = OCCUPANCY_CLASS[PlotStatus(status)]
        entry.area_m2[kind] += float(area)
        entry.plots[kind] += int(count)
    return list(found.values())


# --- dormancy -----------------------------------------------------------------------------

@dataclass
class ObstacleCount:
    """Dormant units held back by one obstacle kind (a unit with two kinds counts twice)."""

    kind: str
    name_fa: str
    name_en: str
    units: int


@dataclass
class DormantOn:
    day: dt.date
    dormant: int


@dataclass
class Dormancy:
    as_of: dt.date
    dormant_now: int
    over_time: list[DormantOn]


@dataclass
class DormancyObstacles:
    as_of: dt.date
    dormant_now: int
    by_obstacle: list[ObstacleCount]
    without_plan: int  # dormant units with no open revival plan yet


def dormancy(session: Session, *, today: dt.date, months: int = 24) -> Dormancy:
    """Dormant units now and at each month end of the last ``months`` months.

    The month of ``today`` is counted on ``today``. Counts come from the status history
    (:func:`zones.services.revival.dormant_on`), so a unit that went dormant, came back
    and went dormant again is counted only in the months it was dormant.
    """
    days = month_ends(today, months)
    counts = dormant_on(session=session, days=days)
    return Dormancy(as_of=today, dormant_now=_dormant_now(session),
                    over_time=[DormantOn(d, counts[d]) for d in days])


def dormancy_obstacles(session: Session, *, today: dt.date) -> DormancyObstacles:
    """Per obstacle kind: currently dormant units whose open revival plan names it (open).

    Every active kind is listed (zero included) so the chart keeps its categories;
    retired kinds appear only while a unit still has one open.
    """
    plan_open = sa.and_(RevivalPlan.unit_id == ProductionUnit.id,
                        RevivalPlan.status != PlanStatus.CLOSED)
    units = (sa.select(Obstacle.kind_id, sa.func.count(sa.distinct(ProductionUnit.id))
                       .label("units"))
             .join(RevivalPlan, Obstacle.plan_id == RevivalPlan.id)
             .join(ProductionUnit, plan_open)
             .where(Obstacle.status == ObstacleStatus.OPEN,
                    ProductionUnit.status == UnitStatus.DORMANT)
             .group_by(Obstacle.kind_id).subquery())
    rows = session.execute(
        sa.select(ObstacleKind.code, ObstacleKind.name_fa, ObstacleKind.name_en,
                  sa.func.coalesce(units.c.units, 0))
        .outerjoin(units, units.c.kind_id == ObstacleKind.id)
        .where(sa.or_(ObstacleKind.active.is_(True), units.c.units > 0))
        .order_by(ObstacleKind.id)).all()
    without = session.scalar(
        sa.select(sa.func.count()).select_from(ProductionUnit)
        .where(ProductionUnit.status == UnitStatus.DORMANT,
               ~sa.exists().where(plan_open)))
    return DormancyObstacles(
        as_of=today, dormant_now=_dormant_now(session),
        by_obstacle=[ObstacleCount(code, fa, en, int(n)) for code, fa, en, n in rows],
        without_plan=int(without or 0))


def _dormant_now(session: Session) -> int:
    return int(session.scalar(sa.select(sa.func.count()).select_from(ProductionUnit)
                              .where(ProductionUnit.status == UnitStatus.DORMANT)) or 0)


# --- infrastructure readiness -------------------------------------------------------------

WORK_STATUSES = tuple(s.value for s in WorkStatus)  # planned, under construction, complete
LINES = ("LineString", "MultiLineString")


@dataclass
class NetworkReadiness:
    """One network in one district: line length and asset count per work status.

    ``share_length`` is the complete share of line length as
    :func:`zones.planning.readiness.network_readiness` computes it (``None`` for a network
    of points only); ``share_capacity`` likewise for source capacity.
    """

    network: str
    length_m: float
    length_by_status: dict[str, float]
    assets_by_status: dict[str, int]
    share_length: float | None
    share_capacity: float | None
    expected_complete: str | None

    @property
    def length_shares(self) -> dict[str, float] | None:
        """Each status's share of the line length (``None`` without lines)."""
        if not self.length_m:
            return None
        return {s: self.length_by_status[s] / self.length_m for s in WORK_STATUSES}

    @property
    def count_shares(self) -> dict[str, float]:
        total = sum(self.assets_by_status.values())
        return {s: (self.assets_by_status[s] / total if total else 0.0)
                for s in WORK_STATUSES}


@dataclass
class DistrictReadiness:
    district_code: str
    name_fa: str
    name_en: str
    networks: list[NetworkReadiness]


def readiness(session: Session, district_code: str) -> DistrictReadiness:
    """Per network of the district's own assets: planned / under construction / complete.

    The complete length and shares are :func:`network_readiness`'s; what remains is split
    by status from its ``remaining`` list, lines only (a point has no length, and a
    polygon's ``length`` would be its perimeter). Raises ``DistrictNotFound``.
    """
    data = district_data(session, district_code)
    mine = data.assets[data.assets["district_code"] == data.district.code]
    line_ids = set(mine.loc[mine.geom_type.isin(LINES), "id"].astype(int))
    counts = mine.groupby(["network", "status"]).size()
    out = []
    for entry in network_readiness(mine):
        network = entry["network"]
        length = dict.fromkeys(WORK_STATUSES, 0.0)
        length["complete"] = entry["complete_length_m"]
        for item in entry["remaining"]:
            if item["id"] in line_ids:
                length[item["status"]] += item["length_m"]
        out.append(NetworkReadiness(
            network=network, length_m=entry["length_m"], length_by_status=length,
            assets_by_status={s: int(counts.get((network, s), 0)) for s in WORK_STATUSES},
            share_length=entry["share_length"], share_capacity=entry["share_capacity"],
            expected_complete=entry["expected_complete"]))
    d = data.district
    return DistrictReadiness(d.code, d.name_fa, d.name_en, out)


# --- allocation pipeline ------------------------------------------------------------------

PIPELINE = tuple(s.value for s in RequestStatus)
DECIDED = (RequestStatus.APPROVED, RequestStatus.REJECTED)


@dataclass
class Pipeline:
    """Allocation requests by the status a reader sees, and how long decisions take.

    A reserved request whose reservation has lapsed counts as expired, as the review
    queue shows it. Days run from the request's submission to its first approval or
    rejection.
    """

    as_of: dt.datetime
    by_status: dict[str, int]
    decided: int
    median_days_to_decision: float | None

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


def pipeline(session: Session, *, now: dt.datetime) -> Pipeline:
    """Requests per status (lapsed reservations as expired) and the median decision time."""
    live = sa.exists().where(Reservation.request_id == AllocationRequest.id,
                             Reservation.status == ReservationStatus.LIVE,
                             Reservation.expires_at > now)
    shown = sa.case((sa.and_(AllocationRequest.status == RequestStatus.RESERVED, ~live),
                     sa.literal(RequestStatus.EXPIRED.value)),
                    else_=sa.cast(AllocationRequest.status, sa.String)).label("shown")
    per_request = sa.select(shown).subquery()
    found = {shown: n for shown, n in session.execute(
        sa.select(per_request.c.shown, sa.func.count()).group_by(per_request.c.shown))}
    by_status = {s: int(found.get(s, 0)) for s in PIPELINE}
    c = RequestStatusChange
    submitted = {request_id: at for request_id, at in session.execute(
        sa.select(c.request_id, sa.func.min(c.at))
        .where(c.to_status == RequestStatus.SUBMITTED).group_by(c.request_id))}
    decided = session.execute(
        sa.select(c.request_id, sa.func.min(c.at))
        .where(c.to_status.in_(DECIDED)).group_by(c.request_id)).all()
    days = [(_utc(at) - _utc(submitted[rid])).total_seconds() / 86_400
            for rid, at in decided if rid in submitted]
    return Pipeline(as_of=now, by_status=by_status, decided=len(days),
                    median_days_to_decision=round(median(days), 2) if days else None)


def _utc(value: dt.datetime) -> dt.datetime:
    """Aggregates bypass the UTC column type on SQLite (text back): read them as UTC."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
