"""Small zone layers near district 1 of the Anzali Free Zone (37.448 N, 49.505 E)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, Polygon, box

from maps.layers import ZoneLayers
from maps.styles import PLOT_STATUS_COLOURS

ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = ROOT / "node_modules"
XSS = "<script>alert(1)</script>"
CENTRE = (49.505, 37.448)  # lon, lat of district 1

# ~50 m in degrees at this latitude (1° lat ≈ 111 km, 1° lon ≈ 88 km).
DLAT = 50 / 111_000
DLON = 50 / 88_000


def plot_square(column: int, row: int = 0) -> Polygon:
    """A ~50 m square plot, ``column`` squares east and ``row`` north of the centre."""
    lon, lat = CENTRE[0] + column * 1.2 * DLON, CENTRE[1] + row * 1.2 * DLAT
    return box(lon, lat, lon + DLON, lat + DLAT)


def frame(rows: list[dict], geometries: list) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry=geometries, crs=4326)


@pytest.fixture
def plots() -> gpd.GeoDataFrame:
    """One plot per status, in legend order, with areas 2,500 m² and up."""
    statuses = list(PLOT_STATUS_COLOURS)
    rows = [
        {
            "id": i + 1,
            "district_code": "D1",
            "code": f"D1-P{i + 1:03d}",
            "land_use": "industrial" if i % 2 else "warehouse",
            "status": status,
            "area_m2": 2500.0 + 1000 * i,
        }
        for i, status in enumerate(statuses)
    ]
    return frame(rows, [plot_square(i) for i in range(len(rows))])


@pytest.fixture
def layers(plots: gpd.GeoDataFrame) -> ZoneLayers:
    """A complete, small map: every layer has at least one row."""
    lon, lat = CENTRE
    zone = frame(
        [{"id": 1, "code": "AFZ", "name_fa": "منطقه آزاد انزلی", "name_en": "Anzali Free Zone"}],
        [box(lon - 0.02, lat - 0.01, lon + 0.03, lat + 0.015)],
    )
    districts = frame(
        [
            {
                "id": 1,
                "code": "D1",
                "name_fa": "شهرک صنعتی شماره ۱",
                "name_en": "Estate No. 1",
                "status": "operating",
            }
        ],
        [box(lon - 0.002, lat - 0.002, lon + 0.01, lat + 0.004)],
    )
    expansion = frame(
        [
            {
                "id": 1,
                "code": "D1-X",
                "name_fa": "توسعه شهرک ۱",
                "name_en": "Estate 1 expansion",
                "decision_ref": "1402/15",
            }
        ],
        [box(lon + 0.011, lat - 0.002, lon + 0.016, lat + 0.004)],
    )
    infrastructure = frame(
        [
            {
                "id": 1,
                "network": "road",
                "kind": "spine",
                "name_fa": "محور اصلی",
                "name_en": "Spine road",
                "status": "complete",
            },
            {
                "id": 2,
                "network": "power",
                "kind": "feeder",
                "name_fa": "فیدر ۲۰",
                "name_en": "20 kV feeder",
                "status": "planned",
            },
            {
                "id": 3,
                "network": "power",
                "kind": "substation",
                "name_fa": "پست ۶۳/۲۰",
                "name_en": "63/20 kV substation",
                "status": "under_construction",
            },
            {
                "id": 4,
                "network": "sewer",
                "kind": "treatment_plant",
                "name_fa": "تصفیه‌خانه",
                "name_en": "Treatment plant",
                "status": "planned",
            },
        ],
        [
            LineString([(lon - 0.01, lat - 0.001), (lon + 0.02, lat - 0.001)]),
            LineString([(lon, lat + 0.003), (lon + 0.01, lat + 0.003)]),
            Point(lon + 0.012, lat + 0.003),
            box(lon + 0.02, lat + 0.005, lon + 0.022, lat + 0.007),
        ],
    )
    customs = frame(
        [
            {
                "id": 1,
                "code": "C3",
                "name_fa": "بین شهرک ۱ و ۲",
                "name_en": "Between D1 and D2",
                "status": "candidate",
            },
            {
                "id": 2,
                "code": "C4",
                "name_fa": "گمرک بندر انزلی",
                "name_en": "Anzali port customs",
                "status": "chosen",
            },
        ],
        [Point(lon + 0.017, lat + 0.005), Point(lon - 0.015, lat + 0.01)],
    )
    protected = frame(
        [
            {
                "id": 1,
                "kind": "wetland",
                "name_fa": "تالاب انزلی",
                "name_en": "Anzali wetland",
                "buffer_m": 1000,
            },
        ],
        [box(lon - 0.045, lat - 0.005, lon - 0.03, lat + 0.005)],
    )
    return ZoneLayers(
        zone=zone,
        districts=districts,
        expansion_areas=expansion,
        plots=plots,
        infrastructure=infrastructure,
        customs_sites=customs,
        protected_areas=protected,
    )


@pytest.fixture
def xss() -> str:
    """A name someone typed to attack the map page."""
    return XSS


@pytest.fixture
def xss_layers(layers: ZoneLayers) -> ZoneLayers:
    """The same map with a script tag in a plot code, a district name and the zone name."""
    plots = layers.plots.copy()
    plots.loc[plots.index[0], "code"] = XSS
    districts = layers.districts.copy()
    districts["name_fa"] = XSS
    districts["name_en"] = XSS
    zone = layers.zone.copy()
    zone["name_fa"] = XSS
    zone["name_en"] = XSS
    return dataclasses.replace(layers, plots=plots, districts=districts, zone=zone)


@pytest.fixture
def empty_layers() -> ZoneLayers:
    return ZoneLayers.empty()


@pytest.fixture
def node_modules() -> Path:
    """The installed npm packages; a missing install fails, it is not skipped."""
    if not (NODE_MODULES / "leaflet").is_dir():
        pytest.fail(f"{NODE_MODULES} is not installed: run `npm ci` in {ROOT}")
    return NODE_MODULES
