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


GEOS_SCRIPT = """
from zones.settings import Settings
from zones.db import create_engine, upgrade
engine = create_engine(Settings(database_url="sqlite:///{db}"))
upgrade(engine)  # as `zones serve` does, before uvicorn imports the app
import numpy as np
import shapely
box = shapely.box(0, 0, 1, 1)
assert shapely.from_wkb(shapely.to_wkb(np.asarray([box], dtype=object)))[0].equals(box)
print(shapely.geos_version_string)
"""


def test_spatialite_first_leaves_shapely_on_its_own_geos(tmp_path: Path) -> None:
    """mod_spatialite brings Debian's GEOS into the global symbol scope; shapely imported
    after it must still call its own GEOS (a mix refused every WKB write in `zones serve`)."""
    run = subprocess.run([sys.executable, "-c", GEOS_SCRIPT.format(db=tmp_path / "z.sqlite")],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-800:]
    import shapely

    assert run.stdout.strip() == shapely.geos_version_string
