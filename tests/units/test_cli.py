"""``zones units import`` and ``zones levies issue`` on a real database."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from typer.testing import CliRunner

from zones.cli import app
from zones.db import create_engine, session_factory
from zones.model import Allocation, AllocationStatus, Levy, Plot, PlotAppraisal, ProductionUnit
from zones.services import levies, revival
from zones.services.unit_sheets import INVESTOR_COLUMNS


def _liable(settings) -> str:
    """One dormant unit whose plan closed as non-cooperative, on an appraised plot."""
    engine = create_engine(settings)
    with session_factory(engine, write=True)() as s:
        unit = s.scalar(sa.select(ProductionUnit).where(ProductionUnit.status == "dormant")
                        .order_by(ProductionUnit.ref).limit(1))
        unit.status_since = dt.date(2021, 6, 1)
        plot_id = s.scalar(sa.select(Allocation.plot_id).where(
            Allocation.unit_id == unit.id, Allocation.status == AllocationStatus.ACTIVE))
        s.get(Plot, plot_id).area_m2 = 1000.0
        s.add(PlotAppraisal(plot_id=plot_id, valued_on=dt.date(2022, 1, 1), rial_per_m2=1_000_000))
        levies.create_tariff(session=s, valid_from=dt.date(2020, 3, 20), grace_months=0,
                             terminate_after_years=10, note=None,
                             schedule=[{"from_year": 1, "share": 0.1}])
        plan = revival.create_plan(session=s, unit=unit, starts_on=None, ends_on=None,
                                   cooperative=None, cooperation_note=None)
        revival.update_plan(session=s, plan=plan, changes={"status": revival.PlanStatus.ACTIVE})
        revival.set_outcome(session=s, plan=plan, outcome=revival.PlanOutcome.NON_COOPERATIVE,
                            on=dt.date(2023, 1, 1), reason=None, changed_by_id=None)
        s.commit()
        ref = unit.ref
    engine.dispose()
    return ref


def test_levies_issue_for_a_year(demo_settings, monkeypatch) -> None:
    ref = _liable(demo_settings)
    monkeypatch.setenv("ZONES_DATABASE_URL", demo_settings.database_url)
    result = CliRunner().invoke(app, ["levies", "issue", "--year", "1403"])
    assert result.exit_code == 0, result.output
    # 1,000 m² × 1,000,000 rial × 10 %, the whole (366-day) year.
    assert f"issued {ref} 1403: 100000000 rial (tariff v1)" in result.output
    assert "1 issued, 0 skipped" in result.output
    again = CliRunner().invoke(app, ["levies", "issue", "--year", "1403"])
    assert "0 issued" in again.output
    engine = create_engine(demo_settings)
    with session_factory(engine)() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Levy)) == 1
    engine.dispose()


def test_units_import_dry_run_lists_problems(demo_settings, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("ZONES_DATABASE_URL", demo_settings.database_url)
    sheet = tmp_path / "investors.csv"
    header = ",".join(c.header for c in INVESTOR_COLUMNS[:5])
    sheet.write_text(f"{header}\nINV-901,حقیقی,مریم,,IR\nINV-902,شرکتی,,,I\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["units", "import", str(sheet), "--dry-run"])
    assert result.exit_code == 2
    assert "investors row 3" in result.output and "bad_choice" in result.output
    assert "bad_country" in result.output and "not written" in result.output
