"""Ranking vacant plots for an allocation request, with every part of the score explained.

The database narrows the candidates (current, vacant, not reserved for someone else, a
usable land use, roughly the right size, not in an expansion-only district for a new
unit); the rest is vectorised numpy over per-plot features computed with shapely 2's
STRtree in the zone's metric CRS (EPSG:32639 for Anzali): environmental buffers,
reachable utilities, distances to ports, customs sites and rail. Those features depend
only on the plot (whose geometry never changes: a re-drawn plot is a new row) and on the
infrastructure layers, so they are computed once per process and recomputed when a plot
is added or a layer changes. For an expansion, the boundary shared with the unit's
current plots ranks first.

Points (100 in all): area fit 30, utilities 30, port 10, customs 10, rail 10,
preference 10. Scales marked [A] are demo assumptions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
import sqlalchemy as sa
from sqlalchemy.orm import Session

from zones.db import backend
from zones.frames import frame, wkb
from zones.model import (
    Allocation,
    AllocationRequest,
    AllocationStatus,
    CustomsSite,
    District,
    DistrictPolicy,
    EnvGroup,
    InfrastructureAsset,
    LandUse,
    Network,
    Plot,
    ProtectedArea,
    ProtectedKind,
    RequestPurpose,
    Reservation,
    ReservationStatus,
    SiteStatus,
    WorkStatus,
    Zone,
    utcnow,
)
from zones.services.allocation import ALLOCATABLE
from zones.settings import Settings

WEIGHTS = {"area_fit": 30.0, "utilities": 30.0, "port": 10.0, "customs": 10.0, "rail": 10.0,
           "preference": 10.0}
DISTANCE_ZERO_M = 10_000.0  # [A] a port, customs site or railway this far earns no points
AREA_SLACK = 0.5  # plots up to 50 % outside the wanted range are still offered, with fewer points
POLLUTING = frozenset({EnvGroup.D, EnvGroup.E})  # siting groups د and ه
BUFFERED = (ProtectedKind.WETLAND, ProtectedKind.NATIONAL_PARK, ProtectedKind.SEA)
WAREHOUSING_DIVISION = "52"  # ISIC 52 may also take warehouse land


@dataclass
class Match:
    plot_id: int
    district: str
    code: str
    area_m2: float
    score: float
    adjacent_m: float
    components: dict[str, dict[str, Any]]
    geometry: shapely.Geometry  # lon/lat


@dataclass
class Matches:
    request_id: int
    candidates: int  # plots that passed the database filter
    excluded: dict[str, int] = field(default_factory=dict)
    expansion_only_districts: list[str] = field(default_factory=list)
    items: list[Match] = field(default_factory=list)


def _candidate_filter(request: AllocationRequest, now: dt.datetime, closed: list[int]) -> Any:
    held = sa.select(Allocation.plot_id).where(Allocation.status == AllocationStatus.ACTIVE)
    reserved = sa.select(Reservation.plot_id).where(
        Reservation.status == ReservationStatus.LIVE, Reservation.expires_at > now,
        Reservation.request_id != request.id)
    uses = [LandUse.INDUSTRIAL]
    if request.isic4.startswith(WAREHOUSING_DIVISION):
        uses.append(LandUse.WAREHOUSE)
    where = sa.and_(
        Plot.status.in_(ALLOCATABLE), Plot.land_use.in_(uses), Plot.id.not_in(held),
        Plot.id.not_in(reserved),
        Plot.area_m2.between(request.area_min_m2 * (1 - AREA_SLACK),
                             request.area_max_m2 * (1 + AREA_SLACK)))
    if closed:
        where = sa.and_(where, Plot.district_id.not_in(closed))
    return where


def _layer(session: Session, stmt: sa.Select[Any], srid: int) -> gpd.GeoDataFrame:
    return frame(session, stmt).to_crs(srid)


def _nearest(targets: np.ndarray, geoms: np.ndarray, max_distance: float | None = None
             ) -> tuple[np.ndarray, np.ndarray]:
    """For each geometry, the index of its nearest target (-1 if none) and the distance."""
    index = np.full(len(geoms), -1)
    distance = np.full(len(geoms), np.nan)
    if len(targets) and len(geoms):
        pairs, dist = shapely.STRtree(targets).query_nearest(
            geoms, max_distance=max_distance, return_distance=True, all_matches=False)
        index[pairs[0]], distance[pairs[0]] = pairs[1], dist
    return index, distance


def _distance_share(distance: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(distance), 0.0, np.clip(1 - distance / DISTANCE_ZERO_M, 0, 1))


def _area_share(area: np.ndarray, low: float, high: float) -> np.ndarray:
    off = np.where(area < low, (low - area) / low, np.where(area > high, (area - high) / high, 0))
    return np.clip(1 - off / AREA_SLACK, 0, 1)


@dataclass
class _Reach:
    """Nearest complete and unfinished segment of one network for every plot."""

    done: gpd.GeoDataFrame
    todo: gpd.GeoDataFrame
    i_done: np.ndarray
    d_done: np.ndarray
    i_todo: np.ndarray
    d_todo: np.ndarray

    def explain(self, k: int) -> dict[str, Any]:
        if self.i_done[k] >= 0:
            hit = self.done.iloc[self.i_done[k]]
            return {"status": "complete", "distance_m": round(float(self.d_done[k]), 1),
                    "completion": hit["completed_on"]}
        if self.i_todo[k] >= 0:
            hit = self.todo.iloc[self.i_todo[k]]
            return {"status": hit["status"].value, "distance_m": round(float(self.d_todo[k]), 1),
                    "completion": hit["planned_completion"]}
        return {"status": "none_within_reach", "distance_m": None, "completion": None}


UTILITY_NEEDS = (Network.POWER, Network.WATER, Network.GAS, Network.RAIL)


def _needed(request: AllocationRequest) -> list[str]:
    wanted = (request.power_kva, request.water_m3_day, request.needs_gas, request.needs_rail)
    return [n.value for n, w in zip(UTILITY_NEEDS, wanted, strict=True) if w]


def _reach_all(session: Session, geoms: np.ndarray, srid: int, reach: float
               ) -> dict[str, _Reach]:
    """For every plot and network, the nearest complete / unfinished segment within reach."""
    a = InfrastructureAsset
    assets = _layer(session, sa.select(a.network, a.status, a.planned_completion, a.completed_on,
                                       wkb(a.geom)).where(a.network.in_(UTILITY_NEEDS)), srid)
    found: dict[str, _Reach] = {}
    for network in UTILITY_NEEDS:
        mine = assets[assets["network"] == network]
        done = mine[mine["status"] == WorkStatus.COMPLETE]
        todo = mine[mine["status"] != WorkStatus.COMPLETE]
        found[network.value] = _Reach(done, todo, *_nearest(done.geometry.to_numpy(), geoms,
                                                            reach),
                                      *_nearest(todo.geometry.to_numpy(), geoms, reach))
    return found


def _in_buffers(session: Session, geoms: np.ndarray, srid: int, buffer_m: float) -> np.ndarray:
    """Plots inside a wetland / national park / shore buffer (refused to groups D and E)."""
    refused = np.zeros(len(geoms), dtype=bool)
    p = ProtectedArea
    areas = _layer(session, sa.select(p.buffer_m, wkb(p.geom)).where(p.kind.in_(BUFFERED)), srid)
    if areas.empty or not len(geoms):
        return refused
    zones = shapely.buffer(areas.geometry.to_numpy(),
                           np.maximum(areas["buffer_m"].fillna(0).to_numpy(), buffer_m))
    refused[shapely.STRtree(zones).query(geoms, predicate="intersects")[0]] = True
    return refused


@dataclass
class _Features:
    """What matching needs of every current plot, independent of the request.

    A plot row's geometry never changes (a re-drawn plot is a new row), so these stay
    valid until a plot is added or infrastructure, customs sites or protected areas change:
    :func:`_fingerprint` notices either.
    """

    ids: np.ndarray  # ascending
    district: np.ndarray  # codes; a plot row's district, code and area never change either
    code: np.ndarray
    area: np.ndarray
    geoms: np.ndarray  # metric CRS
    lonlat: np.ndarray
    distances: dict[str, np.ndarray]
    reach: dict[str, _Reach]
    in_buffer: np.ndarray


_CACHE: dict[str, tuple[tuple[Any, ...], _Features]] = {}


def _fingerprint(session: Session, settings: Settings) -> tuple[Any, ...]:
    parts = [sa.select(sa.func.max(Plot.id)).scalar_subquery()]
    for table in (InfrastructureAsset, CustomsSite, ProtectedArea):
        parts += [sa.select(sa.func.count(table.id)).scalar_subquery(),
                  sa.select(sa.func.max(table.updated_at)).scalar_subquery()]
    row = session.execute(sa.select(*parts)).one()
    return (*row, settings.utility_reach_m, settings.env_buffer_m, tuple(settings.ports))


def _features(session: Session, settings: Settings, srid: int) -> _Features:
    key = str(session.get_bind().engine.url)
    stamp = _fingerprint(session, settings)
    cached = _CACHE.get(key)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    plots = frame(session, sa.select(Plot.id, District.code.label("district_code"), Plot.code,
                                     Plot.area_m2, wkb(Plot.geom))
                  .join(District, Plot.district_id == District.id)
                  .where(Plot.valid_to.is_(None)).order_by(Plot.id))
    lonlat = plots.geometry.to_numpy()
    geoms = plots.to_crs(srid).geometry.to_numpy()
    ports = shapely.points(np.asarray(settings.ports, dtype=float).reshape(-1, 2))
    c, a = CustomsSite, InfrastructureAsset
    customs = _layer(session, sa.select(c.code, wkb(c.geom)).where(
        c.status != SiteStatus.REJECTED), srid)
    rail = _layer(session, sa.select(a.id, wkb(a.geom)).where(a.network == Network.RAIL), srid)
    features = _Features(
        ids=plots["id"].to_numpy(), district=plots["district_code"].to_numpy(),
        code=plots["code"].to_numpy(), area=plots["area_m2"].to_numpy(dtype=float),
        geoms=geoms, lonlat=lonlat,
        distances={"port": _nearest(gpd.GeoSeries(ports, crs=4326).to_crs(srid).to_numpy(),
                                    geoms)[1],
                   "customs": _nearest(customs.geometry.to_numpy(), geoms)[1],
                   "rail": _nearest(rail.geometry.to_numpy(), geoms)[1]},
        reach=_reach_all(session, geoms, srid, settings.utility_reach_m),
        in_buffer=_in_buffers(session, geoms, srid, settings.env_buffer_m))
    _CACHE[key] = (stamp, features)
    return features


def _adjacency(session: Session, request: AllocationRequest, feats: _Features,
               geoms: np.ndarray) -> np.ndarray:
    """Metres of boundary each plot shares with the unit's current plots (0.5 m tolerance,
    since stored lon/lat vertices do not land exactly on each other after projection)."""
    shared = np.zeros(len(geoms))
    if request.purpose is not RequestPurpose.EXPANSION or request.unit_id is None:
        return shared
    own_ids = np.asarray(session.scalars(
        sa.select(Plot.id).join(Allocation, Allocation.plot_id == Plot.id).where(
            Allocation.unit_id == request.unit_id, Allocation.status == AllocationStatus.ACTIVE,
            Plot.valid_to.is_(None))).all(), dtype=feats.ids.dtype)
    if not len(own_ids) or not len(geoms):
        return shared
    own_geoms = feats.geoms[np.searchsorted(feats.ids, own_ids)]
    pairs = shapely.STRtree(shapely.buffer(own_geoms, 0.5)).query(geoms, predicate="intersects")
    lengths = shapely.length(shapely.intersection(shapely.boundary(geoms[pairs[0]]),
                                                  shapely.buffer(own_geoms[pairs[1]], 0.5)))
    np.add.at(shared, pairs[0], lengths)
    return np.round(shared, 1)


def candidate_ids(session: Session, where: Any) -> np.ndarray:
    """Ids of the plots matching ``where``, fetched as one aggregated value
    (:func:`zones.db.backend.id_array`: tens of thousands of one-column rows cost far
    more in the driver than in the database)."""
    return backend.id_array(session, Plot.id, where)


def match(*, session: Session, request: AllocationRequest, settings: Settings, limit: int = 20,
          now: dt.datetime | None = None) -> Matches:
    """The best ``limit`` vacant plots for ``request``, best first, each component explained."""
    now = now or utcnow()
    srid = session.scalar(sa.select(Zone.metric_srid).order_by(Zone.id)) or 32639
    closed_rows = session.execute(
        sa.select(District.id, District.code).join(DistrictPolicy).where(
            DistrictPolicy.expansion_only.is_(True))).all()
    closed = ([] if request.purpose is RequestPurpose.EXPANSION else
              [row.id for row in closed_rows])
    ids = candidate_ids(session, sa.and_(Plot.valid_to.is_(None),
                                         _candidate_filter(request, now, closed)))
    result = Matches(request_id=request.id, candidates=len(ids),
                     expansion_only_districts=sorted(r.code for r in closed_rows))
    if not len(ids):
        return result
    feats = _features(session, settings, srid)
    pos = np.searchsorted(feats.ids, ids.astype(feats.ids.dtype))
    if np.any(pos >= len(feats.ids)) or np.any(feats.ids[np.minimum(pos, len(feats.ids) - 1)]
                                               != ids):
        _CACHE.clear()  # a plot was added between the fingerprint and the query
        feats = _features(session, settings, srid)
        pos = np.searchsorted(feats.ids, ids.astype(feats.ids.dtype))
    districts, codes, area = feats.district[pos], feats.code[pos], feats.area[pos]
    if request.env_group in POLLUTING:
        refused = feats.in_buffer[pos]
        result.excluded["env_buffer"] = int(refused.sum())
        keep = ~refused
        ids, districts, codes, area, pos = ids[keep], districts[keep], codes[keep], area[keep], \
            pos[keep]
        if not len(ids):
            return result
    needed = _needed(request)
    shares = {"area_fit": _area_share(area, request.area_min_m2, request.area_max_m2),
              "utilities": np.mean([np.where(feats.reach[n].i_done[pos] >= 0, 1.0, np.where(
                  feats.reach[n].i_todo[pos] >= 0, 0.5, 0.0)) for n in needed], axis=0)
              if needed else np.ones(len(ids))}
    distances = {k: d[pos] for k, d in feats.distances.items()}
    for key, dist in distances.items():
        shares[key] = _distance_share(dist)
    wanted = {(d, c) for d, c in request.preferred_plots}
    preferred = np.zeros(len(ids), dtype=bool)
    for district, code in wanted:  # a handful at most
        preferred |= (districts == district) & (codes == code)
    shares["preference"] = np.where(preferred, 1.0, np.where(
        np.isin(districts, request.preferred_districts), 0.5, 0.0))
    total: np.ndarray = np.sum([WEIGHTS[k] * v for k, v in shares.items()], axis=0)
    adjacent = _adjacency(session, request, feats, feats.geoms[pos])
    order = np.lexsort((ids, -total, -adjacent))[:limit]
    for i in order:
        components: dict[str, dict[str, Any]] = {
            k: {"points": round(float(WEIGHTS[k] * shares[k][i]), 2), "max": WEIGHTS[k]}
            for k in WEIGHTS}
        components["area_fit"].update(area_m2=round(float(area[i]), 1),
                                      wanted=[request.area_min_m2, request.area_max_m2])
        components["utilities"]["networks"] = {n: feats.reach[n].explain(pos[i])
                                               for n in needed}
        for key, dist in distances.items():
            components[key]["distance_m"] = None if np.isnan(dist[i]) else round(
                float(dist[i]), 1)
        components["preference"]["preferred_plot"] = bool(preferred[i])
        components["env_group"] = {"group": request.env_group.value, "allowed": True,
                                   "buffer_m": settings.env_buffer_m
                                   if request.env_group in POLLUTING else None}
        result.items.append(Match(
            plot_id=int(ids[i]), district=str(districts[i]), code=str(codes[i]),
            area_m2=float(area[i]), score=round(float(total[i]), 2),
            adjacent_m=float(adjacent[i]), components=components,
            geometry=feats.lonlat[pos[i]]))
    return result


def env_allowed(*, session: Session, request: AllocationRequest, plot: Plot,
                settings: Settings) -> bool:
    """Whether ``request``'s environmental group may be sited on ``plot`` (a hard gate)."""
    if request.env_group not in POLLUTING:
        return True
    srid = session.scalar(sa.select(Zone.metric_srid).order_by(Zone.id)) or 32639
    one = _layer(session, sa.select(wkb(Plot.geom)).where(Plot.id == plot.id), srid)
    return not bool(_in_buffers(session, one.geometry.to_numpy(), srid,
                                settings.env_buffer_m)[0])
