"""Bulk-load a zone dataset (the demo, a GeoPackage import, a benchmark zone) in one transaction.

A *dataset* is any object with the layer attributes of :data:`LAYERS` (see
``data/generator.py`` and ``zones/exchange.py``): GeoDataFrames in EPSG:4326 for spatial
layers, DataFrames for the rest, rows linked by codes and refs rather than ids. Rows
go in through Core ``executemany`` (100k plots in seconds, not minutes), so the
loader writes its audit events itself; the database's plot rules still apply.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa
from geoalchemy2.elements import WKBElement
from sqlalchemy.orm import Session

from zones import audit, errors
from zones.db.backend import translated_errors
from zones.model import (
    Allocation,
    BankFacility,
    CustomsSite,
    District,
    ExpansionArea,
    InfrastructureAsset,
    Investor,
    Obligation,
    ObligationKind,
    ObligationStatus,
    Plot,
    ProductionUnit,
    ProtectedArea,
    UnitStatusChange,
    Zone,
    table_of,
)
from zones.services.allocation import add_months, operating_licence_months
from zones.spatial.measurement import metric_area
from zones.text import fold, normalize

LAYERS = ("zone", "districts", "expansion_areas", "plots", "investors", "units",
          "bank_facilities", "allocations", "infrastructure", "customs_sites", "protected_areas")
CHUNK = 5000


@dataclass
class LoadReport:
    counts: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        return ", ".join(f"{n} {k}" for k, n in self.counts.items())


def _wkb(geoms: Any) -> list[WKBElement]:
    arr = np.asarray(geoms, dtype=object)
    return [WKBElement(b, srid=4326) for b in shapely.to_wkb(arr)]


def _clean(value: Any) -> Any:
    """pandas' missing values (NaN, NaT, pd.NA) become None; numpy scalars Python ones."""
    if value is None:
        return None
    if isinstance(value, list | dict):
        return value
    if isinstance(value, float) and np.isnan(value):
        return None
    if value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict[str, Any]]:
    cols = [c for c in columns if c in frame.columns]
    return [{c: _clean(v) for c, v in zip(cols, row, strict=True)}
            for row in frame[cols].itertuples(index=False, name=None)]


def _text(rows: list[dict[str, Any]], *keys: str) -> None:
    for row in rows:
        for key in keys:
            if isinstance(row.get(key), str):
                row[key] = normalize(row[key])


def _insert(conn: sa.Connection, model: type, rows: list[dict[str, Any]], actor: str) -> list[int]:
    """Insert rows in chunks and audit them; return the new ids in input order."""
    table = table_of(model)
    ids: list[int] = []
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start:start + CHUNK]
        result = conn.execute(
            sa.insert(table).returning(table.c.id, sort_by_parameter_order=True), chunk
        )
        ids.extend(result.scalars().all())
    if getattr(model, "__audited__", False):
        audit.record(conn, entity=table.name, actor=actor,
                     rows=({k: v for k, v in r.items() if not isinstance(v, WKBElement)} | {"id": i}
                           for r, i in zip(rows, ids, strict=True)))
    return ids


def load_dataset(*, session: Session, data: Any, actor: str = "system:loader") -> LoadReport:
    """Insert every layer of ``data``; all or nothing (flushes, the caller commits).

    Raises :class:`~zones.errors.Conflict` if a zone with the same code exists, and the
    database's own errors (overlapping plots, duplicate codes) as domain errors.
    """
    conn = session.connection()
    report = LoadReport()
    zone_row = _records(data.zone, ["code", "name_fa", "name_en", "metric_srid"])[0]
    if session.scalar(sa.select(Zone.id).where(Zone.code == zone_row["code"])) is not None:
        raise errors.Conflict(f"zone {zone_row['code']!r} already exists", zone=zone_row["code"])
    srid = int(zone_row["metric_srid"])
    with translated_errors():
        zone_row["boundary"] = _wkb([shapely.MultiPolygon([g]) if g.geom_type == "Polygon" else g
                                     for g in data.zone.geometry])[0]
        _text([zone_row], "name_fa", "name_en")
        zone_id = _insert(conn, Zone, [zone_row], actor)[0]
        district_ids = _load_districts(conn, data, zone_id, actor)
        expansion_ids = _load_expansions(conn, data, district_ids, actor)
        plot_ids = _load_plots(conn, data, district_ids, expansion_ids, srid, actor)
        investor_ids, unit_ids = _load_parties(conn, data, actor)
        _load_allocations(conn, data, plot_ids, investor_ids, unit_ids, actor)
        _load_sites(conn, data, zone_id, district_ids, srid, actor)
    for name in LAYERS:
        report.counts[name] = len(getattr(data, name))
    return report


