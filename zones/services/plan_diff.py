"""What approving a revision would change: a revision's plots against the district's current ones.

Plots are matched by normalised code (``code_key``). A matched pair whose land differs by
more than :data:`SAME_LAND_M2` is *reshaped* (area delta in m², in the zone's metric CRS);
an unmatched new plot covering the same land as an unmatched current plot (each covers
≥ :data:`RECODE_OVERLAP` of the other) is *recoded*; the rest are *added* or *removed*.
A held plot (allocated … idle) that would be removed, reshaped, recoded or re-zoned is a
warning here and a refusal at approval (``held_plot_would_change``). Current plots the
revision removes (retires without a successor) are a ``plots_retired`` warning here and in
the validation report, and approval needs their number acknowledged (``retire_count``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
import sqlalchemy as sa
from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import Session

from zones import frames
from zones.model import HELD_STATUSES, PlanFeature, PlanRevision, Plot, PlotStatus, Zone
from zones.model.geography import District
from zones.spatial.crs import metric_crs
from zones.uploads.contract import LayerRole

# Symmetric difference below this many m² is the same land (float noise of storage).
SAME_LAND_M2 = 0.5
RECODE_OVERLAP = 0.95


@dataclass(frozen=True)
class PlotChange:
    """One plot the revision adds, removes, reshapes or recodes (or only re-zones)."""

    kind: str                       # added | removed | reshaped | recoded | rezoned
    code: str                       # the code after the change (before, for removed)
    plot_id: int | None             # the current plot affected (None when added)
    feature_id: int | None          # the revision's feature (None when removed)
    old_code: str | None = None
    status: str | None = None       # the current plot's status
    area_before_m2: float | None = None
    area_after_m2: float | None = None
    land_use_before: str | None = None
    land_use_after: str | None = None
    geometry: BaseGeometry | None = field(default=None, repr=False)  # EPSG:4326

    @property
    def held(self) -> bool:
        return self.status is not None and PlotStatus(self.status) in HELD_STATUSES

    @property
    def area_delta_m2(self) -> float | None:
        if self.area_before_m2 is None or self.area_after_m2 is None:
            return None
        return round(self.area_after_m2 - self.area_before_m2, 2)


@dataclass
class PlanDiff:
    revision_id: int
    district_code: str
    added: list[PlotChange]
    removed: list[PlotChange]
    reshaped: list[PlotChange]
    recoded: list[PlotChange]
    rezoned: list[PlotChange]       # same land and code, other land use
    unchanged: list[int]            # ids of current plots carried over as they are
    # Unchanged matches: current plot id -> feature id (approval keeps these rows).
    carried: dict[int, int] = field(default_factory=dict)

    @property
    def changes(self) -> list[PlotChange]:
        return self.added + self.removed + self.reshaped + self.recoded + self.rezoned

    @property
    def held_changes(self) -> list[PlotChange]:
        return [c for c in self.changes if c.held]

    @property
    def retire_count(self) -> int:
        """Current plots approval would retire without a successor (the ``removed``)."""
        return len(self.removed)

    @property
    def retire_warning(self) -> dict[str, Any] | None:
        if not self.removed:
            return None
        return retire_warning(self.district_code, [c.code for c in self.removed])

    @property
    def warnings(self) -> list[dict[str, Any]]:
        return [{"code": "held_plot_would_change", "plot_code": c.old_code or c.code,
                 "plot_id": c.plot_id, "status": c.status, "change": c.kind,
                 "message_en": f"held plot {c.old_code or c.code} ({c.status}) would be {c.kind}",
                 "message_fa": f"قطعهٔ واگذارشدهٔ {c.old_code or c.code} تغییر می‌کند ({c.kind})"}
                for c in self.held_changes]


def retire_warning(district_code: str, codes: list[str]) -> dict[str, Any]:
    """The ``plots_retired`` warning: how many current plots approval retires, and which."""
    shown = ", ".join(codes[:50]) + (" …" if len(codes) > 50 else "")
    return {"code": "plots_retired", "count": len(codes), "plot_codes": codes,
            "message_en": f"approving this plan retires {len(codes)} current plot(s) of "
                          f"district {district_code} that it does not carry: {shown}",
            "message_fa": f"تصویب این طرح {len(codes)} قطعهٔ جاری ناحیهٔ {district_code} را که "
                          f"در طرح نیامده‌اند بازنشسته می‌کند: {shown}"}


def removed_positions(new: gpd.GeoDataFrame, old: gpd.GeoDataFrame, *, metric_srid: int
                      ) -> list[int]:
    """Rows of ``old`` (current plots) that ``new`` (``code_key``, geometry) neither keeps by
    code nor recodes on the same land: what approval would retire. :func:`compare`'s
    matching, without measuring the kept pairs (cheap enough for every upload)."""
    if not len(old):
        return []
    keys = set(new["code_key"]) if len(new) else set()
    unmatched_old = [j for j, k in enumerate(old["code_key"]) if k not in keys]
    old_keys = set(old["code_key"])
    unmatched_new = [i for i, k in enumerate(new["code_key"] if len(new) else [])
                     if k not in old_keys]
    if not unmatched_old or not unmatched_new:
        return unmatched_old
    crs = metric_crs(metric_srid)
    new_m = new.geometry.to_crs(crs).to_numpy()
    old_m = old.geometry.to_crs(crs).to_numpy()
    _, recoded_old = _recodes(unmatched_new, unmatched_old, new_m, old_m)
    return [j for j in unmatched_old if j not in set(recoded_old)]


def revision_plots(session: Session, revision_id: int) -> gpd.GeoDataFrame:
    """The plot features of a revision (EPSG:4326) with id, code, code_key, land_use, area."""
    return frames.frame(session, sa.select(
        PlanFeature.id, PlanFeature.code, PlanFeature.code_key, PlanFeature.land_use,
        PlanFeature.name_fa, PlanFeature.name_en, PlanFeature.area_m2,
        frames.wkb(PlanFeature.geom),
    ).where(PlanFeature.revision_id == revision_id, PlanFeature.role == LayerRole.PLOTS)
     .order_by(PlanFeature.id))


def current_plots(session: Session, district_id: int) -> gpd.GeoDataFrame:
    return frames.frame(session, sa.select(
        Plot.id, Plot.code, Plot.code_key, Plot.status, Plot.land_use, Plot.area_m2,
        frames.wkb(Plot.geom),
    ).where(Plot.district_id == district_id, Plot.valid_to.is_(None)).order_by(Plot.id))


def diff_revision(session: Session, revision: PlanRevision) -> PlanDiff:
    """Compare ``revision``'s plots with the current plots of its district."""
    district = session.get(District, revision.district_id)
    assert district is not None
    zone = session.get(Zone, district.zone_id)
    assert zone is not None
    new = revision_plots(session, revision.id)
    old = current_plots(session, district.id)
    return compare(new, old, revision_id=revision.id, district_code=district.code,
                   metric_srid=zone.metric_srid)


