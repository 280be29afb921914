"""Deterministic demo zone: the Anzali Free Zone's industrial districts, as briefed.

``generate()`` builds what ``../shared/domain-brief.md`` section 6 describes: estates 1
and 2 (operating), the approved district-2 expansion and estate 3 (planned), ~210 plots
on street grids, 143 production units (28 dormant, with causes), investors, bank
facilities, allocations, infrastructure networks, customs candidate sites and the
protected areas that constrain siting. ``generate(plots=N)`` builds a zone of exactly N
plots for benchmarks. Same seed, same data. Sourced vs assumed facts: ``data/README.md``.

Geometry is laid out in EPSG:32639 (UTM 39N, metres) and returned in EPSG:4326.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from shapely import affinity

from data import people
from data.infrastructure import build_infrastructure
from data.layout import Layout, Road, insert_vertices, lay_out, place
from zones.exchange import Dataset
from zones.text import normalize

METRIC = 32639
TO_METRIC = Transformer.from_crs(4326, METRIC, always_xy=True)
TODAY = dt.date(2026, 11, 28)


@dataclass(frozen=True)
class DistrictSpec:
    code: str
    number: int | None
    name_fa: str
    name_en: str
    status: str
    centre: tuple[float, float]  # lon, lat
    gross_ha: float
    plots: int
    min_m2: float
    max_m2: float
    median_m2: float
    depth: float
    block_length: float
    columns: int
    angle: float


# [A] centres and sizes: domain brief section 6; D1 55 ha [S10], D3 50 ha [S8].
D1 = DistrictSpec("D1", 1, "شهرک صنعتی شماره ۱", "Industrial Estate No. 1", "operating",
                  (49.5050, 37.4480), 55, 100, 800, 12000, 2500, 55, 320, 2, 8.0)
D2 = DistrictSpec("D2", 2, "شهرک صنعتی شماره ۲", "Industrial Estate No. 2", "expanding",
                  (49.5400, 37.4580), 25, 45, 1000, 8000, 2700, 55, 230, 1, -6.0)
D2X = DistrictSpec("D2-X", None, "توسعه شهرک صنعتی شماره ۲", "Estate No. 2 expansion",
                   "approved", (49.5480, 37.4520), 20, 25, 2000, 10000, 4200, 70, 300, 1, -6.0)
D3 = DistrictSpec("D3", 3, "شهرک صنعتی شماره ۳", "Industrial Estate No. 3", "planned",
                  (49.2450, 37.5480), 50, 40, 2000, 20000, 6000, 90, 330, 2, 15.0)

PLOT_STATUSES = {  # [A] brief section 6
    "D1": {"operating": 80, "idle": 18, "serviced": 2},
    "D2": {"operating": 35, "idle": 10},
    "D2-X": {"planned": 25},
    "D3": {"reserved": 12, "serviced": 14, "planned": 14},
}
ZONING = {"D1": (0.6, 1.2), "D2": (0.6, 1.2), "D2-X": (0.6, 1.5), "D3": (0.5, 1.5)}


# The generator's output is a zone dataset like any other (a GeoPackage import, say).
DemoData = Dataset


def _metric(lon: float, lat: float) -> tuple[float, float]:
    x, y = TO_METRIC.transform(lon, lat)
    return float(x), float(y)


def _areas(rng: np.random.Generator, spec: DistrictSpec, n: int | None = None) -> np.ndarray:
    """Lognormal plot areas (m²) with the spec's median, clipped to its range."""
    n = n or spec.plots
    # The layout stretches rows by up to ~10 % to fill blocks: keep headroom below max.
    values = rng.lognormal(math.log(spec.median_m2), 0.6, n)
    return np.clip(values, spec.min_m2, spec.max_m2 / 1.12)


def _lay_district(rng: np.random.Generator, spec: DistrictSpec, n: int | None = None,
                  gross: bool = True) -> Layout:
    areas = _areas(rng, spec, n)
    depth = spec.depth
    for _ in range(12):  # shrink plot depth until the grid fits inside the gross area
        layout = lay_out(areas, depth=depth, block_length=spec.block_length,
                         columns=spec.columns, gross_area=spec.gross_ha * 1e4 if gross else None,
                         prefix="X" if spec.code == "D2-X" else "")
        if not gross or layout.extra["grid_area"] <= spec.gross_ha * 1e4 * 0.97:
            return layout
        areas = np.clip(areas * 0.95, spec.min_m2, None)
    return layout


