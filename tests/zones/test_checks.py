"""``zones check`` passes on a sound database and fails on one corrupted by hand."""

from __future__ import annotations

import sqlalchemy as sa
from typer.testing import CliRunner

from zones.cli import app
from zones.db import backend
from zones.services.checks import run_checks


def _rules(session) -> set[str]:
    return {v.rule for v in run_checks(session)}


def test_demo_database_is_sound(demo_session) -> None:
    assert run_checks(demo_session) == []


def test_hand_edited_status_is_caught(demo_session) -> None:
    demo_session.execute(sa.text(
        "UPDATE plot SET status = 'revoked' WHERE id = (SELECT min(id) FROM plot)"))
    demo_session.commit()
    assert "unaudited_change" in _rules(demo_session)


def test_overlap_inserted_with_rules_dropped_is_caught(demo_session) -> None:
    conn = demo_session.connection()
    if backend.name(conn) == "postgis":
        conn.execute(sa.text("DROP TRIGGER plot_rules ON plot"))
    else:
        conn.execute(sa.text("DROP TRIGGER plot_rules_insert"))
    conn.execute(sa.text(
        "INSERT INTO plot (district_id, code, code_key, land_use, status, area_m2, geom, "
        "valid_from, created_at, updated_at) "
        "SELECT district_id, 'dup', 'dup', land_use, 'planned', area_m2, geom, valid_from, "
        "created_at, updated_at FROM plot WHERE id = (SELECT min(id) FROM plot)"))
    demo_session.commit()
    rules = _rules(demo_session)
    assert {"rules_missing", "plot_overlap", "unaudited_row"} <= rules


def test_wrong_area_is_caught(demo_session) -> None:
    demo_session.execute(sa.text("UPDATE plot SET area_m2 = area_m2 * 1.01 "
                                 "WHERE id = (SELECT max(id) FROM plot)"))
    demo_session.commit()
    assert "plot_area_mismatch" in _rules(demo_session)


def test_cli_exit_code_follows_the_checks(demo_settings, demo_session, monkeypatch) -> None:
    monkeypatch.setenv("ZONES_DATABASE_URL", demo_settings.database_url)
    runner = CliRunner()
    ok = runner.invoke(app, ["check"])
    assert ok.exit_code == 0, ok.output
    assert "all invariants hold" in ok.output
    demo_session.execute(sa.text("DELETE FROM audit_event WHERE entity = 'allocation'"))
    demo_session.commit()
    bad = runner.invoke(app, ["check"])
    assert bad.exit_code == 1
    assert "unaudited_row" in bad.output


def test_null_json_list_is_caught(demo_session) -> None:
    """A unit whose products list is JSON null breaks GET /units: the check names it."""
    demo_session.execute(sa.text(
        "UPDATE production_unit SET products = 'null' "
        "WHERE id = (SELECT min(id) FROM production_unit)"))
    demo_session.commit()
    found = {v.rule: v for v in run_checks(demo_session)}
    assert "null_in_required" in found
    assert "production_unit.products" in found["null_in_required"].detail


def test_control_character_in_text_is_caught(demo_session) -> None:
    demo_session.execute(sa.text(
        "UPDATE investor SET address = :a WHERE id = (SELECT min(id) FROM investor)"),
        {"a": "Anzali\x0bRoad"})
    demo_session.commit()
    found = {v.rule: v for v in run_checks(demo_session)}
    assert "investor.address" in found["control_character"].detail

