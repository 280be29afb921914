"""GeoPackage export and import of a whole zone, in the dataset layout the loader reads.

Spatial layers open in QGIS as they are; parties and allocations are attribute tables
linked by codes and refs (not database ids), so a file re-imports into any database.
Only current plots travel: the history of retired plot versions stays in the database
it was recorded in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import sqlalchemy as sa
from sqlalchemy.orm import Session

from zones import errors, frames
from zones.model import Allocation, BankFacility, District, Investor, Plot, ProductionUnit
from zones.services.loading import LAYERS

SPATIAL = ("zone", "districts", "expansion_areas", "plots", "infrastructure", "customs_sites",
           "protected_areas")


@dataclass
class Dataset:
    """One zone as layers; the shape ``load_dataset`` reads and ``data.generator`` generates."""

    zone: gpd.GeoDataFrame
    districts: gpd.GeoDataFrame
    expansion_areas: gpd.GeoDataFrame
    plots: gpd.GeoDataFrame
    investors: pd.DataFrame
    units: pd.DataFrame
    bank_facilities: pd.DataFrame
    allocations: pd.DataFrame
    infrastructure: gpd.GeoDataFrame
    customs_sites: gpd.GeoDataFrame
    protected_areas: gpd.GeoDataFrame


def _enum(frame: pd.DataFrame) -> pd.DataFrame:
    for column in frame.columns:
        if frame[column].dtype == object and len(frame):
            frame[column] = frame[column].map(lambda v: getattr(v, "value", v))
    return frame


def read_database(session: Session) -> Dataset:
    """The current state of the database as a :class:`Dataset`."""
    plots = frames.plot_frame(session).drop(columns=["id"])
    investors = pd.read_sql(sa.select(Investor.ref, Investor.kind, Investor.name_fa,
                                      Investor.name_en, Investor.nationality,
                                      Investor.national_id, Investor.email, Investor.phone,
                                      Investor.address).order_by(Investor.id),
                            session.connection())
    u = ProductionUnit
    units = pd.read_sql(
        sa.select(u.ref, Investor.ref.label("investor_ref"), u.name_fa, u.name_en, u.isic4,
                  u.products, u.employment_licensed, u.employment_actual,
                  u.establishment_licence_no, u.establishment_licence_date,
                  u.establishment_licence_expiry, u.operating_licence_no,
                  u.operating_licence_date, u.env_group, u.knowledge_based, u.export_share,
                  u.investment_rial, u.investment_usd, u.status, u.status_since,
                  u.dormancy_cause, u.can_return).join(Investor).order_by(u.id),
        session.connection())
    b = BankFacility
    facilities = pd.read_sql(
        sa.select(u.ref.label("unit_ref"), b.bank, b.purpose, b.amount_rial, b.disbursed_rial,
                  b.approved_on, b.due_on, b.status).join(u).order_by(b.id),
        session.connection())
    a = Allocation
    allocations = pd.read_sql(
        sa.select(District.code.label("district_code"), Plot.code.label("plot_code"),
                  Investor.ref.label("investor_ref"), u.ref.label("unit_ref"), a.tenure,
                  a.status, a.start_date, a.end_date, a.contract_no, a.decision_ref)
        .join(Plot, a.plot_id == Plot.id).join(District, Plot.district_id == District.id)
        .join(Investor, a.investor_id == Investor.id).outerjoin(u, a.unit_id == u.id)
        .order_by(a.id), session.connection())
    return Dataset(
        zone=frames.zone_frame(session).drop(columns=["id"]),
        districts=frames.district_frame(session).drop(columns=["id"]),
        expansion_areas=frames.expansion_frame(session).drop(columns=["id"]),
        plots=plots,
        investors=_enum(investors), units=_enum(units), bank_facilities=_enum(facilities),
        allocations=_enum(allocations),
        infrastructure=frames.infrastructure_frame(session).drop(columns=["id"]),
        customs_sites=frames.customs_frame(session).drop(columns=["id", "area_m2"]),
        protected_areas=frames.protected_frame(session).drop(columns=["id"]),
    )


def _for_file(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns GDAL can store: JSON text for lists, datetimes for dates, Int for nullable bools."""
    out = frame.copy()
    for column in out.columns:
        if column == "geometry":
            continue
        values = out[column].dropna()
        if values.empty:
            continue
        sample = values.iloc[0]
        if isinstance(sample, list | dict):
            out[column] = out[column].map(lambda v: None if v is None else
                                          json.dumps(v, ensure_ascii=False))
        elif hasattr(sample, "isoformat") and not hasattr(sample, "hour"):
            out[column] = pd.to_datetime(out[column])
        elif isinstance(sample, bool) and out[column].isna().any():
            out[column] = out[column].astype("boolean")
    return out


