"""Areas and lengths in metres: in the zone's metric CRS (planimetric) or on the ellipsoid.

Every function takes geometries in EPSG:4326 (storage) and says which kind of metre it
returns. Nothing here measures in degrees.
"""

from __future__ import annotations

import numpy as np
import shapely
from geopandas import GeoSeries
from pyproj import Geod

from zones.spatial.crs import STORAGE_CRS, metric_crs

_GEOD = Geod(ellps="WGS84")


def metric_area(geoms: GeoSeries | np.ndarray | list[shapely.Geometry], srid: int) -> np.ndarray:
    """Planimetric area in m² of lon/lat geometries, projected to EPSG:``srid`` (vectorized)."""
    series = geoms if isinstance(geoms, GeoSeries) else GeoSeries(geoms, crs=STORAGE_CRS)
    if series.crs is None:
        series = series.set_crs(STORAGE_CRS)
    return series.to_crs(metric_crs(srid)).area.to_numpy()


def metric_length(geoms: GeoSeries | np.ndarray | list[shapely.Geometry], srid: int) -> np.ndarray:
    """Planimetric length in m of lon/lat geometries in EPSG:``srid`` (vectorized)."""
    series = geoms if isinstance(geoms, GeoSeries) else GeoSeries(geoms, crs=STORAGE_CRS)
    if series.crs is None:
        series = series.set_crs(STORAGE_CRS)
    return series.to_crs(metric_crs(srid)).length.to_numpy()


def geodesic_area(geom: shapely.Geometry) -> float:
    """Area in m² on the WGS 84 ellipsoid: the figure for official hectares.

    Winding order does not matter (the sign pyproj returns for clockwise rings is dropped).
    """
    area, _perimeter = _GEOD.geometry_area_perimeter(geom)
    return abs(area)