def _value(v: Any) -> str | None:
    return None if v is None else getattr(v, "value", str(v))


def compare(new: gpd.GeoDataFrame, old: gpd.GeoDataFrame, *, revision_id: int,
            district_code: str, metric_srid: int) -> PlanDiff:
    """The diff of plot frames ``new`` (revision features) and ``old`` (current plots)."""
    crs = metric_crs(metric_srid)
    new_m = new.geometry.to_crs(crs).to_numpy() if len(new) else np.array([], dtype=object)
    old_m = old.geometry.to_crs(crs).to_numpy() if len(old) else np.array([], dtype=object)
    old_by_key = {k: i for i, k in enumerate(old["code_key"])} if len(old) else {}
    diff = PlanDiff(revision_id, district_code, [], [], [], [], [], [])
    matched_old: set[int] = set()
    unmatched_new: list[int] = []
    for i, key in enumerate(new["code_key"] if len(new) else []):
        j = old_by_key.get(key)
        if j is None:
            unmatched_new.append(i)
            continue
        matched_old.add(j)
        change = _pair_change(new, old, i, j, new_m, old_m)
        if change is None:
            diff.unchanged.append(int(old["id"].iloc[j]))
            diff.carried[int(old["id"].iloc[j])] = int(new["id"].iloc[i])
        elif change.kind == "reshaped":
            diff.reshaped.append(change)
        else:
            diff.rezoned.append(change)
    unmatched_old = [j for j in range(len(old)) if j not in matched_old]
    recoded_new, recoded_old = _recodes(unmatched_new, unmatched_old, new_m, old_m)
    for i, j in zip(recoded_new, recoded_old, strict=True):
        diff.recoded.append(_change("recoded", new, old, i, j, new_m, old_m))
    for i in unmatched_new:
        if i not in recoded_new:
            diff.added.append(_change("added", new, None, i, None, new_m, old_m))
    for j in unmatched_old:
        if j not in recoded_old:
            diff.removed.append(_change("removed", None, old, None, j, new_m, old_m))
    return diff