def write_gpkg(dataset: Dataset, path: Path) -> list[str]:
    """Write every layer of ``dataset`` to a new GeoPackage at ``path``; return layer names."""
    if path.exists():
        path.unlink()
    for name in LAYERS:
        frame = _for_file(getattr(dataset, name))
        if name in SPATIAL:
            pyogrio.write_dataframe(gpd.GeoDataFrame(frame, geometry="geometry", crs=4326), path,
                                    layer=name, driver="GPKG", promote_to_multi=False)
        else:
            pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG")
    return list(LAYERS)


def read_gpkg(path: Path) -> Dataset:
    """Read a GeoPackage written by :func:`write_gpkg`; refuse one that lacks layers."""
    if not path.exists():
        raise errors.InvalidInput(f"{path} does not exist", file=str(path))
    present = {row[0] for row in pyogrio.list_layers(path)}
    missing = [name for name in LAYERS if name not in present]
    if missing:
        raise errors.InvalidInput(f"{path.name} lacks layers {missing}", file=path.name,
                                  missing=missing)
    layers: dict[str, Any] = {}
    for name in LAYERS:
        if name in SPATIAL:
            frame = pyogrio.read_dataframe(path, layer=name)
            layers[name] = frame.to_crs(4326) if frame.crs else frame.set_crs(4326)
        else:
            layers[name] = pyogrio.read_dataframe(path, layer=name, read_geometry=False)
    return Dataset(**layers)


UNIT_PUBLIC_FIELDS = ["ref", "name_fa", "name_en", "isic4", "status", "knowledge_based",
                      "export_share", "employment_actual"]


def write_district_gpkg(session: Session, district_code: str, path: Path) -> dict[str, int]:
    """A district for QGIS: its plots (with the unit on each, public fields only) and the
    infrastructure serving it, as a GeoPackage at ``path``. Returns rows per layer.

    No national IDs, contacts or bank facilities: the file may be shared outside.
    """
    district = session.scalar(sa.select(District).where(District.code == district_code))
    if district is None:
        raise errors.DistrictNotFound(f"no district {district_code!r}", district=district_code)
    plots = frames.plot_frame(session, where=Plot.district_id == district.id)
    u = ProductionUnit
    units = pd.read_sql(
        sa.select(Plot.id.label("plot_id"), *[getattr(u, f) for f in UNIT_PUBLIC_FIELDS])
        .join(Allocation, Allocation.plot_id == Plot.id).join(u, Allocation.unit_id == u.id)
        .where(Plot.district_id == district.id, Plot.valid_to.is_(None),
               Allocation.status == "active"), session.connection())
    units = _enum(units).rename(columns={"ref": "unit_ref", "name_fa": "unit_name_fa",
                                          "name_en": "unit_name_en", "status": "unit_status"})
    plots = plots.merge(units, left_on="id", right_on="plot_id", how="left").drop(
        columns=["plot_id"])
    infra = frames.infrastructure_frame(session)
    infra = infra[infra.district_code == district.code].drop(columns=["district_code"])
    if path.exists():
        path.unlink()
    written = {}
    for name, frame in (("plots", plots), ("infrastructure", infra)):
        if len(frame):
            pyogrio.write_dataframe(gpd.GeoDataFrame(_for_file(frame), geometry="geometry",
                                                     crs=4326), path, layer=name,
                                    driver="GPKG", promote_to_multi=False)
        written[name] = len(frame)
    return written
