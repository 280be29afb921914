"""A district exported as a GeoPackage opens as layers of plots and infrastructure."""

from __future__ import annotations

import pyogrio
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from api.main import create_app
from zones import frames
from zones.db import create_engine, session_factory
from zones.model import District, Plot


@pytest.fixture
def demo_client(demo_settings):
    with TestClient(create_app(demo_settings)) as client:
        yield client


def test_district_gpkg_has_its_plots_units_and_networks(demo_client, demo_settings,
                                                         tmp_path) -> None:
    response = demo_client.get("/districts/D1/export.gpkg")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geopackage+sqlite3"
    assert 'filename="D1.gpkg"' in response.headers["content-disposition"]
    path = tmp_path / "d1.gpkg"
    path.write_bytes(response.content)
    assert {row[0] for row in pyogrio.list_layers(path)} == {"plots", "infrastructure"}
    plots = pyogrio.read_dataframe(path, layer="plots")
    engine = create_engine(demo_settings)
    with session_factory(engine)() as session:
        d1 = session.scalar(sa.select(District.id).where(District.code == "D1"))
        expected = frames.plot_frame(session, where=Plot.district_id == d1)
    engine.dispose()
    assert sorted(plots.code) == sorted(expected.code)
    assert plots.crs.to_epsg() == 4326
    # Units appear with public fields only: never national IDs, contacts or facilities.
    assert plots.unit_ref.notna().sum() == (expected.status.isin(["operating", "idle"])).sum()
    assert not {"national_id", "email", "phone", "investor_ref"} & set(plots.columns)


@pytest.mark.parametrize(("code", "expected"), [("D9", "district_not_found"),
                                               ("..%2F..%2Fetc", "not_found")])
def test_unknown_district_is_a_coded_404_and_leaves_no_file(demo_client, tmp_path,
                                                              monkeypatch, code,
                                                              expected) -> None:
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    response = demo_client.get(f"/districts/{code}/export.gpkg")
    assert response.status_code == 404
    assert response.json()["code"] == expected
    assert list(tmp_path.iterdir()) == []
