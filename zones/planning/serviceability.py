"""Which networks serve a plot now, and when the rest will.

Each network is a :mod:`networkx` graph: a node per line vertex (vertices closer than
``snap_m`` are one node), an edge per line segment carrying the date it is complete
(``completed_on``, else ``planned_completion``; none = not yet scheduled). A source
(substation, reservoir, gas station, treatment plant, exchange) is attached to the nodes
within ``snap_m`` of it and has its own date.

A segment is *live* on the first date it is complete and connected to a live source
through segments complete by then — the latest completion date along the best path. That
is computed by growing the graph date by date (few distinct dates) and taking connected
components, rather than a hand-written path search. A plot is served by a network from
the earliest date a live segment lies within ``reach_m`` of it.

All geometry is in the metric CRS. Roads have no source: a complete road segment serves.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

SOURCE_KINDS = {"power": {"substation_63_20kv", "substation"}, "water": {"reservoir"},
                "gas": {"station"}, "sewer": {"treatment_plant"}, "telecom": {"exchange"}}
ESSENTIAL = ("road", "power", "water", "sewer")
NO_DATE = dt.date.max  # planned with no date: never, as far as we know
NOW = dt.date.min      # complete: serves already


@dataclass(frozen=True)
class ServiceParams:
    snap_m: float = 1.0
    reach_m: float = 60.0
    essential: tuple[str, ...] = ESSENTIAL
    networks: tuple[str, ...] = ("road", "power", "water", "gas", "sewer", "telecom")


@dataclass
class NetworkGraph:
    network: str
    graph: nx.Graph
    segments: gpd.GeoDataFrame  # one row per edge: u, v, asset_id, ready (date), live (date)
    sources: list[dict[str, Any]] = field(default_factory=list)


def ready_date(status: str, completed_on: Any, planned: Any) -> dt.date:
    """When an element is (or will be) complete: NOW if complete, its plan date, else never."""
    if status == "complete":
        return NOW
    return planned if isinstance(planned, dt.date) else NO_DATE


def _segments(lines: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Every line exploded into two-point segments, keeping the asset's id and date."""
    rows = []
    for asset_id, geom, ready in zip(lines["id"], lines.geometry, lines["ready"], strict=True):
        for part in shapely.get_parts(geom):
            xy = shapely.get_coordinates(part)
            for a, b in itertools.pairwise(xy):
                rows.append((asset_id, ready, tuple(a), tuple(b)))
    geoms = [shapely.LineString([a, b]) for _, _, a, b in rows]
    return gpd.GeoDataFrame({"asset_id": [r[0] for r in rows], "ready": [r[1] for r in rows],
                             "a": [r[2] for r in rows], "b": [r[3] for r in rows]},
                            geometry=geoms, crs=lines.crs)


def _snap(points: np.ndarray, tol: float) -> np.ndarray:
    """Node label per point: points within ``tol`` of each other share a label."""
    if len(points) == 0:
        return np.zeros(0, dtype=int)
    geoms = shapely.points(points)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="dwithin", distance=tol)
    g = nx.Graph()
    g.add_nodes_from(range(len(points)))
    g.add_edges_from(zip(left.tolist(), right.tolist(), strict=True))
    labels = np.empty(len(points), dtype=int)
    for label, members in enumerate(sorted(nx.connected_components(g), key=min)):
        labels[list(members)] = label
    return labels


def build_graph(network: str, assets: gpd.GeoDataFrame, snap_m: float) -> NetworkGraph:
    """The graph of one network from its assets (metric CRS, columns as in frames)."""
    mine = assets[assets["network"] == network].copy()
    mine["ready"] = [ready_date(s, c, p) for s, c, p in
                     zip(mine["status"], mine["completed_on"], mine["planned_completion"],
                         strict=True)]
    lines = mine[mine.geom_type.isin(["LineString", "MultiLineString"])]
    segs = _segments(lines)
    ends = np.array([*segs["a"], *segs["b"]]) if len(segs) else np.zeros((0, 2))
    labels = _snap(ends, snap_m)
    segs["u"], segs["v"] = labels[: len(segs)], labels[len(segs):]
    graph = nx.Graph()
    for u, v, ready in zip(segs["u"], segs["v"], segs["ready"], strict=True):
        # Parallel segments between the same nodes: the earliest one counts.
        if not graph.has_edge(u, v) or graph[u][v]["ready"] > ready:
            graph.add_edge(int(u), int(v), ready=ready)
    sources = []
    kinds = SOURCE_KINDS.get(network, set())
    points = mine[mine["kind"].isin(kinds)]
    if len(points) and len(ends):
        tree = shapely.STRtree(shapely.points(ends))
        for row in points.itertuples():
            near = tree.query(row.geometry, predicate="dwithin", distance=snap_m)
            sources.append({"id": row.id, "ready": row.ready, "capacity": row.capacity,
                            "unit": row.capacity_unit, "nodes": sorted({int(labels[i])
                                                                        for i in near})})
    return NetworkGraph(network, graph, segs, sources)


