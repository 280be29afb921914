"""A GeoPackage export re-imports without loss: same plots, codes, attributes, areas."""

from __future__ import annotations

import pyogrio
import pytest
import sqlalchemy as sa

from zones.db import create_engine, session_factory
from zones.exchange import read_database, read_gpkg, write_gpkg
from zones.model import Allocation, ProductionUnit
from zones.services.loading import LAYERS, load_dataset

PLOT_FIELDS = ["district_code", "expansion_code", "code", "land_use", "status", "max_coverage",
               "far", "name_fa", "name_en"]


def test_round_trip_keeps_every_plot_and_register(demo_session, settings, tmp_path) -> None:
    before = read_database(demo_session)
    path = tmp_path / "anzali.gpkg"
    write_gpkg(before, path)
    assert {layer[0] for layer in pyogrio.list_layers(path)} == set(LAYERS)

    target = create_engine(settings)  # an empty migrated database on the same backend
    with session_factory(target, write=True)() as session:
        load_dataset(session=session, data=read_gpkg(path), actor="system:test")
        session.commit()
        after = read_database(session)
        units_with_products = session.scalar(sa.select(sa.func.count()).select_from(
            ProductionUnit).where(ProductionUnit.products != sa.JSON.NULL))
        allocations = session.scalar(sa.select(sa.func.count()).select_from(Allocation))
    target.dispose()

    key = ["district_code", "code"]
    old = before.plots.sort_values(key).reset_index(drop=True)
    new = after.plots.sort_values(key).reset_index(drop=True)
    assert len(new) == len(old) > 200
    assert new[PLOT_FIELDS].astype(object).fillna("").equals(
        old[PLOT_FIELDS].astype(object).fillna(""))
    assert new.area_m2.to_numpy() == pytest.approx(old.area_m2.to_numpy(), rel=1e-9)
    assert new.geometry.geom_equals_exact(old.geometry, tolerance=1e-10).all()
    for layer in ("investors", "units", "bank_facilities", "allocations"):
        assert len(getattr(after, layer)) == len(getattr(before, layer)), layer
    assert after.units.sort_values("ref").reset_index(drop=True).equals(
        before.units.sort_values("ref").reset_index(drop=True))
    assert allocations == len(before.allocations)
    assert units_with_products == len(before.units)


def test_gpkg_without_a_layer_is_refused(tmp_path, demo_session) -> None:
    from zones import errors

    data = read_database(demo_session)
    path = tmp_path / "partial.gpkg"
    write_gpkg(data, path)
    pyogrio.write_dataframe(data.plots.iloc[:1], tmp_path / "only.gpkg", layer="plots")
    with pytest.raises(errors.InvalidInput, match="lacks layers"):
        read_gpkg(tmp_path / "only.gpkg")


def test_cli_export_then_import(demo_settings, settings, tmp_path, monkeypatch) -> None:
    from typer.testing import CliRunner

    from zones.cli import app

    runner = CliRunner()
    path = tmp_path / "zone.gpkg"
    monkeypatch.setenv("ZONES_DATABASE_URL", demo_settings.database_url)
    exported = runner.invoke(app, ["export", "--format", "gpkg", "-o", str(path)])
    assert exported.exit_code == 0, exported.output
    monkeypatch.setenv("ZONES_DATABASE_URL", settings.database_url)
    imported = runner.invoke(app, ["import", str(path)])
    assert imported.exit_code == 0, imported.output
    assert "218 plots" in imported.output
    again = runner.invoke(app, ["import", str(path)])
    assert again.exit_code == 2 and "already exists" in again.output
