"""DXF drawings from AutoCAD, read with ezdxf.

Closed LWPOLYLINE/POLYLINE become polygons (bulges flattened to 5 cm), open ones and LINEs
become lines. CAD layers map to roles through ``options.layers`` (case-insensitive, as in
AutoCAD). A plot code comes from the entity's XDATA (its first string) or else from the
TEXT/MTEXT, or block reference with a CODE attribute, whose insertion point lies inside the
polygon. DXF carries no CRS: the caller
must give one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely
from ezdxf import recover
from ezdxf.entities import Polyline
from ezdxf.lldxf.const import DXFError
from ezdxf.path import make_path

from zones.errors import CrsMissing, DxfLayersUnmapped, FileUnreadable
from zones.text import fold
from zones.uploads.contract import LayerRole, Notice, ReadOptions, UploadLimits
from zones.uploads.formats import RawLayer, RawRead, VertexBudget, check_feature_count

_FLATTEN_M = 0.05
CODE_TAGS = {"code", "plot", "plot_code", "plotcode", "کد"}   # ATTRIB tags read as the code


def read(path: Path, *, filename: str, options: ReadOptions, limits: UploadLimits) -> RawRead:
    if not options.crs:
        raise CrsMissing(f"{filename}: a DXF drawing has no coordinate reference system; "
                         "give one (e.g. EPSG:32639)", file=filename)
    try:
        doc, _auditor = recover.readfile(str(path))
    except (OSError, DXFError, ValueError, UnicodeDecodeError) as exc:
        raise FileUnreadable(f"{filename}: not a readable DXF drawing ({exc})",
                             file=filename) from None
    space = doc.modelspace()
    found: dict[str, list[tuple[Any, list[tuple[float, ...]], int]]] = {}
    count = 0
    budget = VertexBudget(filename=filename, limits=limits)
    for entity in space.query("LWPOLYLINE POLYLINE LINE"):
        if isinstance(entity, Polyline) and not (entity.is_2d_polyline
                                                 or entity.is_3d_polyline):
            continue  # polyface and polygon meshes are not parcels
        count += 1
        check_feature_count(count, filename=filename, limits=limits)
        rows = found.setdefault(entity.dxf.layer, [])
        points = _points(entity)
        budget.add(len(points), layer=entity.dxf.layer, feature=len(rows))
        rows.append((entity, points, count - 1))
    # Every entity counted: only now are geometries built.
    shapes = {layer: [(_geometry(entity, points), _xdata_code(entity), index)
                      for entity, points, index in rows] for layer, rows in found.items()}
    roles = _roles(list(shapes), options=options, filename=filename)
    labels = [(shapely.Point(t.dxf.insert.x, t.dxf.insert.y), _text(t))
              for t in space.query("TEXT MTEXT")] + _attribute_labels(space)
    notices: list[Notice] = []
    layers = []
    for name, role in roles.items():
        shaped = shapes[name]
        frame = gpd.GeoDataFrame(
            {"code": [code for _, code, _ in shaped], "entity": [i for _, _, i in shaped]},
            geometry=[g for g, _, _ in shaped])
        ambiguous = _label(frame, labels)
        if ambiguous:
            notices.append(Notice("labels_ambiguous",
                                  f"{ambiguous} polygons hold several text labels; the first "
                                  "was taken as the code",
                                  f"{ambiguous} چندضلعی چند برچسب متنی دارند؛ نخستین به عنوان "
                                  "کد برداشته شد", layer=name, count=ambiguous))
        polygons = [i for i, (g, _, _) in enumerate(shaped) if g.geom_type == "Polygon"]
        if polygons:
            notices.append(Notice(
                "polylines_to_polygons", f"{len(polygons)} closed polylines read as polygons",
                f"{len(polygons)} چندخطی بسته به صورت چندضلعی خوانده شد", layer=name,
                count=len(polygons), extra={"features": polygons[:1000]}))
        layers.append(RawLayer(name, role, frame, None))
    return RawRead(layers, notices,
                   mapping={"layers": {n: r.value for n, r in roles.items()}})


def _points(entity) -> list[tuple[float, ...]]:
    """The entity's vertices as plain tuples (bulges flattened), counted before building."""
    if entity.dxftype() == "LINE":
        ends = [entity.dxf.start, entity.dxf.end]
    else:
        ends = list(make_path(entity).flattening(_FLATTEN_M))
    # Keep elevations when there are any, so reading drops and reports them like any Z.
    if any(v.z for v in ends):
        return [(v.x, v.y, v.z) for v in ends]
    return [(v.x, v.y) for v in ends]


def _geometry(entity, points: list[tuple[float, ...]]) -> shapely.Geometry:
    if entity.dxftype() == "LINE":
        return shapely.LineString(points)
    closed = entity.closed if entity.dxftype() == "LWPOLYLINE" else entity.is_closed
    if closed and len(points) >= 3:
        return shapely.Polygon(points)
    return shapely.LineString(points) if len(points) >= 2 else shapely.Point(points[0])


def _xdata_code(entity) -> str | None:
    if entity.xdata is None:
        return None
    for appid in list(entity.xdata.data):
        for tag in entity.get_xdata(appid):
            if tag.code == 1000 and str(tag.value).strip():
                return str(tag.value)
    return None


def _attribute_labels(space) -> list[tuple[shapely.Point, str]]:
    """Block references carrying a CODE attribute (a common plot-label block)."""
    found = []
    for insert in space.query("INSERT"):
        for attrib in insert.attribs:
            if fold(attrib.dxf.tag) in CODE_TAGS and attrib.dxf.text.strip():
                found.append((shapely.Point(insert.dxf.insert.x, insert.dxf.insert.y),
                              attrib.dxf.text))
    return found


def _text(entity) -> str:
    return entity.plain_text() if entity.dxftype() == "MTEXT" else entity.dxf.text


def _label(frame: gpd.GeoDataFrame, labels: list[tuple[shapely.Point, str]]) -> int:
    """Fill missing codes from text labels inside polygons; return polygons with several."""
    if not labels or frame.empty:
        return 0
    points = [p for p, _ in labels]
    geom_idx, label_idx = shapely.STRtree(points).query(
        frame.geometry.values, predicate="contains")
    found: dict[int, list[int]] = {}
    for g, t in zip(geom_idx.tolist(), label_idx.tolist(), strict=True):
        found.setdefault(g, []).append(t)
    ambiguous = 0
    codes = frame["code"].tolist()
    for g, hits in found.items():
        if codes[g] is None or codes[g] != codes[g]:  # None or NaN: no XDATA code
            codes[g] = labels[min(hits)][1]
            ambiguous += len(hits) > 1
    frame["code"] = codes
    return ambiguous


def _roles(names: list[str], *, options: ReadOptions, filename: str) -> dict[str, LayerRole]:
    if options.layers:
        wanted = {fold(k): role for k, role in options.layers.items()}
        chosen = {n: wanted[fold(n)] for n in names if fold(n) in wanted}
        if not chosen:
            raise DxfLayersUnmapped(
                f"{filename}: none of the mapped CAD layers hold polylines; it has {names}",
                file=filename, layers=sorted(names))
        return chosen
    if len(names) == 1:
        return {names[0]: options.default_role}
    raise DxfLayersUnmapped(f"{filename}: {len(names)} CAD layers hold polylines; say which "
                            f"is which: {sorted(names)}", file=filename, layers=sorted(names))