def live_dates(net: NetworkGraph) -> pd.Series:
    """Per segment (index of ``net.segments``), the date it carries service (NO_DATE: never)."""
    segs = net.segments
    if net.network == "road" or net.network not in SOURCE_KINDS:
        return segs["ready"].copy()
    node_live: dict[int, dt.date] = {}
    levels = sorted({*segs["ready"], *(s["ready"] for s in net.sources)} - {NO_DATE})
    for level in levels:
        sub = nx.Graph([(u, v) for u, v, d in net.graph.edges(data="ready") if d <= level])
        starts = {n for s in net.sources if s["ready"] <= level for n in s["nodes"]}
        sub.add_nodes_from(starts)
        for node in nx.multi_source_dijkstra_path_length(sub, starts) if starts else ():
            node_live.setdefault(node, level)
    u_live = segs["u"].map(lambda n: node_live.get(n, NO_DATE))
    v_live = segs["v"].map(lambda n: node_live.get(n, NO_DATE))
    reach = np.minimum(u_live.to_numpy(), v_live.to_numpy())
    return pd.Series([max(r, s) for r, s in zip(reach, segs["ready"], strict=True)],
                     index=segs.index)


def plot_service(plots: gpd.GeoDataFrame, assets: gpd.GeoDataFrame,
                 params: ServiceParams | None = None) -> pd.DataFrame:
    """Per plot (index of ``plots``) and network, the date service arrives (NOW, a date,
    or NO_DATE). Both frames in the same metric CRS."""
    p = params or ServiceParams()
    out = pd.DataFrame(index=plots.index)
    for network in p.networks:
        net = build_graph(network, assets, p.snap_m)
        segs = net.segments.assign(live=live_dates(net))
        segs = segs[segs["live"] < NO_DATE]
        # Earliest date per plot, on day ordinals (numpy) rather than date objects.
        first = np.full(len(plots), NO_DATE.toordinal(), dtype=np.int64)
        if len(segs):
            tree = shapely.STRtree(segs.geometry.to_numpy())
            plot_idx, seg_idx = tree.query(plots.geometry.to_numpy(), predicate="dwithin",
                                           distance=p.reach_m)
            live = np.array([d.toordinal() for d in segs["live"]], dtype=np.int64)
            np.minimum.at(first, plot_idx, live[seg_idx])
        days = {int(o): dt.date.fromordinal(int(o)) for o in np.unique(first)}
        out[network] = [days[int(o)] for o in first]
    return out


def summarise(service: pd.DataFrame, essential: tuple[str, ...] = ESSENTIAL) -> pd.DataFrame:
    """Per plot: networks serving now, the rest with their dates, and hand-over readiness."""
    cols = list(service.columns)
    ess = [c for c in essential if c in cols]
    rows = []
    for idx, row in service.iterrows():
        ready_by = max((row[c] for c in ess), default=NOW)
        rows.append({
            "index": idx,
            "served_now": [c for c in cols if row[c] == NOW],
            "served_later": {c: row[c].isoformat() for c in cols if NOW < row[c] < NO_DATE},
            "not_planned": [c for c in cols if row[c] == NO_DATE],
            "ready_now": ready_by == NOW,
            "ready_by": None if ready_by in (NOW, NO_DATE) else ready_by.isoformat(),
            "ready_never": ready_by == NO_DATE,
        })
    return pd.DataFrame(rows, columns=["index", "served_now", "served_later", "not_planned",
                                       "ready_now", "ready_by", "ready_never"],
                        dtype=object).set_index("index")


def demand_vs_capacity(plots: gpd.GeoDataFrame, assets: gpd.GeoDataFrame,
                       params: ServiceParams | None = None, *,
                       kva_per_net_ha: float = 350.0, lps_per_net_ha: float = 0.75
                       ) -> list[dict[str, Any]]:
    """Demand of ``plots`` against the capacity of the sources whose network reaches them.

    Demand uses mid rates of the brief (0.2–0.5 MVA and 0.5–1 L/s per net ha). A source
    shared with other districts is counted whole, and said so.
    """
    p = params or ServiceParams()
    net_ha = float(plots.area.sum()) / 10_000
    demand = {"power": (net_ha * kva_per_net_ha, "kVA"),
              "water": (net_ha * lps_per_net_ha * 86.4, "m3/day"),
              "sewer": (net_ha * lps_per_net_ha * 86.4 * 0.8, "m3/day")}
    out = []
    for network, (need, unit) in demand.items():
        net = build_graph(network, assets, p.snap_m)
        comps = list(nx.connected_components(net.graph))
        segs = net.segments
        near: set[int] = set()
        if len(segs):
            tree = shapely.STRtree(segs.geometry.to_numpy())
            _, seg_idx = tree.query(plots.geometry.to_numpy(), predicate="dwithin",
                                    distance=p.reach_m)
            near = {int(n) for i in set(seg_idx.tolist()) for n in
                    (segs["u"].iloc[i], segs["v"].iloc[i])}
        touching = [c for c in comps if c & near]
        reached = [s for s in net.sources if any(set(s["nodes"]) & c for c in touching)]
        cap = sum(s["capacity"] or 0.0 for s in reached)
        cap_unit = reached[0]["unit"] if reached else None
        if cap_unit == "MVA":
            cap, cap_unit = cap * 1000, "kVA"
        out.append({"network": network, "demand": round(need, 1), "demand_unit": unit,
                    "capacity": round(cap, 1), "capacity_unit": cap_unit,
                    "sources": [int(s["id"]) for s in reached],
                    "ratio": round(need / cap, 3) if cap and cap_unit == unit else None})
    return out