def _noded_pair(a: shapely.Polygon, b: shapely.Polygon) -> tuple[shapely.Polygon, ...]:
    """``a`` and ``b`` with each other's vertices inserted where their edges are shared, so
    they still only touch after reprojection (a straight edge does not stay straight)."""
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(
        shapely.node(shapely.GeometryCollection([a.boundary, b.boundary])))))
    pick = [next(f for f in faces if f.representative_point().within(g)) for g in (a, b)]
    return pick[0], pick[1]


def _shifted(layout: Layout, dx: float, dy: float) -> Layout:
    def move(g: shapely.Geometry | None) -> shapely.Geometry | None:
        return None if g is None else affinity.translate(g, dx, dy)

    roads = [Road(move(r.line), r.width, r.kind) for r in layout.roads]
    return Layout(plots=[move(p) for p in layout.plots], codes=layout.codes, roads=roads,
                  green=move(layout.green), utility=move(layout.utility),
                  boundary=move(layout.boundary), extra=layout.extra)


def _to_lonlat(geoms: list[shapely.Geometry]) -> gpd.GeoSeries:
    return gpd.GeoSeries(geoms, crs=METRIC).to_crs(4326)


def _statuses(rng: np.random.Generator, code: str, n: int) -> list[str]:
    pool = [s for s, k in PLOT_STATUSES[code].items() for _ in range(k)]
    assert len(pool) == n, (code, len(pool), n)
    return [str(s) for s in rng.permutation(pool)]


def generate(seed: int = 1405, plots: int | None = None) -> DemoData:
    """The demo zone (``plots=None``) or a synthetic zone of exactly ``plots`` plots."""
    rng = np.random.default_rng(seed)
    if plots is not None:
        return _generate_scaled(rng, plots)

    placed: dict[str, dict] = {}
    for spec in (D1, D2, D3):
        layout = _lay_district(rng, spec)
        origin = (layout.boundary.bounds[2] / 2, layout.boundary.bounds[3] / 2)
        placed[spec.code] = {"spec": spec, "layout": layout, "origin": origin,
                             "centre": _metric(*spec.centre), "angle": spec.angle}
    # The expansion shares D2's frame and lies against D2's east edge (touching): its
    # layout is shifted in D2's local metres, then placed by the same map as D2, so the
    # shared edge has identical coordinates.
    d2 = placed["D2"]
    x_layout = _lay_district(rng, D2X)
    shift = (d2["layout"].boundary.bounds[2], -x_layout.boundary.bounds[3] * 0.45)
    x_layout = _shifted(x_layout, *shift)
    d2["layout"].boundary, x_layout.boundary = _noded_pair(d2["layout"].boundary,
                                                            x_layout.boundary)
    for item in (*placed.values(), {"layout": x_layout}):
        layout = item["layout"]
        corners = list(layout.boundary.exterior.coords)
        layout.green = layout.green and insert_vertices(layout.green, corners)
        layout.utility = layout.utility and insert_vertices(layout.utility, corners)
    placed["D2-X"] = {"spec": D2X, "layout": x_layout, "origin": d2["origin"],
                      "centre": d2["centre"], "angle": d2["angle"]}

    district_rows, plot_rows, plot_geoms, roads = [], [], [], []
    expansion_geom = None
    for code, item in placed.items():
        spec, layout = item["spec"], item["layout"]
        put = dict(centre=item["centre"], origin=item["origin"], angle=item["angle"])
        boundary = place([layout.boundary], **put)[0]
        if code == "D2-X":
            expansion_geom = boundary
        else:
            district_rows.append({"code": code, "number": spec.number, "name_fa": spec.name_fa,
                                  "name_en": spec.name_en, "kind": "estate",
                                  "status": spec.status, "geometry": boundary})
        geoms = place(layout.plots, **put)
        statuses = _statuses(rng, code, len(geoms))
        coverage, far = ZONING[code]
        district_code = "D2" if code == "D2-X" else code
        for plot_code, geom, status in zip(layout.codes, geoms, statuses, strict=True):
            plot_rows.append({"district_code": district_code,
                              "expansion_code": "D2-X" if code == "D2-X" else None,
                              "code": plot_code, "land_use": "industrial", "status": status,
                              "max_coverage": coverage, "far": far})
            plot_geoms.append(geom)
        for extra, use in ((layout.utility, "utility"), (layout.green, "green")):
            if extra is not None:
                plot_rows.append({"district_code": district_code,
                                  "expansion_code": "D2-X" if code == "D2-X" else None,
                                  "code": f"{'X' if code == 'D2-X' else ''}{use[0].upper()}-1",
                                  "land_use": use,
                                  "status": "planned" if spec.status in ("planned", "approved")
                                  else "serviced",
                                  "max_coverage": None, "far": None})
                plot_geoms.append(place([extra], **put)[0])
        for road in layout.roads:
            roads.append((district_code, code, place([road.line], **put)[0], road))

    plots_gdf = gpd.GeoDataFrame(plot_rows, geometry=_to_lonlat(plot_geoms), crs=4326)
    for column in ("name_fa", "name_en"):
        plots_gdf[column] = None
    districts = gpd.GeoDataFrame(
        pd.DataFrame(district_rows).drop(columns="geometry"),
        geometry=_to_lonlat([r["geometry"] for r in district_rows]), crs=4326)
    expansions = gpd.GeoDataFrame(
        [{"code": "D2-X", "district_code": "D2", "name_fa": normalize(D2X.name_fa),
          "name_en": D2X.name_en,
          "decision_ref": normalize("کارگروه رونق تولید، مصوبه ۱۴۰۵/۰۶/۱۲"),
          "decision_date": dt.date(2026, 9, 3), "status": "approved"}],
        geometry=_to_lonlat([expansion_geom]), crs=4326)

    investors, units, facilities, allocations = people.build(
        rng, plots_gdf.drop(columns="geometry"), TODAY)
    infrastructure = build_infrastructure(roads, placed, TODAY)
    customs, protected, zone = _sites_and_context()
    return DemoData(zone=zone, districts=districts, expansion_areas=expansions,
                    plots=plots_gdf, investors=investors, units=units,
                    bank_facilities=facilities, allocations=allocations,
                    infrastructure=infrastructure, customs_sites=customs,
                    protected_areas=protected)


