"""Load the native geospatial libraries in one fixed order, before anything else can.

The wheels of pyogrio (GDAL), pyproj (PROJ) and shapely (GEOS) each bundle their own
copies of SQLite, PROJ, GEOS and libxml2, and export those symbols. Debian's
``mod_spatialite``, which SQLite loads with ``RTLD_GLOBAL``, brings the system copies
into the process's global symbol scope. A wheel loaded after that binds part of its calls
to the system copies: GDAL then crashed (SIGSEGV) writing a GeoPackage, pyproj aborted at
exit with a double free, shapely mixed GEOS 3.14 and 3.11 calls. Loaded first, each wheel
resolves every symbol to its own copies at load time (Python dlopens with ``RTLD_NOW``),
and the later global ones cannot interpose.

So ``zones/__init__`` imports this module: every entry point (the ``zones`` CLI, the
service and its workers, the upload readers' fork server, alembic, benchmarks, tests)
imports ``zones`` before it can open a SpatiaLite connection.
"""

import pyogrio  # noqa: F401  GDAL (bundles SQLite, PROJ, GEOS, libxml2)
import pyproj  # noqa: F401  PROJ (bundles SQLite)
import shapely  # noqa: F401  GEOS