def _pair_change(new: gpd.GeoDataFrame, old: gpd.GeoDataFrame, i: int, j: int,
                 new_m: np.ndarray, old_m: np.ndarray) -> PlotChange | None:
    moved = shapely.area(shapely.symmetric_difference(new_m[i], old_m[j])) > SAME_LAND_M2
    if moved:
        return _change("reshaped", new, old, i, j, new_m, old_m)
    if (new["land_use"].iloc[i] or None) not in (None, _value(old["land_use"].iloc[j])):
        return _change("rezoned", new, old, i, j, new_m, old_m)
    return None


def _recodes(new_idx: list[int], old_idx: list[int], new_m: np.ndarray, old_m: np.ndarray
             ) -> tuple[list[int], list[int]]:
    """Pairs of unmatched plots on the same land (each covers ≥ RECODE_OVERLAP of the other)."""
    if not new_idx or not old_idx:
        return [], []
    tree = shapely.STRtree(old_m[old_idx])
    pairs = tree.query(new_m[new_idx], predicate="intersects")
    out_new: list[int] = []
    out_old: list[int] = []
    for a, b in pairs.T:
        i, j = new_idx[a], old_idx[b]
        if i in out_new or j in out_old:
            continue
        shared = shapely.area(shapely.intersection(new_m[i], old_m[j]))
        if shared >= RECODE_OVERLAP * max(shapely.area(new_m[i]), shapely.area(old_m[j])):
            out_new.append(i)
            out_old.append(j)
    return out_new, out_old


def _change(kind: str, new: gpd.GeoDataFrame | None, old: gpd.GeoDataFrame | None,
            i: int | None, j: int | None, new_m: np.ndarray, old_m: np.ndarray) -> PlotChange:
    after: Any = new.iloc[i] if new is not None and i is not None else None
    before: Any = old.iloc[j] if old is not None and j is not None else None
    return PlotChange(
        kind=kind,
        code=str(after["code"] if after is not None else before["code"]),
        plot_id=None if before is None else int(before["id"]),
        feature_id=None if after is None else int(after["id"]),
        old_code=str(before["code"]) if kind == "recoded" and before is not None else None,
        status=None if before is None else _value(before["status"]),
        area_before_m2=None if j is None else round(float(shapely.area(old_m[j])), 2),
        area_after_m2=None if i is None else round(float(shapely.area(new_m[i])), 2),
        land_use_before=None if before is None else _value(before["land_use"]),
        land_use_after=None if after is None else after["land_use"],
        geometry=after.geometry if after is not None else before.geometry,
    )


def _change_json(change: PlotChange) -> dict[str, Any]:
    return {"kind": change.kind, "code": change.code, "old_code": change.old_code,
            "plot_id": change.plot_id, "feature_id": change.feature_id,
            "status": change.status, "held": change.held,
            "area_before_m2": change.area_before_m2, "area_after_m2": change.area_after_m2,
            "area_delta_m2": change.area_delta_m2, "land_use_before": change.land_use_before,
            "land_use_after": change.land_use_after}


def diff_json(diff: PlanDiff) -> dict[str, Any]:
    """The diff as JSON: counts, every change (areas in m², metric CRS) and warnings."""
    groups = {"added": diff.added, "removed": diff.removed, "reshaped": diff.reshaped,
              "recoded": diff.recoded, "rezoned": diff.rezoned}
    return {
        "revision_id": diff.revision_id,
        "district": diff.district_code,
        "counts": {name: len(items) for name, items in groups.items()}
        | {"unchanged": len(diff.unchanged)},
        **{name: [_change_json(c) for c in items] for name, items in groups.items()},
        # What approval must acknowledge (POST /revisions/{id}/approve ``retire_count``).
        "retire_count": diff.retire_count,
        "retired_codes": [c.code for c in diff.removed],
        "warnings": diff.warnings + ([diff.retire_warning] if diff.retire_warning else []),
    }


def diff_geojson(diff: PlanDiff) -> dict[str, Any]:
    """Every change as a GeoJSON Feature (EPSG:4326) for a map; removed plots keep old land."""
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": shapely.geometry.mapping(c.geometry),
         "properties": _change_json(c)}
        for c in diff.changes if c.geometry is not None]}
