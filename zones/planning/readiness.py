"""District readiness: how much of each network is complete, what remains, and when plots
can be handed over.

Length shares count line assets (metric length); capacity shares count the capacity of
sources (substations, reservoirs, plants) that are complete. Plots "ready" have every
essential network live (see :mod:`zones.planning.serviceability`). Dates people read come
with their Jalali form (``*_fa``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import geopandas as gpd
import pandas as pd

from zones.planning.serviceability import NO_DATE, NOW, ServiceParams, plot_service, summarise
from zones.text import jalali


def network_readiness(assets: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    """Per network of ``assets`` (one district's, metric CRS): shares complete and the rest."""
    out = []
    for network, group in sorted(assets.groupby("network"), key=lambda kv: kv[0]):
        lines = group[group.geom_type.isin(["LineString", "MultiLineString"])]
        length = lines.length
        done = lines["status"] == "complete"
        caps = group[group["capacity"].notna()]
        cap_done = caps.loc[caps["status"] == "complete", "capacity"].sum()
        remaining = group[group["status"] != "complete"]
        dates = [d for d in remaining["planned_completion"] if isinstance(d, dt.date)]
        out.append({
            "network": network,
            "length_m": round(float(length.sum()), 1),
            "complete_length_m": round(float(length[done].sum()), 1),
            "share_length": round(float(length[done].sum() / length.sum()), 4)
            if length.sum() else None,
            "capacity": float(caps["capacity"].sum()) if len(caps) else None,
            "share_capacity": round(float(cap_done / caps["capacity"].sum()), 4)
            if len(caps) and caps["capacity"].sum() else None,
            "remaining": [
                {"id": int(r.id), "kind": r.kind, "name_fa": r.name_fa, "name_en": r.name_en,
                 "status": r.status,
                 "length_m": round(float(r.geometry.length), 1),
                 "expected": r.planned_completion.isoformat()
                 if isinstance(r.planned_completion, dt.date) else None,
                 "expected_fa": jalali(r.planned_completion)
                 if isinstance(r.planned_completion, dt.date) else None}
                for r in remaining.itertuples()],
            "expected_complete": max(dates).isoformat()
            if dates and len(dates) == len(remaining) else None,
        })
    return out


def plot_readiness(plots: gpd.GeoDataFrame, assets: gpd.GeoDataFrame,
                   params: ServiceParams | None = None) -> dict[str, Any]:
    """Plots ready now, and the cumulative count ready by each expected date."""
    p = params or ServiceParams()
    summary = summarise(plot_service(plots, assets, p), p.essential)
    by_date = pd.Series([d for d in summary["ready_by"] if d is not None]).value_counts()
    ready_now = int(summary["ready_now"].sum())
    timeline, running = [], ready_now
    for day in sorted(by_date.index):
        running += int(by_date[day])
        timeline.append({"date": day, "date_fa": jalali(dt.date.fromisoformat(day)),
                         "plots_ready": running})
    return {"plots": len(plots), "ready_now": ready_now, "by_date": timeline,
            "never": int(summary["ready_never"].sum()), "per_plot": summary}


__all__ = ["NOW", "NO_DATE", "network_readiness", "plot_readiness"]