# [A] candidate customs sites, brief section 6 (lat, lon there; lon, lat here).
CUSTOMS = [
    ("C1", "درگاه بندر کاسپین", "Caspian Port gate", 49.2760, 37.5360),
    ("C2", "کنار راه‌آهن شهرک ۳", "Estate 3 rail-side", 49.2520, 37.5440),
    ("C3", "بین شهرک ۱ و ۲ کنار جاده اصلی", "Between estates 1 and 2 on the main road",
     49.5220, 37.4530),
    ("C4", "گمرک موجود بندر انزلی", "Existing Anzali port customs", 49.4680, 37.4740),
    ("C5", "زمین بکر نزدیک حسن‌رود", "Greenfield near Hasan Rud", 49.5800, 37.4600),
]

# Shoreline after the GSHHS full-resolution latitudes (brief 1.2), lon, lat. [A] west of
# 49.3 E the coast bends north past Kapurchal so that estate 3 (on land per the brief) is.
SHORE = [(49.18, 37.580), (49.275, 37.561), (49.31, 37.546), (49.35, 37.521), (49.45, 37.488),
         (49.55, 37.480), (49.75, 37.466), (49.95, 37.443), (49.97, 37.442)]
OFFSHORE_DEG = 0.018  # ~2 km: the zone includes sea to 2 km offshore [S5]

# [A] rough outline of the Anzali wetland (larger than GSHHS's lagoon, per brief 1.2).
WETLAND = [(49.255, 37.445), (49.30, 37.415), (49.38, 37.400), (49.44, 37.405),
           (49.465, 37.430), (49.448, 37.462), (49.40, 37.475), (49.35, 37.495),
           (49.30, 37.515), (49.262, 37.505), (49.25, 37.475)]
# [A] Boujagh National Park around the Sefidrud mouth near Kiashahr.
BOUJAGH = [(49.88, 37.405), (49.93, 37.400), (49.975, 37.415), (49.975, 37.445),
           (49.95, 37.455), (49.90, 37.450), (49.875, 37.430)]


def _square(lon: float, lat: float, area_m2: float) -> shapely.Polygon:
    x, y = _metric(lon, lat)
    half = math.sqrt(area_m2) / 2
    return shapely.box(x - half, y - half, x + half, y + half)


def _sites_and_context() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    customs = gpd.GeoDataFrame(
        [{"code": c, "name_fa": normalize(fa), "name_en": en, "status": "candidate"}
         for c, fa, en, _, _ in CUSTOMS],
        geometry=_to_lonlat([_square(lon, lat, 80_000) for *_, lon, lat in CUSTOMS]), crs=4326)
    sea = shapely.Polygon([*SHORE, (SHORE[-1][0], 37.62), (SHORE[0][0], 37.62)])
    protected = gpd.GeoDataFrame(
        [{"code": "WET-ANZ", "kind": "wetland", "name_fa": "تالاب انزلی",
          "name_en": "Anzali Wetland", "buffer_m": 1000.0},
         {"code": "NP-BOJ", "kind": "national_park", "name_fa": "پارک ملی بوجاق",
          "name_en": "Boujagh National Park", "buffer_m": 1000.0},
         {"code": "SEA-CAS", "kind": "sea", "name_fa": "دریای خزر", "name_en": "Caspian Sea",
          "buffer_m": 0.0}],
        geometry=[shapely.Polygon(WETLAND), shapely.Polygon(BOUJAGH), sea], crs=4326)
    north = [(lon, lat + OFFSHORE_DEG) for lon, lat in SHORE]
    # [A] west: Taleb-Abad canal ~49.18 E; south: the Imamzadeh Hashem–Anzali bypass ~37.39 N.
    outline = shapely.Polygon([*north, (SHORE[-1][0], 37.39), (SHORE[0][0], 37.39)])
    zone = gpd.GeoDataFrame(
        [{"code": "ANZ", "name_fa": "منطقه آزاد انزلی", "name_en": "Anzali Free Zone",
          "metric_srid": METRIC}],
        geometry=[shapely.MultiPolygon([outline])], crs=4326)
    return customs, protected, zone


