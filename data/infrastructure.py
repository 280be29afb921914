"""Infrastructure networks of the demo zone. All [A], shaped by the brief's section 3 and 6.

Each network line starts at its source (substation, reservoir, gas station, treatment
plant), so later analysis can treat networks as connected graphs. Districts 1 and 2 are
built out; the district-2 expansion is planned; district 3 is under way, with dates.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import geopandas as gpd
import shapely
from pyproj import Transformer

from data.layout import place

METRIC = 32639
_TO_METRIC = Transformer.from_crs(4326, METRIC, always_xy=True)

COLUMNS = ["network", "kind", "name_fa", "name_en", "status", "capacity", "capacity_unit",
           "width_m", "district_code", "planned_completion", "completed_on", "geometry"]

ROAD_FA = {"spine": "بلوار اصلی", "collector": "خیابان جمع‌کننده", "local": "خیابان محلی"}


def _status(layout_code: str, kind: str) -> tuple[str, dt.date | None, dt.date | None]:
    """(status, planned_completion, completed_on) of a network element of a district."""
    if layout_code in ("D1", "D2"):
        return "complete", None, dt.date(2012, 6, 1)
    if layout_code == "D2-X":
        return "planned", dt.date(2027, 9, 22), None
    # District 3: trunk elements first (Nov 2025 "final infrastructure works" [S8]).
    if kind in ("spine", "substation_63_20kv", "reservoir"):
        return "complete", None, dt.date(2025, 11, 15)
    if kind in ("collector", "feeder_20kv", "main", "fibre", "station"):
        return "under_construction", dt.date(2027, 3, 20), None
    return "planned", dt.date(2027, 6, 21), None


def _row(network: str, kind: str, fa: str, en: str, geom: shapely.Geometry, layout_code: str,
         district: str | None, **kw: Any) -> dict[str, Any]:
    status, planned, done = _status(layout_code, kind)
    return {"network": network, "kind": kind, "name_fa": fa, "name_en": en, "status": status,
            "capacity": kw.get("capacity"), "capacity_unit": kw.get("unit"),
            "width_m": kw.get("width"), "district_code": district,
            "planned_completion": planned, "completed_on": done, "geometry": geom}


def _spine(item: dict[str, Any]) -> shapely.LineString:
    layout = item["layout"]
    spine = next((r for r in layout.roads if r.kind == "spine"), layout.roads[0])
    return place([spine.line], centre=item["centre"], origin=item["origin"],
                 angle=item["angle"])[0]


def build_infrastructure(roads: list[tuple], placed: dict[str, dict[str, Any]],
                         today: dt.date) -> gpd.GeoDataFrame:
    """Networks as a GeoDataFrame in EPSG:4326 (columns :data:`COLUMNS`)."""
    del today  # statuses are fixed by date constants above, kept explicit for readers
    rows: list[dict[str, Any]] = []
    for district, layout_code, line, road in roads:
        rows.append(_row("road", road.kind, ROAD_FA[road.kind], f"{road.kind} road", line,
                         layout_code, district, width=road.width))

    spines = {code: _spine(item) for code, item in placed.items()}
    c1 = shapely.Point(placed["D1"]["centre"])
    c2 = shapely.Point(placed["D2"]["centre"])
    hub = shapely.Point((c1.x + c2.x) / 2, (c1.y + c2.y) / 2 - 250)  # between D1 and D2
    d3_start = shapely.Point(spines["D3"].coords[0])
    d3_hub = shapely.Point(d3_start.x - 120, d3_start.y - 120)

    sources = {
        # network: (kind, fa, en, capacity, unit, offset from hub (m))
        "power": ("substation_63_20kv", "پست ۶۳/۲۰ کیلوولت", "63/20 kV substation", 30.0,
                  "MVA", (0, 0)),
        "water": ("reservoir", "مخزن آب", "water reservoir", 5000.0, "m3", (120, 0)),
        "gas": ("station", "ایستگاه تقلیل فشار گاز", "gas pressure-reducing station", 20000.0,
                "m3/h", (-120, 0)),
        "sewer": ("treatment_plant", "تصفیه‌خانه فاضلاب", "wastewater treatment plant", 2500.0,
                  "m3/day", (0, -150)),
        "telecom": ("exchange", "مرکز مخابرات", "telecom exchange", None, None, (60, -60)),
    }
    line_kind = {"power": ("feeder_20kv", "فیدر ۲۰ کیلوولت", "20 kV feeder"),
                 "water": ("main", "خط اصلی آب", "water main"),
                 "gas": ("pipe", "لوله گاز", "gas pipe"),
                 "sewer": ("main", "خط اصلی فاضلاب", "sewer main"),
                 "telecom": ("fibre", "فیبر نوری", "fibre")}
    for network, (kind, fa, en, cap, unit, (dx, dy)) in sources.items():
        for label, base, served, code in (("D1+D2", hub, ("D1", "D2", "D2-X"), "D1"),
                                          ("D3", d3_hub, ("D3",), "D3")):
            source = shapely.Point(base.x + dx, base.y + dy)
            rows.append(_row(network, kind, f"{fa} ({label})", f"{en} ({label})", source,
                             code, None if label == "D1+D2" else "D3", capacity=cap, unit=unit))
            for target in served:
                spine = spines[target]
                lk, lfa, len_ = line_kind[network]
                district = "D2" if target == "D2-X" else target
                line = shapely.LineString([source.coords[0], *spine.coords])
                rows.append(_row(network, lk, f"{lfa} {target}", f"{len_} {target}", line,
                                 target, district))

    # Rasht–Caspian railway, the in-zone section, and the D3 siding [S16].
    port_yard = _TO_METRIC.transform(49.2700, 37.5380)
    south = _TO_METRIC.transform(49.3300, 37.4000)
    rail = shapely.LineString([south, port_yard])
    rows.append(_row("rail", "mainline", "راه‌آهن رشت–کاسپین", "Rasht–Caspian railway", rail,
                     "D1", None))
    junction = rail.interpolate(rail.project(d3_start))
    rows.append(_row("rail", "siding", "خط فرعی شهرک ۳", "Estate 3 rail siding",
                     shapely.LineString([junction.coords[0], d3_start.coords[0]]), "D3", "D3"))
    # Fire station between D1 and D2 covers both within 3.2 km by road [S40].
    rows.append(_row("fire", "station", "ایستگاه آتش‌نشانی", "fire station",
                     shapely.Point(hub.x, hub.y + 200), "D1", None))
    frame = gpd.GeoDataFrame(rows, columns=COLUMNS, geometry="geometry", crs=METRIC)
    return frame.to_crs(4326)