def _load_districts(conn: sa.Connection, data: Any, zone_id: int, actor: str) -> dict[str, int]:
    rows = _records(data.districts, ["code", "number", "name_fa", "name_en", "kind", "status"])
    geoms = _wkb(data.districts.geometry)
    for row, geom in zip(rows, geoms, strict=True):
        row |= {"zone_id": zone_id, "boundary": geom}
    _text(rows, "code", "name_fa", "name_en")
    ids = _insert(conn, District, rows, actor)
    return {r["code"]: i for r, i in zip(rows, ids, strict=True)}


def _load_expansions(conn: sa.Connection, data: Any, districts: dict[str, int], actor: str
                     ) -> dict[str, int]:
    frame = data.expansion_areas
    rows = _records(frame, ["code", "name_fa", "name_en", "decision_ref", "decision_date",
                            "status"])
    for row, district, geom in zip(rows, frame["district_code"], _wkb(frame.geometry),
                                   strict=True):
        row |= {"district_id": districts[district], "boundary": geom}
    _text(rows, "code", "name_fa", "name_en", "decision_ref")
    ids = _insert(conn, ExpansionArea, rows, actor)
    return {r["code"]: i for r, i in zip(rows, ids, strict=True)}


def _load_plots(conn: sa.Connection, data: Any, districts: dict[str, int],
                expansions: dict[str, int], srid: int, actor: str) -> dict[tuple[str, str], int]:
    frame = data.plots
    areas = metric_area(frame.geometry.reset_index(drop=True), srid)
    rows = _records(frame, ["code", "land_use", "status", "max_coverage", "far", "name_fa",
                            "name_en"])
    expansion_codes = frame["expansion_code"] if "expansion_code" in frame else [None] * len(rows)
    for row, district, expansion, area, geom in zip(
        rows, frame["district_code"], expansion_codes, areas, _wkb(frame.geometry), strict=True
    ):
        code = normalize(str(row["code"]))
        row |= {"code": code, "code_key": fold(code), "district_id": districts[district],
                "expansion_area_id": expansions.get(_clean(expansion)) if _clean(expansion)
                else None,
                "area_m2": float(area), "geom": geom}
    _text(rows, "name_fa", "name_en")
    ids = _insert(conn, Plot, rows, actor)
    return {(d, r["code"]): i for d, r, i in zip(frame["district_code"], rows, ids, strict=True)}


def _load_parties(conn: sa.Connection, data: Any, actor: str
                  ) -> tuple[dict[str, int], dict[str, int]]:
    rows = _records(data.investors, ["ref", "kind", "name_fa", "name_en", "nationality",
                                     "national_id", "email", "phone", "address"])
    _text(rows, "name_fa", "name_en", "national_id", "phone", "address")
    investor_ids = dict(zip([r["ref"] for r in rows], _insert(conn, Investor, rows, actor),
                            strict=True))
    units = data.units
    unit_rows = _records(units, [
        "ref", "name_fa", "name_en", "isic4", "products", "employment_licensed",
        "employment_actual", "establishment_licence_no", "establishment_licence_date",
        "establishment_licence_expiry", "operating_licence_no", "operating_licence_date",
        "env_group", "knowledge_based", "export_share", "investment_rial", "investment_usd",
        "status", "status_since", "dormancy_cause", "can_return"])
    for row, investor in zip(unit_rows, units["investor_ref"], strict=True):
        row["investor_id"] = investor_ids[investor]
        if isinstance(row.get("products"), str):
            row["products"] = json.loads(row["products"])
        row["products"] = row.get("products") or []
    _text(unit_rows, "name_fa", "name_en")
    unit_ids = dict(zip([r["ref"] for r in unit_rows],
                        _insert(conn, ProductionUnit, unit_rows, actor), strict=True))
    history = [{"unit_id": unit_ids[r["ref"]], "from_status": None, "to_status": r["status"],
                "effective_on": r.get("status_since"), "reason": "initial load",
                "at": audit.utcnow()} for r in unit_rows]
    _insert(conn, UnitStatusChange, history, actor)
    facilities = _records(data.bank_facilities, [
        "bank", "purpose", "amount_rial", "disbursed_rial", "approved_on", "due_on", "status"])
    for row, unit in zip(facilities, data.bank_facilities["unit_ref"], strict=True):
        row["unit_id"] = unit_ids[unit]
    _text(facilities, "bank")
    _insert(conn, BankFacility, facilities, actor)
    return investor_ids, unit_ids


