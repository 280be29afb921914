"""Saved planning scenarios: what was asked, what came out, against which plan revision."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from zones import errors
from zones.model import District, PlanningScenario, ScenarioKind
from zones.planning.inputs import current_revision_id
from zones.text import normalize


def save_scenario(*, session: Session, kind: ScenarioKind, title: str,
                  district: District | None, inputs: dict[str, Any], results: dict[str, Any],
                  created_by: str) -> PlanningScenario:
    """Store a scenario tied to the district's current approved revision (if any).

    The caller commits: saving is one step of the request's transaction.
    """
    scenario = PlanningScenario(
        kind=kind, title=normalize(title) or kind.value,
        district_id=district.id if district else None, inputs=inputs, results=results,
        created_by=created_by,
        plan_revision_id=current_revision_id(session, district) if district else None)
    session.add(scenario)
    session.flush()
    return scenario


def get_scenario(*, session: Session, scenario_id: int) -> PlanningScenario:
    scenario = session.get(PlanningScenario, scenario_id)
    if scenario is None:
        raise errors.ScenarioNotFound(f"no planning scenario {scenario_id}",
                                      scenario=scenario_id)
    return scenario


def scenario_select(*, kind: ScenarioKind | None = None, district_id: int | None = None
                    ) -> sa.Select[Any]:
    stmt = sa.select(PlanningScenario).order_by(PlanningScenario.id)
    if kind is not None:
        stmt = stmt.where(PlanningScenario.kind == kind)
    if district_id is not None:
        stmt = stmt.where(PlanningScenario.district_id == district_id)
    return stmt


LAND_USE = {"plot": "industrial", "green": "green", "utility": "utility"}


def layout_layers(scenario: PlanningScenario, name: str) -> dict[str, gpd.GeoDataFrame]:
    """The saved layout ``name`` of a layout scenario as upload layers (EPSG:4326):
    ``"plots"`` (every parcel, with code and land use) and ``"roads"`` (road polygons)."""
    if scenario.kind is not ScenarioKind.LAYOUT:
        raise errors.ScenarioNotLayout(f"scenario {scenario.id} is a {scenario.kind.value} "
                                       "scenario, not a layout", scenario=scenario.id)
    found = [s for s in scenario.results.get("scenarios", []) if s.get("name") == name]
    if not found:
        names = [s.get("name") for s in scenario.results.get("scenarios", [])]
        raise errors.InvalidInput(f"no layout {name!r} in scenario {scenario.id}",
                                  layouts=names)
    features = gpd.GeoDataFrame.from_features(found[0]["layout"]["features"], crs=4326)
    parcels = features[(features["layer"] == "parcel") & features["use"].isin(list(LAND_USE))]
    plots = gpd.GeoDataFrame({"code": parcels["code"].to_numpy(),
                              "land_use": parcels["use"].map(LAND_USE).to_numpy()},
                             geometry=parcels.geometry.to_numpy(), crs=4326)
    roads = features[features["layer"] == "road"]
    roads = gpd.GeoDataFrame({"code": [f"R{i + 1}" for i in range(len(roads))],
                              "name_en": roads["kind"].to_numpy()},
                             geometry=roads.geometry.to_numpy(), crs=4326)
    return {"plots": plots, "roads": roads}