def _generate_scaled(rng: np.random.Generator, n: int) -> DemoData:
    """A synthetic zone of exactly ``n`` plots: districts of up to 5,000 plots on a grid."""
    per_district = 5000
    counts = [per_district] * (n // per_district) + ([n % per_district] if n % per_district
                                                     else [])
    cols = max(1, math.ceil(math.sqrt(len(counts))))
    base_x, base_y = _metric(49.30, 37.20)
    plot_rows, plot_geoms, district_rows, district_geoms = [], [], [], []
    offset_x = offset_y = row_height = 0.0
    for i, count in enumerate(counts):
        spec = DistrictSpec(f"S{i + 1}", i + 4, f"ناحیه آزمایشی {i + 1}", f"Synthetic {i + 1}",
                            "operating", (0, 0), 0, count, 800, 12000, 2500, 55, 260,
                            max(1, round(math.sqrt(count / 40))), 0.0)
        layout = _lay_district(rng, spec, count, gross=False)
        if i % cols == 0 and i:
            offset_x, offset_y, row_height = 0.0, offset_y + row_height + 200, 0.0
        put = dict(centre=(base_x + offset_x, base_y + offset_y), origin=(0.0, 0.0), angle=0.0)
        offset_x += layout.boundary.bounds[2] + 200
        row_height = max(row_height, layout.boundary.bounds[3])
        district_rows.append({"code": spec.code, "number": spec.number, "name_fa": spec.name_fa,
                              "name_en": spec.name_en, "kind": "estate",
                              "status": "operating"})
        district_geoms.append(place([layout.boundary], **put)[0])
        geoms = place(layout.plots, **put)
        statuses = rng.choice(["planned", "serviced", "reserved"], size=len(geoms),
                              p=[0.3, 0.6, 0.1])
        for code, geom, status in zip(layout.codes, geoms, statuses, strict=True):
            plot_rows.append({"district_code": spec.code, "expansion_code": None, "code": code,
                              "land_use": "industrial", "status": str(status),
                              "max_coverage": 0.6, "far": 1.2, "name_fa": None,
                              "name_en": None})
            plot_geoms.append(geom)
    districts = gpd.GeoDataFrame(district_rows, geometry=_to_lonlat(district_geoms), crs=4326)
    plots_gdf = gpd.GeoDataFrame(plot_rows, geometry=_to_lonlat(plot_geoms), crs=4326)
    envelope = shapely.box(*districts.total_bounds).buffer(0.01)
    zone = gpd.GeoDataFrame([{"code": "BENCH", "name_fa": "منطقه آزمایشی",
                              "name_en": "Benchmark zone", "metric_srid": METRIC}],
                            geometry=[shapely.MultiPolygon([envelope])], crs=4326)
    empty = people.empty_frames()
    return DemoData(
        zone=zone, districts=districts,
        expansion_areas=gpd.GeoDataFrame(
            columns=["code", "district_code", "name_fa", "name_en", "decision_ref",
                     "decision_date", "status", "geometry"], geometry="geometry", crs=4326),
        plots=plots_gdf, investors=empty["investors"], units=empty["units"],
        bank_facilities=empty["bank_facilities"], allocations=empty["allocations"],
        infrastructure=gpd.GeoDataFrame(
            columns=["network", "kind", "name_fa", "name_en", "status", "capacity",
                     "capacity_unit", "width_m", "district_code", "planned_completion",
                     "completed_on", "geometry"], geometry="geometry", crs=4326),
        customs_sites=gpd.GeoDataFrame(columns=["code", "name_fa", "name_en", "status",
                                                "geometry"], geometry="geometry", crs=4326),
        protected_areas=gpd.GeoDataFrame(columns=["code", "kind", "name_fa", "name_en",
                                                  "buffer_m", "geometry"],
                                         geometry="geometry", crs=4326))