def _load_allocations(conn: sa.Connection, data: Any, plots: dict[tuple[str, str], int],
                      investors: dict[str, int], units: dict[str, int], actor: str) -> None:
    frame = data.allocations
    rows = _records(frame, ["tenure", "status", "start_date", "end_date", "contract_no",
                            "decision_ref"])
    areas: dict[int, float] = ({plot_id: area for plot_id, area in
                                conn.execute(sa.select(Plot.id, Plot.area_m2)).all()}
                               if rows else {})
    for row, d, c, inv, unit in zip(rows, frame["district_code"], frame["plot_code"],
                                    frame["investor_ref"], frame["unit_ref"], strict=True):
        code = normalize(str(c))   # never None for a str
        plot_id = plots.get((d, code)) if code is not None else None
        if plot_id is None:
            raise errors.InvalidInput(f"allocation names unknown plot {d}/{c}")
        row |= {"plot_id": plot_id, "investor_id": investors[inv],
                "unit_id": units.get(_clean(unit)) if _clean(unit) else None}
    ids = _insert(conn, Allocation, rows, actor)
    obligations = []
    for row, allocation_id in zip(rows, ids, strict=True):
        start = row["start_date"]
        months = operating_licence_months(areas[row["plot_id"]])
        obligations += [
            {"allocation_id": allocation_id, "kind": ObligationKind.CONSTRUCTION_START,
             "due_date": add_months(start, 6), "status": ObligationStatus.MET,
             "met_on": add_months(start, 5)},
            {"allocation_id": allocation_id, "kind": ObligationKind.OPERATING_LICENCE,
             "due_date": add_months(start, months), "status": ObligationStatus.OPEN,
             "met_on": None},
        ]
    _insert(conn, Obligation, obligations, actor)


def _load_sites(conn: sa.Connection, data: Any, zone_id: int, districts: dict[str, int],
                srid: int, actor: str) -> None:
    infra = data.infrastructure
    rows = _records(infra, ["network", "kind", "name_fa", "name_en", "status", "capacity",
                            "capacity_unit", "width_m", "planned_completion", "completed_on"])
    for row, district, geom in zip(rows, infra["district_code"], _wkb(infra.geometry),
                                   strict=True):
        row |= {"zone_id": zone_id, "district_id": districts.get(_clean(district)),
                "geom": geom}
    _text(rows, "name_fa", "name_en")
    _insert(conn, InfrastructureAsset, rows, actor)

    sites = data.customs_sites
    rows = _records(sites, ["code", "name_fa", "name_en", "status"])
    site_areas: np.ndarray | list[float] = (
        metric_area(sites.geometry.reset_index(drop=True), srid) if len(sites) else [])
    for row, area, geom in zip(rows, site_areas, _wkb(sites.geometry), strict=True):
        row |= {"zone_id": zone_id, "area_m2": float(area), "geom": geom}
    _text(rows, "name_fa", "name_en")
    _insert(conn, CustomsSite, rows, actor)

    areas_frame = data.protected_areas
    rows = _records(areas_frame, ["code", "kind", "name_fa", "name_en", "buffer_m"])
    multi = [shapely.MultiPolygon([g]) if g.geom_type == "Polygon" else g
             for g in areas_frame.geometry]
    for row, geom in zip(rows, _wkb(multi), strict=True):
        row |= {"zone_id": zone_id, "geom": geom, "buffer_m": row.get("buffer_m") or 0.0}
    _text(rows, "name_fa", "name_en")
    _insert(conn, ProtectedArea, rows, actor)
