"""Figures the working group reviews: land occupancy per district.

Every figure is one grouped query over current plots, so it equals what a direct query
of the same data gives (the tests hold it to one).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from zones.model import District, Plot, PlotStatus

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
