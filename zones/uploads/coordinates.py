"""Bring layers from their declared CRS to storage (EPSG:4326, 2-D, lon/lat).

What cannot be guessed safely is refused with a code: no CRS with coordinates that cannot
be degrees, lat/lon given as lon/lat (unless the caller asks for the swap), and anything
far from the zone. Near-misses are left to validation ("plot outside the zone").
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from zones.errors import AxisOrderSwapped, CrsMissing, CrsUnknown, OutsideZoneExtent
from zones.uploads.contract import Notice, ReadOptions
from zones.uploads.formats import RawLayer

STORAGE_CRS = "EPSG:4326"
# How far (degrees, ~25 km) outside the zone's extent a feature may lie before it is
# refused as misplaced rather than reported by validation.
MARGIN_DEG = 0.25


def parse_crs(text: str, *, filename: str, layer: str | None = None) -> CRS:
    try:
        return CRS.from_user_input(text)
    except (CRSError, TypeError, ValueError):
        raise CrsUnknown(f"{filename}: unknown coordinate reference system {text!r}",
                         file=filename, layer=layer, crs=text) from None


def crs_label(crs: CRS) -> str:
    """``EPSG:32639`` where an authority code exists, else the CRS name."""
    auth = crs.to_authority(min_confidence=70)
    return f"{auth[0]}:{auth[1]}" if auth else crs.name


def to_storage(layers: list[RawLayer], *, options: ReadOptions, filename: str,
               zone_extent: tuple[float, float, float, float],
               ) -> tuple[list[RawLayer], str, list[Notice]]:
    """Return the layers in EPSG:4326 without Z/M, the source CRS label and notices."""
    notices: list[Notice] = []
    labels: list[str] = []
    out: list[RawLayer] = []
    for layer in layers:
        frame = layer.frame
        geoms = frame.geometry.values
        has_zm = shapely.has_z(geoms) | shapely.has_m(geoms)
        with_z = int(np.count_nonzero(has_zm))
        if with_z:
            frame = frame.set_geometry(shapely.force_2d(geoms))
            notices.append(Notice("z_dropped", f"Z/M values dropped from {with_z} features",
                                  f"مقادیر Z/M از {with_z} عارضه حذف شد",
                                  layer=layer.name, count=with_z,
                                  extra={"features": np.flatnonzero(has_zm)[:1000].tolist()}))
        declared = layer.crs or options.crs
        if declared is None:
            _require_degrees(frame, filename=filename, layer=layer.name)
            crs = CRS.from_epsg(4326)
        else:
            crs = parse_crs(declared, filename=filename, layer=layer.name)
        frame = frame.set_crs(crs, allow_override=True).to_crs(STORAGE_CRS)
        label = crs_label(crs)
        if not crs.equals(CRS.from_epsg(4326)):
            notices.append(Notice(
                "crs_transformed", f"Coordinates transformed from {crs.name} ({label}) to "
                "WGS 84 longitude/latitude (EPSG:4326)",
                f"مختصات از {crs.name} ({label}) به طول/عرض جغرافیایی WGS 84 (EPSG:4326) "
                "تبدیل شد", layer=layer.name, count=len(frame),
                extra={"crs": label, "crs_name": crs.name,
                       "declared_by": "file" if layer.crs else "options"}))
        if label not in labels:
            labels.append(label)
        out.append(RawLayer(layer.name, layer.role, frame, label))
    swapped = _check_extent(out, options=options, filename=filename, zone_extent=zone_extent)
    if swapped:
        for layer in out:
            layer.frame = layer.frame.set_geometry(
                shapely.transform(layer.frame.geometry.values, lambda xy: xy[:, ::-1]),
                crs=STORAGE_CRS)
        notices.append(Notice("axes_swapped", "Latitude/longitude swapped to longitude/latitude",
                              "جای عرض و طول جغرافیایی جابه‌جا شد", count=swapped))
    for layer in out:
        layer.frame, reoriented = orient_ccw(layer.frame)
        if len(reoriented):
            notices.append(Notice(
                "rings_reoriented", f"{len(reoriented)} polygons stored counter-clockwise "
                "(exterior) as RFC 7946 asks; the file had them clockwise",
                f"{len(reoriented)} چندضلعی پادساعتگرد (حلقهٔ بیرونی) ذخیره شد، چنان‌که RFC 7946 "
                "می‌خواهد؛ در فایل ساعتگرد بودند", layer=layer.name, count=len(reoriented),
                extra={"features": reoriented[:1000].tolist()}))
    return out, ", ".join(labels) or STORAGE_CRS, notices


def orient_ccw(frame: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """``frame`` with polygon exteriors counter-clockwise and holes clockwise (RFC 7946
    §3.1.6), and the rows that changed. Only the ring order changes, never a position."""
    geoms = frame.geometry.values
    oriented = shapely.orient_polygons(np.asarray(geoms, dtype=object))
    changed = np.flatnonzero(~shapely.equals_identical(oriented, geoms)
                             & ~shapely.is_missing(geoms))
    if not len(changed):
        return frame, changed
    return frame.set_geometry(oriented, crs=frame.crs), changed


def _require_degrees(frame: gpd.GeoDataFrame, *, filename: str, layer: str) -> None:
    bounds = shapely.bounds(frame.geometry.values)
    finite = bounds[~np.isnan(bounds).any(axis=1)]
    if len(finite) and (np.abs(finite[:, [0, 2]]).max() > 180
                        or np.abs(finite[:, [1, 3]]).max() > 90):
        raise CrsMissing(
            f"{filename}: layer {layer!r} declares no coordinate reference system and its "
            "coordinates are not degrees; give the CRS (e.g. EPSG:32639)",
            file=filename, layer=layer)


def _fits(bounds: np.ndarray, extent: tuple[float, float, float, float]) -> np.ndarray:
    minx, miny, maxx, maxy = extent
    return ((bounds[:, 2] >= minx - MARGIN_DEG) & (bounds[:, 0] <= maxx + MARGIN_DEG)
            & (bounds[:, 3] >= miny - MARGIN_DEG) & (bounds[:, 1] <= maxy + MARGIN_DEG))


def _check_extent(layers: list[RawLayer], *, options: ReadOptions, filename: str,
                  zone_extent: tuple[float, float, float, float]) -> int:
    """Return how many features to swap (0 = none); refuse what cannot be placed."""
    placed: list[tuple[str, np.ndarray, np.ndarray, np.ndarray]] = []
    for layer in layers:
        bounds = shapely.bounds(layer.frame.geometry.values)
        present = ~np.isnan(bounds).any(axis=1)
        placed.append((layer.name, present, _fits(bounds, zone_extent),
                       _fits(bounds[:, [1, 0, 3, 2]], zone_extent)))
    if all((fits | ~present).all() for _, present, fits, _ in placed):
        return 0
    if all((swap | ~present).all() for _, present, _, swap in placed):
        if not options.swap_axes:
            raise AxisOrderSwapped(
                f"{filename}: coordinates fall inside the zone only with latitude and "
                "longitude swapped; check the axis order or ask for the swap",
                file=filename)
        return int(sum(present.sum() for _, present, _, _ in placed))
    for name, present, fits, swap in placed:
        bad = np.flatnonzero(present & ~fits)
        if len(bad) and swap[bad[0]]:
            raise AxisOrderSwapped(
                f"{filename}: layer {name!r} feature {int(bad[0])} falls inside the zone only "
                "with latitude and longitude swapped", file=filename, layer=name,
                feature=int(bad[0]))
        if len(bad):
            raise OutsideZoneExtent(
                f"{filename}: layer {name!r} feature {int(bad[0])} lies far outside the zone"
                f" ({len(bad)} features)", file=filename, layer=name, feature=int(bad[0]),
                count=len(bad))
    return 0  # pragma: no cover - mixed: some fit only as-is, others only swapped
