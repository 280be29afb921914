"""The analyses run against the database: each reads what it needs, computes in the metric
CRS and answers plain JSON (GeoJSON in EPSG:4326 where there is a map)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa
from pyproj import Transformer
from sqlalchemy.orm import Session

from zones import errors, frames
from zones.model import Zone
from zones.planning import inputs
from zones.planning.layout import Layout, LayoutParams, capacity, compare, lay_out
from zones.planning.readiness import network_readiness, plot_readiness
from zones.planning.serviceability import (
    NO_DATE,
    NOW,
    ServiceParams,
    demand_vs_capacity,
    plot_service,
    summarise,
)
from zones.planning.siting import (
    PORT_GATE_LONLAT,
    SitingContext,
    SitingParams,
    demand_points,
    generate_sites,
    locate,
    score_sites,
)

MAX_LAYOUT_HA = 2000.0  # a planning study, not a city: keeps one request bounded in time
MAX_LAYOUT_VERTICES = 10_000
DEFAULT_SRID = 32639
# p-median on 1,000 plots × 50 sites takes ~20 s (model build + CBC); a district's
# plots against the candidates stay far below this.
MAX_SITING_PAIRS = 25_000


def feature_collection(gdf: gpd.GeoDataFrame) -> dict[str, Any]:
    """A GeoDataFrame as a GeoJSON FeatureCollection in EPSG:4326 (dates as ISO text)."""
    out = gdf.to_crs(4326).copy()
    for col in out.columns:
        if col != out.geometry.name and out[col].dtype == object:
            out[col] = [v.isoformat() if isinstance(v, dt.date) else v for v in out[col]]
    return json.loads(out.to_json(drop_id=True, na="null"))


# --- layouts --------------------------------------------------------------------------

def layout_area(session: Session, *, expansion_code: str | None,
                geometry: dict[str, Any] | None) -> tuple[shapely.Geometry, int, int | None]:
    """(area in metric CRS, srid, district id) from an expansion code or a GeoJSON polygon."""
    if expansion_code is not None:
        area, boundary = inputs.find_expansion(session, expansion_code)
        district = session.get(inputs.District, area.district_id)
        srid = inputs.metric_srid(session, district) if district else DEFAULT_SRID
        return boundary.to_crs(srid).iloc[0], srid, area.district_id
    if geometry is None:
        raise errors.InvalidInput("give an expansion_code or a geometry")
    geom = shapely.geometry.shape(geometry)
    if shapely.get_num_coordinates(geom) > MAX_LAYOUT_VERTICES:
        raise errors.LayoutAreaTooLarge(f"more than {MAX_LAYOUT_VERTICES} vertices")
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise errors.InvalidGeometry("coordinates must be longitude, latitude (EPSG:4326)")
    if not geom.is_valid or geom.is_empty:
        raise errors.InvalidGeometry(f"the polygon is not valid: {shapely.is_valid_reason(geom)}")
    # A free polygon is measured in the zone's metric CRS, like everything else in it.
    srid = session.scalar(sa.select(Zone.metric_srid).order_by(Zone.id).limit(1)) or DEFAULT_SRID
    return gpd.GeoSeries([geom], crs=4326).to_crs(srid).iloc[0], srid, None


def run_layouts(area: shapely.Geometry, srid: int, scenarios: dict[str, LayoutParams]
                ) -> dict[str, Any]:
    """Lay out ``area`` once per named parameter set; capacities and a comparison table."""
    if area.area / 10_000 > MAX_LAYOUT_HA:
        raise errors.LayoutAreaTooLarge(
            f"the area is {area.area / 10_000:.0f} ha; the limit is {MAX_LAYOUT_HA:.0f} ha",
            area_ha=round(area.area / 10_000, 1))
    out: dict[str, Any] = {"scenarios": []}
    caps = {}
    for name, params in scenarios.items():
        layout = lay_out(area, params, crs=srid)
        caps[name] = capacity(layout)
        out["scenarios"].append({"name": name, "capacity": caps[name],
                                 "layout": layout_geojson(layout)})
    table = compare(caps)
    out["comparison"] = [{"figure": idx, **row} for idx, row in
                         table.astype(object).where(pd.notna(table), None).iterrows()]
    return out


def layout_geojson(layout: Layout) -> dict[str, Any]:
    roads = layout.roads.assign(layer="road", use="road")
    parcels = layout.parcels.drop(columns=["order"]).assign(layer="parcel")
    both = pd.concat([parcels, roads], ignore_index=True)
    both["area_m2"] = both.geometry.area.round(1)
    return feature_collection(gpd.GeoDataFrame(both, geometry="geometry", crs=layout.roads.crs))


# --- serviceability and readiness ------------------------------------------------------

def _date_text(value: dt.date) -> str | None:
    if value == NOW:
        return "now"
    return None if value == NO_DATE else value.isoformat()


def run_serviceability(session: Session, district_code: str,
                       params: ServiceParams | None = None) -> dict[str, Any]:
    """Per plot of the district: network → "now", a date or null; and demand vs capacity."""
    p = params or ServiceParams()
    data = inputs.district_data(session, district_code)
    service = plot_service(data.plots, data.assets, p)
    summary = summarise(service, p.essential)
    plots = data.plots[["id", "code", "name_fa", "name_en", "status", "geometry"]].copy()
    plots["networks"] = [{n: _date_text(service.at[i, n]) for n in service.columns}
                         for i in plots.index]
    for col in ("served_now", "served_later", "not_planned", "ready_now", "ready_by"):
        plots[col] = summary[col].reindex(plots.index).tolist()
    fc = feature_collection(plots)
    fc["district"] = data.district.code
    fc["params"] = {"snap_m": p.snap_m, "reach_m": p.reach_m, "essential": list(p.essential)}
    fc["demand_vs_capacity"] = demand_vs_capacity(data.plots, data.assets, p)
    return fc


def run_readiness(session: Session, district_code: str,
                  params: ServiceParams | None = None) -> dict[str, Any]:
    """Per network of the district: shares complete, what remains; plots ready by date."""
    data = inputs.district_data(session, district_code)
    mine = data.assets[data.assets["district_code"] == data.district.code]
    ready = plot_readiness(data.plots, data.assets, params)
    per_plot = ready.pop("per_plot")
    ready["ready_now_codes"] = sorted(data.plots.loc[per_plot.index[per_plot["ready_now"]
                                                                    .astype(bool)], "code"])
    return {"district": data.district.code, "as_of": dt.date.today().isoformat(),
            "networks": network_readiness(mine), "plots": ready}


# --- customs siting ---------------------------------------------------------------------

def siting_context(session: Session, srid: int) -> SitingContext:
    assets = frames.infrastructure_frame(session).to_crs(srid)
    protected = frames.protected_frame(session).to_crs(srid)
    gate = Transformer.from_crs(4326, srid, always_xy=True).transform(*PORT_GATE_LONLAT)
    roads = assets[(assets["network"] == "road") & assets["kind"].isin(["spine", "collector"])]
    return SitingContext(
        port_gate=shapely.Point(gate),
        rail=shapely.union_all(assets.loc[assets["network"] == "rail"].geometry.to_numpy()),
        main_roads=shapely.union_all(roads.geometry.to_numpy()),
        buffers=shapely.union_all(protected.geometry.buffer(protected["buffer_m"]).to_numpy()),
        held_plots=shapely.union_all(inputs.held_plots(session, srid).geometry.to_numpy()))


def run_siting(session: Session, district_code: str, params: SitingParams, *,
               generate: bool, around_m: float = 1500.0) -> dict[str, Any]:
    """Score candidate sites and choose ``params.p`` of them for the district's plots."""
    params.check()
    data = inputs.district_data(session, district_code)
    ctx = siting_context(session, data.srid)
    given = frames.customs_frame(session).to_crs(data.srid)
    unknown = set(params.fixed) - set(given["code"])
    if unknown:
        raise errors.SitingInputInvalid(f"fixed sites not found: {sorted(unknown)}",
                                        field="fixed")
    if generate:
        fresh = generate_sites(data.boundary.buffer(around_m), ctx, params, crs=data.srid)
        sites = pd.concat([fresh, given[given["code"].isin(params.fixed)][["code", "geometry"]]],
                          ignore_index=True)
    else:
        sites = given[["code", "name_fa", "name_en", "geometry"]].reset_index(drop=True)
    sites = gpd.GeoDataFrame(sites, geometry="geometry", crs=data.srid)
    if sites.empty:
        raise errors.SitingInputInvalid("no candidate sites", field="candidates")
    scored = score_sites(sites, ctx, params).reset_index(drop=True)
    fixed = scored["code"].isin(params.fixed).to_numpy()
    usable = (scored["eligible"].to_numpy() | fixed)
    pool = scored[usable].reset_index(drop=True)
    plots = data.plots[~data.plots["land_use"].isin(["green", "road", "utility", "customs"])]
    demand_xy, weights = demand_points(plots)
    if len(demand_xy) * len(pool) > MAX_SITING_PAIRS:
        raise errors.SitingInputInvalid(
            f"{len(demand_xy)} plots × {len(pool)} sites is over {MAX_SITING_PAIRS} pairs; "
            "use fewer candidate sites", field="candidates")
    site_xy = shapely.get_coordinates(pool.geometry.centroid)
    solved = locate(demand_xy, weights, site_xy, model=params.model, p=params.p,
                    service_radius_m=params.service_radius_m,
                    fixed=pool["code"].isin(params.fixed).to_numpy())
    chosen = [str(pool["code"].iloc[j]) for j in solved["chosen"]]
    scored["chosen"] = scored["code"].isin(chosen)
    scored["fixed"] = fixed
    return _siting_result(scored, plots, demand_xy, weights, pool, solved, chosen, data.srid)


