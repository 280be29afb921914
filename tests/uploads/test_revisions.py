"""Uploaded files become draft revisions: deduplicated, kept by checksum, or refused whole."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shapely
import sqlalchemy as sa

from tests.uploads.plan_fixtures import BASE, layers, plan_world
from zones.errors import InvalidInput
from zones.model import PlanFeature, PlanRevision, RevisionStatus
from zones.services.revisions import create_draft_revision, create_revision, file_sha256
from zones.settings import Settings
from zones.text import normalize
from zones.uploads.contract import LayerRole, ReadOptions


def plan_geojson(path: Path, plots: dict[str, shapely.Polygon] = BASE) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": shapely.geometry.mapping(geom),
         "properties": {"code": code, "land_use": "industrial"}}
        for code, geom in plots.items()]}), encoding="utf-8")
    return path


@pytest.fixture
def store(settings: Settings, tmp_path: Path) -> Settings:
    return settings.model_copy(update={"upload_dir": tmp_path / "uploads"})


def _count(session, model) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model))


def test_same_file_twice_is_the_same_revision(session, store, tmp_path) -> None:
    world = plan_world(session)
    path = plan_geojson(tmp_path / "plan.geojson")
    kw = dict(district_code="D1", path=path, filename="plan.geojson", options=ReadOptions(),
              user=world["users"]["cons"], settings=store)
    first = create_revision(session, **kw)
    second = create_revision(session, **kw)
    assert first.id == second.id and _count(session, PlanRevision) == 1
    assert first.status is RevisionStatus.DRAFT and first.checksum == file_sha256(path)
    kept = Path(first.stored_path)
    assert kept == store.upload_dir / f"{first.checksum}.geojson"
    assert kept.read_bytes() == path.read_bytes()
    assert _count(session, PlanFeature) == 5


def test_other_mapping_is_another_revision(session, store, tmp_path) -> None:
    world = plan_world(session)
    path = plan_geojson(tmp_path / "plan.geojson")
    kw = dict(district_code="D1", path=path, filename="plan.geojson",
              user=world["users"]["cons"], settings=store)
    first = create_revision(session, options=ReadOptions(), **kw)
    second = create_revision(session, options=ReadOptions(columns={"code": "code"}), **kw)
    assert (first.number, second.number) == (1, 2)
    assert first.stored_path == second.stored_path  # one copy of the file


def test_features_keep_codes_areas_and_source_index(session, store, tmp_path) -> None:
    world = plan_world(session)
    path = plan_geojson(tmp_path / "plan.geojson", {"۳-۰۱": BASE["3-01"]})
    revision = create_revision(session, district_code="D1", path=path,
                               filename="plan.geojson", options=ReadOptions(),
                               user=world["users"]["cons"], settings=store)
    row = session.execute(sa.select(PlanFeature.role, PlanFeature.code, PlanFeature.code_key,
                                    PlanFeature.area_m2, PlanFeature.source_index)
                          .where(PlanFeature.revision_id == revision.id)).one()
    assert row[:3] == (LayerRole.PLOTS, "3-01", "3-01")  # digits normalised to ASCII
    assert row[3] == pytest.approx(2000, abs=0.5) and row[4] == 0
    assert revision.report["counts"]["features"] == {"plots": 1}


def test_refused_file_stores_nothing(session, store, tmp_path) -> None:
    world = plan_world(session)
    path = tmp_path / "broken.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    with pytest.raises(InvalidInput) as info:
        create_revision(session, district_code="D1", path=path, filename="broken.geojson",
                        options=ReadOptions(), user=world["users"]["cons"], settings=store)
    assert info.value.code != "invalid_input"  # a specific, stable refusal code
    assert _count(session, PlanRevision) == 0 and _count(session, PlanFeature) == 0
    assert not store.upload_dir.exists() or not any(store.upload_dir.rglob("*"))


@pytest.mark.parametrize("failing", ["loading", "validation"])
def test_a_failure_while_loading_or_validating_stores_nothing(session, store, tmp_path,
                                                              monkeypatch, failing) -> None:
    """Features load in a second thread while validation runs: whichever side fails, the
    revision, its features, its audit trail and the kept file all go."""
    from zones.db.backend import append_rows
    from zones.model import AuditEvent
    from zones.services import revisions
    from zones.uploads import validation

    world = plan_world(session)
    events = _count(session, AuditEvent)
    path = plan_geojson(tmp_path / "plan.geojson")

    def half_loaded(session, *args, **kwargs):
        append_rows(session, *args, **kwargs)  # the rows are in; then the disk fills up
        raise OSError("no space left on device")

    def broken_rule(*args, **kwargs):
        raise RuntimeError("a rule crashed")

    if failing == "loading":
        monkeypatch.setattr(revisions, "append_rows", half_loaded)
    else:
        monkeypatch.setattr(validation, "validate", broken_rule)
    with pytest.raises((OSError, RuntimeError)):
        create_revision(session, district_code="D1", path=path, filename="plan.geojson",
                        options=ReadOptions(), user=world["users"]["cons"], settings=store)
    assert _count(session, PlanRevision) == 0 and _count(session, PlanFeature) == 0
    assert _count(session, AuditEvent) == events
    assert not store.upload_dir.exists() or not any(store.upload_dir.rglob("*"))


def test_draft_from_generated_layers_counts_issues(session) -> None:
    world = plan_world(session)
    revision = create_draft_revision(session=session, district_code="D1",
                                     layers=layers(BASE, roads=False), title="layout A",
                                     user=None, source="layout")
    assert revision.source == "layout" and revision.stored_path is None
    by_code = revision.report["counts"]["by_code"]
    assert revision.error_count == sum(
        n for code, n in by_code.items()
        if any(i["code"] == code and i["severity"] == "error"
               for i in revision.report["issues"]))
    assert by_code.get("no_road_access") == 5  # no road layer and none in the district
    assert revision.uploaded_by_id is None and world["district"].id == revision.district_id


def _cli(monkeypatch, settings: Settings, *args: str):
    from typer.testing import CliRunner

    from zones import cli

    monkeypatch.setattr(cli, "Settings", lambda: settings)
    return CliRunner().invoke(cli.app, list(args))


def test_cli_validate_prints_the_stored_report_and_fails_on_errors(
        session, store, tmp_path, monkeypatch) -> None:
    plan_world(session)
    path = plan_geojson(tmp_path / "plan.geojson")
    uploaded = _cli(monkeypatch, store, "upload", str(path), "--district", "D1",
                    "--user", "cons")
    assert uploaded.exit_code == 0, uploaded.output
    stored = session.scalars(sa.select(PlanRevision)).one()
    checked = _cli(monkeypatch, store, "validate", str(path), "--district", "D1")
    assert checked.exit_code == 1  # no road reaches the plots: blocking errors
    assert json.loads(checked.stdout) == stored.report
    assert stored.report["counts"]["by_code"]["no_road_access"] == 5


def test_cli_validate_passes_a_clean_plan(session, store, tmp_path, monkeypatch) -> None:
    from geoalchemy2.shape import from_shape

    from tests.uploads.plan_fixtures import ROAD
    from zones.model import InfrastructureAsset, Network, WorkStatus

    world = plan_world(session)
    session.add(InfrastructureAsset(zone_id=world["district"].zone_id, network=Network.ROAD,
                                    kind="road", status=WorkStatus.COMPLETE,
                                    geom=from_shape(ROAD, srid=4326)))
    session.commit()
    out = tmp_path / "report.gpkg"
    checked = _cli(monkeypatch, store, "validate", str(plan_geojson(tmp_path / "p.geojson")),
                   "--district", "D1", "--format", "gpkg", "--output", str(out))
    assert checked.exit_code == 0, checked.output
    assert session.scalar(sa.select(sa.func.count()).select_from(PlanRevision)) == 0


def test_bulk_load_keeps_awkward_text_and_shapes_exactly(session, store, tmp_path) -> None:
    """The bulk load (COPY on PostGIS, one prepared INSERT on SpatiaLite) stores text as
    normalised — COPY's own escapes (backslash, tab, newline) never leak in — and every
    vertex."""
    world = plan_world(session)
    names = {"3-01": "کارخانه\tالف\\ب", "3-02": "سطر\nدوم", "3-03": "علي‌آباد"}
    path = tmp_path / "plan.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": shapely.geometry.mapping(BASE[code]),
         "properties": {"code": code, "land_use": "industrial", "name_fa": name}}
        for code, name in names.items()]}), encoding="utf-8")
    revision = create_revision(session, district_code="D1", path=path, filename="plan.geojson",
                               options=ReadOptions(), user=world["users"]["cons"],
                               settings=store)
    rows = session.execute(sa.select(PlanFeature.code, PlanFeature.name_fa,
                                     sa.func.ST_AsBinary(PlanFeature.geom))
                           .where(PlanFeature.revision_id == revision.id)
                           .order_by(PlanFeature.code)).all()
    assert [r.code for r in rows] == list(names)
    assert [r.name_fa for r in rows] == [normalize(n) for n in names.values()]
    assert "\\" in rows[0].name_fa and "ی" in rows[2].name_fa  # Arabic yeh → Persian
    for row in rows:
        assert shapely.from_wkb(bytes(row[2])).equals_exact(BASE[row.code], tolerance=1e-12)
