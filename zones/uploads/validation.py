"""Coded validation of an upload's layers against the district it is for.

:func:`validate` runs every rule of :mod:`zones.uploads.rules` vectorised (shapely 2
arrays and STRtree queries; no geometry is handled one by one in Python except those
found wrong) and
returns a :class:`~zones.uploads.contract.Report`. Nothing is repaired: an invalid
geometry is reported with GEOS's reason and position, never ``make_valid``-ed, and is
left out of the later rules (which would only repeat the problem).

Measures are taken in the context's metric CRS. How the geometric rules decide:

* overlap: each plot shrunk by ``overlap_epsilon_m`` is queried against the others, so
  plots that only touch never pair up; the shared area must exceed ``overlap_tolerance_m2``.
  Only plots whose envelope shares more than that with another's are shrunk and queried
  (the others cannot share more), so a plan of touching axis-aligned plots skips it.
* gap: two plots nearer than ``gap_width_m`` that do not touch; the gap is what closing the
  pair (buffer out and back in by ``gap_width_m``) adds between them. A wedge between plots
  that touch at one point is not found.
* width: the short side of the minimum rotated rectangle (exact for rectangles, an
  over-estimate for L shapes); four-cornered rectangles are measured from their sides.
* road access: a road (of the upload or existing) buffered by ``road_distance_m`` must
  reach the plot.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from zones.model.parties import ENV_GROUP_FA
from zones.text import fold, normalize
from zones.uploads.context import ValidationContext
from zones.uploads.contract import Issue, LayerRole, Notice, Report
from zones.uploads.geometry_ops import (
    envelope_overlap,
    envelope_pairs,
    project,
    shrunk,
    widths,
)
from zones.uploads.plain_text import joined_if_plain
from zones.uploads.rules import ValidationParams, make_issue

__all__ = ["ValidationContext", "ValidationParams", "validate"]

_STORAGE_SRID = 4326
_POLYGONAL = {3, 6}           # shapely type ids: Polygon, MultiPolygon
_LINEAR = {1, 2, 5}           # LineString, LinearRing, MultiLineString
ALLOWED_TYPES = {
    LayerRole.PLOTS: _POLYGONAL,
    LayerRole.CUSTOMS_SITE: _POLYGONAL,
    LayerRole.BOUNDARY: _POLYGONAL,
    LayerRole.ROADS: _LINEAR | _POLYGONAL,
    LayerRole.UTILITIES: _LINEAR | _POLYGONAL,
}
_ROLE_ORDER = {role: i for i, role in enumerate(LayerRole)}
_ENV_FROM_FA = {fa: latin for latin, fa in ENV_GROUP_FA.items()}


class _Layer:
    """The usable features of one role: metric geometry plus attributes, row-aligned."""

    def __init__(self, frame: gpd.GeoDataFrame, keep: np.ndarray, geoms: np.ndarray) -> None:
        rows = frame[keep]
        self.frame = rows
        self.features = _feature_ids(rows)
        self.geoms = geoms  # of the kept rows, in the metric CRS

    def column(self, name: str) -> np.ndarray:
        return _column(self.frame, name)


def validate(layers: dict[LayerRole, gpd.GeoDataFrame], context: ValidationContext, *,
             notices: Sequence[Notice] = ()) -> Report:
    """Check an upload's role layers (EPSG:4326) and report every problem found.

    Each frame carries ``source_index`` (the feature's index in the file, used as the
    issue's ``feature``) and the mapped :data:`~zones.uploads.contract.PLOT_FIELDS`.
    """
    srid = context.metric_srid
    plots = layers.get(LayerRole.PLOTS)
    issues: list[Issue] = []
    usable: dict[LayerRole, _Layer] = {}
    kept: dict[LayerRole, np.ndarray] = {}
    for role, frame in layers.items():
        keep, found, metric = _geometry_issues(role, frame, srid)
        issues += found
        usable[role], kept[role] = _Layer(frame, keep, metric), keep
    roads = [usable[r].geoms for r in (LayerRole.ROADS,) if r in usable]
    roads.append(_metric(context.roads.geometry.to_numpy(), srid))
    road_geoms = np.concatenate(roads)
    held = _Held(context, srid)
    if LayerRole.PLOTS in usable and plots is not None:
        all_codes, all_keys = _codes(_column(plots, "code"))
        rows = np.flatnonzero(kept[LayerRole.PLOTS])
        issues += _plot_issues(usable[LayerRole.PLOTS], context, held, road_geoms,
                               all_codes[rows], all_keys[rows])
    if LayerRole.CUSTOMS_SITE in usable:
        issues += _customs_issues(usable[LayerRole.CUSTOMS_SITE], context, held)
    issues.sort(key=lambda i: (_ROLE_ORDER[i.layer], -1 if i.feature is None else i.feature,
                               i.code, str(i.extra.get("other_feature", ""))))
    return Report(issues=issues, counts={role.value: len(f) for role, f in layers.items()},
                  notices=list(notices))


# --- helpers -------------------------------------------------------------------------


def _feature_ids(frame: gpd.GeoDataFrame) -> np.ndarray:
    if "source_index" in frame.columns:
        return frame["source_index"].to_numpy(dtype=np.int64)
    return np.arange(len(frame), dtype=np.int64)


def _column(frame: gpd.GeoDataFrame, name: str) -> np.ndarray:
    if name not in frame.columns:
        return np.full(len(frame), None, dtype=object)
    return frame[name].to_numpy(dtype=object)


def _metric(geoms: np.ndarray, srid: int) -> np.ndarray:
    """Storage (EPSG:4326) geometries in the metric CRS: one pyproj call on their
    coordinates (the same result as ``GeoSeries.to_crs``)."""
    return project(geoms, _STORAGE_SRID, srid)


def _per_value(values: np.ndarray, fn: Callable[[Any], Any], missing: Any) -> np.ndarray:
    """``fn(v)`` for each of ``values`` (an attribute column), called once per distinct value;
    ``missing`` where the value is None or NaN (the caller's ``fn`` of those)."""
    index, uniques = pd.factorize(values)
    mapped = np.empty(len(uniques) + 1, dtype=object)
    mapped[:-1] = [fn(u) for u in uniques]
    mapped[-1] = missing
    return mapped[index]  # index -1 (missing) picks the last slot


def _storage(geoms: Sequence[BaseGeometry] | np.ndarray, srid: int) -> list[BaseGeometry]:
    """Metric locations back to EPSG:4326, in one transform."""
    if len(geoms) == 0:
        return []
    return list(gpd.GeoSeries(list(geoms), crs=srid).to_crs(4326).to_numpy())


def _r(value: float) -> float:
    return round(float(value), 2)


def _geometry_issues(role: LayerRole, frame: gpd.GeoDataFrame, srid: int
                     ) -> tuple[np.ndarray, list[Issue], np.ndarray]:
    """Empty, wrong-type and invalid features; returns the mask of the others and their
    geometries in the metric CRS."""
    geoms = frame.geometry.to_numpy()
    ids = _feature_ids(frame)
    issues: list[Issue] = []
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    for i in np.flatnonzero(empty):
        issues.append(make_issue("geometry_empty", role, int(ids[i]), None))
    type_ids = shapely.get_type_id(geoms)
    bad_type = ~empty & ~np.isin(type_ids, list(ALLOWED_TYPES[role]))
    for i in np.flatnonzero(bad_type):
        issues.append(make_issue("geometry_type", role, int(ids[i]),
                                 shapely.point_on_surface(geoms[i]), got=geoms[i].geom_type))
    checked = ~empty & ~bad_type
    # All checked features are projected at once; the invalid ones are then dropped.
    metric = _metric(geoms[checked], srid)
    invalid = np.zeros(len(geoms), dtype=bool)
    invalid[checked] = ~shapely.is_valid(geoms[checked])
    where = np.flatnonzero(invalid)
    for i, reason in zip(where, shapely.is_valid_reason(geoms[where]), strict=True):
        issues.append(make_issue("geometry_invalid", role, int(ids[i]),
                                 _reason_point(reason) or shapely.point_on_surface(geoms[i]),
                                 reason=reason))
    return checked & ~invalid, issues, metric[~invalid[checked]]


def _reason_point(reason: str) -> BaseGeometry | None:
    """The position GEOS puts in brackets: ``"Self-intersection[49.5 37.4]"``."""
    if "[" not in reason:
        return None
    try:
        x, y = (float(v) for v in reason[reason.index("[") + 1:reason.rindex("]")].split()[:2])
    except ValueError:
        return None
    return shapely.Point(x, y)


class _Held:
    """Existing held plots of the district in metric CRS, with folded codes."""

    def __init__(self, context: ValidationContext, srid: int) -> None:
        frame = context.held_plots
        self.geoms = _metric(frame.geometry.to_numpy(), srid)
        self.bounds = shapely.bounds(self.geoms).reshape(-1, 4)
        self.codes = [fold(c) for c in frame["code"]] if len(frame) else []
        self.raw_codes = list(frame["code"]) if len(frame) else []
        self.status = [str(s) for s in frame["status"]] if len(frame) else []
        self.tree = shapely.STRtree(self.geoms)


# --- plots ---------------------------------------------------------------------------


def _codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Plot codes normalised (:func:`zones.text.normalize`) and their folded keys.

    Codes from the reader are already normalised; when all are plain ASCII a few scans of
    them joined (:func:`~zones.uploads.plain_text.joined_if_plain`) prove it and the keys
    are a lower-casing, instead of 100k calls each.
    """
    texts = [v if isinstance(v, str) else None for v in values]
    present = [t for t in texts if t is not None]
    joined = joined_if_plain(present)
    if joined is not None:
        lowered = iter(joined.lower().split("\n"))
        keys = [next(lowered) if t is not None else None for t in texts]
        return _objects([t or None for t in texts]), _objects([k or None for k in keys])
    codes = [(normalize(t) or None) if t is not None else None for t in texts]
    return _objects(codes), _objects([fold(c) for c in codes])


def _objects(values: list[Any]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _plot_issues(layer: _Layer, context: ValidationContext, held: _Held, roads: np.ndarray,
                 codes: np.ndarray, keys: np.ndarray) -> list[Issue]:
    p = context.params
    geoms, ids = layer.geoms, layer.features
    if len(geoms) == 0:
        return []
    tree = shapely.STRtree(geoms)
    bounds = shapely.bounds(geoms)
    # One index-only query gives every pair the overlap and gap rules look at; the pairs'
    # envelopes then rule out most of them before any geometry is compared. The caller
    # sorts the issues.
    near = envelope_pairs(tree, bounds, p.gap_width_m)
    ex, ey = envelope_overlap(bounds[near[0]], bounds[near[1]])
    return (_size_issues(geoms, layer.column("land_use"), ids, context)
            + _outside(geoms, ids, context)
            + _road_access(geoms, tree, roads, ids, context)
            + _overlaps(geoms, tree, near, ex, ey, ids, context)
            + _held_conflicts(geoms, tree, bounds, keys, ids, held, context)
            + _gaps(geoms, near, ex, ey, ids, context)
            + _code_issues(codes, keys, ids, geoms, context.metric_srid)
            + _env_buffers(geoms, layer.column("env_group"), ids, context))


def _code_issues(codes: np.ndarray, folded: np.ndarray, ids: np.ndarray,
                 geoms: np.ndarray, srid: int) -> list[Issue]:
    issues = []
    keys = pd.Series(folded, dtype=object)
    missing = np.flatnonzero(keys.isna().to_numpy())
    locs = _storage(geoms[missing], srid)
    for i, loc in zip(missing, locs, strict=True):
        issues.append(make_issue("code_missing", LayerRole.PLOTS, int(ids[i]), loc))
    dup = np.flatnonzero(keys.notna().to_numpy() & keys.duplicated(keep=False).to_numpy())
    groups: dict[str, list[int]] = {}
    for i in dup:
        groups.setdefault(keys.iloc[i], []).append(int(i))
    locs = _storage(geoms[dup], srid)
    for i, loc in zip(dup, locs, strict=True):
        others = [int(ids[j]) for j in groups[keys.iloc[i]] if j != i]
        issues.append(make_issue("code_duplicate", LayerRole.PLOTS, int(ids[i]), loc,
                                 code=codes[i], others=others))
    return issues


def _may_share(ex: np.ndarray, ey: np.ndarray, tolerance: float) -> np.ndarray:
    """Pairs whose envelopes (overlapping by ``ex`` × ``ey``) share more than ``tolerance``
    m², with a margin for rounding: only those plots can share more than that."""
    return (ex > 0) & (ey > 0) & (ex * ey > tolerance / 2)


def _overlaps(geoms: np.ndarray, tree: shapely.STRtree, near: np.ndarray, ex: np.ndarray,
              ey: np.ndarray, ids: np.ndarray, context: ValidationContext) -> list[Issue]:
    p = context.params
    sharing = np.unique(near[:, _may_share(ex, ey, p.overlap_tolerance_m2)])
    if len(sharing) == 0:
        return []
    pairs = tree.query(shrunk(geoms[sharing], p.overlap_epsilon_m), predicate="intersects")
    pairs[0] = sharing[pairs[0]]
    pairs = pairs[:, pairs[0] != pairs[1]]
    pairs = np.unique(np.sort(pairs, axis=0), axis=1)
    if pairs.shape[1] == 0:
        return []
    shared = shapely.intersection(geoms[pairs[0]], geoms[pairs[1]])
    area = shapely.area(shared)
    hit = np.flatnonzero(area > p.overlap_tolerance_m2)
    locs = _storage(shared[hit], context.metric_srid)
    return [make_issue("plots_overlap", LayerRole.PLOTS, int(ids[pairs[0, k]]), loc,
                       other_feature=int(ids[pairs[1, k]]), area_m2=_r(area[k]))
            for k, loc in zip(hit, locs, strict=True)]


def _gaps(geoms: np.ndarray, near: np.ndarray, ex: np.ndarray, ey: np.ndarray,
          ids: np.ndarray, context: ValidationContext) -> list[Issue]:
    p = context.params
    r = p.gap_width_m
    # Plots are at least as far apart as their envelopes: pairs whose envelopes are
    # ``gap_width_m`` apart or more are dropped (with a margin for rounding) unmeasured.
    envelope_apart = np.hypot(np.maximum(-ex, 0), np.maximum(-ey, 0))
    near = near[:, envelope_apart < r + 1e-9 * (1 + r)]
    apart = shapely.distance(geoms[near[0]], geoms[near[1]])
    near = near[:, (apart > 0) & (apart < r)]
    if near.shape[1] == 0:
        return []
    a, b = geoms[near[0]], geoms[near[1]]

    def closed(g: np.ndarray) -> np.ndarray:
        return shapely.buffer(shapely.buffer(g, r, join_style="mitre"), -r, join_style="mitre")

    # What closing the pair adds that closing each plot alone does not: the gap between them.
    gap = shapely.difference(closed(shapely.union(a, b)), shapely.union(closed(a), closed(b)))
    area = shapely.area(gap)
    hit = np.flatnonzero(area > p.gap_min_area_m2)
    locs = _storage(gap[hit], context.metric_srid)
    return [make_issue("gap", LayerRole.PLOTS, int(ids[near[0, k]]), loc,
                       other_feature=int(ids[near[1, k]]), area_m2=_r(area[k]))
            for k, loc in zip(hit, locs, strict=True)]


def _exempt(land_use: np.ndarray, uses: Sequence[str]) -> np.ndarray:
    """Plots whose land use (as text, stripped, lower-cased) is one of ``uses``."""
    def exempt(value: Any) -> bool:
        return str(value).strip().lower() in uses

    if any("na" in u or "none" in u for u in uses):  # "none", "nan"... may be a use
        return np.array([exempt(u) for u in land_use], dtype=bool)
    return _per_value(land_use, exempt, False).astype(bool)


def _size_issues(geoms: np.ndarray, land_use: np.ndarray, ids: np.ndarray,
                 context: ValidationContext) -> list[Issue]:
    p = context.params
    area, width = shapely.area(geoms), widths(geoms)
    sliver = (area < p.sliver_area_m2) | (width < p.sliver_width_m)
    exempt = _exempt(land_use, p.small_plot_exempt_uses)
    small = ~sliver & ~exempt & (area < p.min_area_m2)
    narrow = ~sliver & ~exempt & (width < p.min_width_m)
    flagged = np.flatnonzero(sliver | small | narrow)
    locs = dict(zip(flagged, _storage(geoms[flagged], context.metric_srid), strict=True))
    issues = []
    for i in flagged:
        f, loc = int(ids[i]), locs[i]
        if sliver[i]:
            issues.append(make_issue("sliver", LayerRole.PLOTS, f, loc, area_m2=_r(area[i]),
                                     width_m=_r(width[i])))
        if small[i]:
            issues.append(make_issue("area_below_min", LayerRole.PLOTS, f, loc,
                                     area_m2=_r(area[i]), min_m2=p.min_area_m2))
        if narrow[i]:
            issues.append(make_issue("width_below_min", LayerRole.PLOTS, f, loc,
                                     width_m=_r(width[i]), min_m=p.min_width_m))
    return issues


def _outside(geoms: np.ndarray, ids: np.ndarray, context: ValidationContext) -> list[Issue]:
    issues = []
    checks: tuple[tuple[str, BaseGeometry | None, dict[str, Any]], ...] = (
        ("outside_district", context.district_boundary, {"district": context.district_code}),
        ("outside_zone", context.zone_boundary, {}))
    for code, boundary, extra in checks:
        if boundary is None:
            continue
        area_outside = _outside_parts(geoms, boundary, context)
        if area_outside is None:
            continue
        idx, parts, area = area_outside
        locs = _storage(parts, context.metric_srid)
        issues += [make_issue(code, LayerRole.PLOTS, int(ids[i]), loc, area_m2=_r(a), **extra)
                   for i, loc, a in zip(idx, locs, area, strict=True)]
    return issues


def _outside_parts(geoms: np.ndarray, boundary: BaseGeometry, context: ValidationContext
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Plots with more than the tolerated area outside ``boundary``: index, part, area."""
    metric = _metric(np.array([boundary]), context.metric_srid)[0]
    shapely.prepare(metric)
    candidates = np.flatnonzero(~shapely.covers(metric, geoms))
    if len(candidates) == 0:
        return None
    parts = shapely.difference(geoms[candidates], metric)
    area = shapely.area(parts)
    keep = area > context.params.outside_tolerance_m2
    return candidates[keep], parts[keep], area[keep]


def _held_conflicts(geoms: np.ndarray, tree: shapely.STRtree, bounds: np.ndarray,
                    keys: np.ndarray, ids: np.ndarray, held: _Held,
                    context: ValidationContext) -> list[Issue]:
    p = context.params
    if len(held.geoms) == 0:
        return []
    # Only plots whose envelope shares more than the tolerance with a held plot's can
    # conflict with it; those are shrunk and queried against the held plots.
    held_j, plot_i = tree.query(held.geoms)
    ex, ey = envelope_overlap(held.bounds[held_j], bounds[plot_i])
    sharing = np.unique(plot_i[_may_share(ex, ey, p.overlap_tolerance_m2)])
    if len(sharing) == 0:
        return []
    upload_i, held_j = held.tree.query(shrunk(geoms[sharing], p.overlap_epsilon_m),
                                       predicate="intersects")
    if len(upload_i) == 0:
        return []
    upload_i = sharing[upload_i]
    same_code = np.array([keys[i] == held.codes[j] for i, j in zip(upload_i, held_j,
                                                                           strict=True)],
                         dtype=bool)
    # A held plot carried over as it is (same code, same coordinates) is never reported:
    # its pair skips the overlay.
    unchanged = same_code.copy()
    unchanged[same_code] = shapely.equals_identical(geoms[upload_i[same_code]],
                                                    held.geoms[held_j[same_code]])
    shared = np.full(len(upload_i), None, dtype=object)
    shared[~unchanged] = shapely.intersection(geoms[upload_i[~unchanged]],
                                              held.geoms[held_j[~unchanged]])
    inter = shapely.area(shared)  # NaN for the unchanged ones, which are carried
    union = shapely.area(geoms[upload_i]) + shapely.area(held.geoms[held_j]) - inter
    carried = unchanged | (same_code & (inter >= p.carry_over_iou * union))
    hit = np.flatnonzero(~carried & (inter > p.overlap_tolerance_m2))
    locs = _storage(shared[hit], context.metric_srid)
    return [make_issue("held_plot_conflict", LayerRole.PLOTS, int(ids[upload_i[k]]), loc,
                       held_code=held.raw_codes[held_j[k]], held_status=held.status[held_j[k]],
                       area_m2=_r(inter[k]))
            for k, loc in zip(hit, locs, strict=True)]


def _road_access(geoms: np.ndarray, tree: shapely.STRtree, roads: np.ndarray, ids: np.ndarray,
                 context: ValidationContext) -> list[Issue]:
    distance = context.params.road_distance_m
    served = np.zeros(len(geoms), dtype=bool)
    if len(roads):
        # Roads as the query side (far fewer than plots), each buffered and prepared once:
        # a prepared intersects is several times cheaper than a distance test per plot.
        # The buffer's arcs are inscribed, so at a road's end the reach is ~0.5 % short.
        _road, plot = tree.query(shapely.buffer(roads, distance), predicate="intersects")
        served[plot] = True
    lacking = np.flatnonzero(~served)
    locs = _storage(geoms[lacking], context.metric_srid)
    return [make_issue("no_road_access", LayerRole.PLOTS, int(ids[i]), loc, distance_m=distance)
            for i, loc in zip(lacking, locs, strict=True)]


def _buffers(context: ValidationContext) -> list[tuple[dict[str, Any], float, BaseGeometry]]:
    """(protected row, buffer distance, metric geometry) of each protected area."""
    p, frame = context.params, context.protected_areas
    if len(frame) == 0:
        return []
    metric = _metric(frame.geometry.to_numpy(), context.metric_srid)
    out = []
    for row, geom in zip(frame.drop(columns="geometry").to_dict("records"), metric, strict=True):
        distance = float(row.get("buffer_m") or 0)
        if distance <= 0:
            distance = p.shore_buffer_m if str(row.get("kind")) == "sea" else p.protected_buffer_m
        out.append((row, distance, geom))
    return out


def _env_group(value: Any) -> str | None:
    text = normalize(value) if isinstance(value, str) else None
    if not text:
        return None
    return _ENV_FROM_FA.get(text, text.upper())


def _env_buffers(geoms: np.ndarray, env: np.ndarray, ids: np.ndarray,
                 context: ValidationContext) -> list[Issue]:
    buffers = _buffers(context)
    if not buffers:
        return []
    groups = _per_value(env, _env_group, None)
    restricted = np.flatnonzero(np.isin(groups, list(context.params.restricted_env_groups)))
    if len(restricted) == 0:
        return []
    issues = []
    for row, distance, area in buffers:
        near = restricted[shapely.dwithin(area, geoms[restricted], distance)]
        if len(near) == 0:
            continue
        zone = shapely.buffer(area, distance)
        parts = shapely.intersection(geoms[near], zone)
        locs = _storage(parts, context.metric_srid)
        issues += [make_issue("env_buffer", LayerRole.PLOTS, int(ids[i]), loc,
                              env_group=groups[i], buffer_m=distance,
                              protected=row.get("name_en") or row.get("code"),
                              protected_code=row.get("code"))
                   for i, loc in zip(near, locs, strict=True)]
    return issues


# --- customs site --------------------------------------------------------------------


def _customs_issues(layer: _Layer, context: ValidationContext, held: _Held) -> list[Issue]:
    p = context.params
    issues = []
    gate = (_metric(np.array([context.port_gate]), context.metric_srid)[0]
            if context.port_gate is not None else None)
    buffers = _buffers(context)
    for geom, feature in zip(layer.geoms, layer.features, strict=True):
        found: list[tuple[str, str, str, BaseGeometry, dict[str, Any]]] = []
        area = float(shapely.area(geom))
        if not p.customs_min_area_m2 <= area <= p.customs_max_area_m2:
            lo, hi = p.customs_min_area_m2 / 1e4, p.customs_max_area_m2 / 1e4
            found.append(("area", f"area {area / 1e4:.2f} ha is outside {lo:g}–{hi:g} ha",
                          f"مساحت {area / 1e4:.2f} هکتار خارج از بازه {lo:g} تا {hi:g} هکتار است",
                          geom, {"area_ha": _r(area / 1e4)}))
        if gate is not None:
            distance = float(shapely.distance(geom, gate))
            if distance > p.customs_max_gate_distance_m:
                found.append(("port_gate", f"{distance:,.0f} m from the port gate "
                              f"(at most {p.customs_max_gate_distance_m:,.0f} m)",
                              f"{distance:,.0f} متر تا درگاه بندر (حداکثر "
                              f"{p.customs_max_gate_distance_m:,.0f} متر)",
                              geom, {"distance_m": _r(distance)}))
        for row, distance, protected in buffers:
            if shapely.dwithin(protected, geom, distance):
                name = row.get("name_en") or row.get("code")
                found.append(("buffer", f"within {distance:,.0f} m of {name}",
                              f"در حریم {distance:,.0f} متری {row.get('name_fa') or name}",
                              shapely.intersection(geom, shapely.buffer(protected, distance)),
                              {"protected_code": row.get("code")}))
        for j in held.tree.query(shapely.buffer(geom, -p.overlap_epsilon_m),
                                 predicate="intersects"):
            shared = shapely.intersection(geom, held.geoms[j])
            if shapely.area(shared) > p.overlap_tolerance_m2:
                code = held.raw_codes[j]
                found.append(("held_plot", f"over {held.status[j]} plot {code}",
                              f"روی قطعه {code} ({held.status[j]})", shared,
                              {"held_code": code}))
        locs = _storage([f[3] for f in found], context.metric_srid)
        issues += [make_issue("customs_site_criteria", LayerRole.CUSTOMS_SITE, int(feature), loc,
                              criterion=criterion, detail_en=en, detail_fa=fa, **extra)
                   for (criterion, en, fa, _g, extra), loc in zip(found, locs, strict=True)]
    return issues
