"""A process that used SpatiaLite and then the GIS stack exits cleanly (no heap abort)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = """
from zones.settings import Settings
from zones.db import create_engine, upgrade
engine = create_engine(Settings(database_url="sqlite:///{db}"))
upgrade(engine)
import geopandas, pyogrio  # noqa: E401 - loaded after mod_spatialite, as the CLI does
engine.dispose()
print("done")
"""


def test_spatialite_then_pyproj_exits_with_status_zero(tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, "-c", SCRIPT.format(db=tmp_path / "z.sqlite")],
                         capture_output=True, text=True, timeout=300)
    assert run.stdout.strip() == "done"
    assert run.returncode == 0, run.stderr[-500:]