def _siting_result(scored: gpd.GeoDataFrame, plots: gpd.GeoDataFrame, demand_xy: np.ndarray,
                   weights: np.ndarray, pool: gpd.GeoDataFrame, solved: dict[str, Any],
                   chosen: list[str], srid: int) -> dict[str, Any]:
    keep = ["code", "rank", "score", "eligible", "chosen", "fixed", "area_ha", "port_m",
            "rail_m", "road_m", "queue_m", "in_buffer", "plot_conflict",
            *[c for c in scored.columns if c.startswith("score_")]]
    table = scored[keep].copy()
    for col in ("area_ha", "port_m", "rail_m", "road_m", "queue_m"):
        table[col] = table[col].astype(float).round(1)
    ranked = json.loads(table.to_json(orient="records"))
    sites_fc = feature_collection(gpd.GeoDataFrame(table, geometry=scored.geometry, crs=srid))
    for f in sites_fc["features"]:
        f["properties"]["layer"] = "site"
    assigned = [None if j is None else str(pool["code"].iloc[j]) for j in solved["assigned"]]
    points = gpd.GeoDataFrame({"plot": plots["code"].tolist(),
                               "freight_t": np.round(weights, 1), "site": assigned,
                               "layer": "demand"},
                              geometry=shapely.points(demand_xy), crs=srid)
    explanation = sites_fc
    explanation["features"] += feature_collection(points)["features"]
    return {"ranked": ranked, "chosen": chosen, "objective": solved["objective"],
            "demand_points": len(points), "total_freight_t": round(float(weights.sum()), 1),
            "explanation": explanation}
