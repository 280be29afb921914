"""GeoJSON (RFC 7946), read with the standard library so every hostile input is ours to refuse.

Nesting depth is measured on the raw bytes before parsing (strings blanked out, brackets
counted vectorised), NaN/Infinity are refused at parse time, a UTF-8 BOM is accepted and
reported, clockwise rings are accepted (the service stores and serves them
counter-clockwise), a legacy ``crs`` member is honoured, and a ring whose last position is
not its first is closed and reported per feature (``ring_closed``), never silently.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
from shapely.geometry import shape

from zones.errors import EncodingInvalid, FileUnreadable, JsonNonFinite, JsonTooDeep
from zones.text import fold
from zones.uploads.contract import Notice, ReadOptions, UploadLimits
from zones.uploads.formats import RawLayer, RawRead, VertexBudget, check_feature_count

_CHUNK = 4 * 1024 * 1024
_STEP = np.zeros(256, dtype=np.int8)          # +1 opens, -1 closes a level
_STEP[[ord("["), ord("{")]] = 1
_STEP[[ord("]"), ord("}")]] = -1


def json_depth(data: bytes) -> int:
    """Deepest ``[``/``{`` nesting of ``data``, ignoring brackets inside strings.

    Linear and vectorised, chunk by chunk: a quote is real when an even number of
    backslashes precedes it; brackets count only outside strings. (A regex that skips
    strings goes quadratic on an unterminated string of escaped quotes.)
    """
    depth = deepest = inside = carry = 0   # carry: backslashes ending the previous chunk
    for start in range(0, len(data), _CHUNK):
        chunk = np.frombuffer(data, np.uint8, count=min(_CHUNK, len(data) - start),
                              offset=start)
        quote = chunk == ord('"')
        slash = chunk == ord("\\")
        if carry or slash.any():
            pos = np.arange(len(chunk))
            last = np.maximum.accumulate(np.where(slash, -1, pos))
            before = np.concatenate(([-1], last[:-1]))   # last non-backslash before i
            run = pos - 1 - before + np.where(before == -1, carry, 0)
            quote &= run % 2 == 0
            carry = len(chunk) - 1 - int(last[-1]) + (carry if last[-1] == -1 else 0)
        quotes = np.cumsum(quote, dtype=np.int64)
        step = np.where((inside + quotes) & 1, 0, _STEP[chunk])
        running = np.cumsum(step, dtype=np.int64)
        deepest = max(deepest, depth + int(running.max()))
        depth, inside = depth + int(running[-1]), int((inside + quotes[-1]) & 1)
    return deepest


def _refuse_constant(filename: str):
    def refuse(value: str) -> float:
        raise JsonNonFinite(f"{filename}: {value} is not a JSON number", file=filename,
                            value=value)
    return refuse


def _finite_float(filename: str):
    def parse(text: str) -> float:
        value = float(text)
        if not math.isfinite(value):
            raise JsonNonFinite(f"{filename}: {text} overflows to infinity", file=filename,
                                value=text)
        return value
    return parse


def read(path: Path, *, filename: str, options: ReadOptions, limits: UploadLimits) -> RawRead:
    data = path.read_bytes()
    notices: list[Notice] = []
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        notices.append(Notice("bom_removed", "UTF-8 byte order mark ignored",
                              "نشانه ترتیب بایت UTF-8 نادیده گرفته شد"))
    depth = json_depth(data)
    if depth > limits.max_json_depth:
        raise JsonTooDeep(f"{filename}: JSON nested {depth} deep, at most "
                          f"{limits.max_json_depth}", file=filename,
                          limit=limits.max_json_depth, received=depth)
    try:
        text = data.decode(options.encoding or "utf-8")
    except (UnicodeDecodeError, LookupError) as exc:
        raise EncodingInvalid(f"{filename}: not {options.encoding or 'UTF-8'} text ({exc})",
                              file=filename, encoding=options.encoding or "utf-8") from None
    try:
        doc = json.loads(text, parse_constant=_refuse_constant(filename),
                         parse_float=_finite_float(filename))
    except (ValueError, RecursionError) as exc:
        if isinstance(exc, JsonNonFinite):
            raise
        raise FileUnreadable(f"{filename}: not valid JSON ({exc})", file=filename) from None
    features = _features(doc, filename=filename)
    check_feature_count(len(features), filename=filename, limits=limits)
    name = Path(filename).stem
    geoms, props = [], []
    budget = VertexBudget(filename=filename, limits=limits)
    for index, feature in enumerate(features):  # every count before any geometry is built
        if isinstance(feature, dict):
            budget.add(positions(feature.get("geometry")), layer=name, feature=index)
    unclosed: list[int] = []
    for index, feature in enumerate(features):
        if not isinstance(feature, dict):
            raise FileUnreadable(f"{filename}: feature {index} is not an object",
                                 file=filename, layer=name, feature=index)
        raw = feature.get("geometry")
        if _has_unclosed_ring(raw):
            unclosed.append(index)  # shapely closes it: say so
        try:
            geoms.append(None if raw is None else shape(raw))
        except (AttributeError, KeyError, TypeError, ValueError, IndexError) as exc:
            raise FileUnreadable(f"{filename}: feature {index} has an unreadable geometry "
                                 f"({exc})", file=filename, layer=name,
                                 feature=index) from None
        properties = feature.get("properties") or {}
        props.append(properties if isinstance(properties, dict) else {})
    frame = gpd.GeoDataFrame(props, geometry=geoms, index=range(len(geoms)))
    if unclosed:
        notices.append(_closed_notice(unclosed, props, layer=name))
    return RawRead([RawLayer(name, options.default_role, frame, _legacy_crs(doc))], notices)


def _has_unclosed_ring(geometry: Any) -> bool:
    """Whether a GeoJSON (Multi)Polygon has a ring whose first and last positions differ
    (RFC 7946 §3.1.6 requires them equal); malformed input is left to ``shape``."""
    if not isinstance(geometry, dict):
        return False
    kind, coords = geometry.get("type"), geometry.get("coordinates")
    if kind == "GeometryCollection":
        return any(_has_unclosed_ring(g) for g in geometry.get("geometries") or [])
    if coords is None:  # no coordinates, no ring (iterating None would end in TypeError)
        return False
    polygons = [coords] if kind == "Polygon" else coords if kind == "MultiPolygon" else []
    try:
        return any(isinstance(ring, list) and len(ring) > 1 and ring[0] != ring[-1]
                   for polygon in polygons for ring in polygon)
    except TypeError:
        return False


def _closed_notice(features: list[int], props: list[dict[str, Any]], *, layer: str
                   ) -> Notice:
    """``ring_closed``: which features had a ring closed, with their plot code where known."""
    codes = []
    for index in features:
        code = next((v for k, v in props[index].items() if fold(str(k)) == "code"), None)
        codes.append(None if code is None else str(code))
    pairs = list(zip(features, codes, strict=True))[:20]
    named = ", ".join(f"{i} ({c})" if c else str(i) for i, c in pairs)
    return Notice("ring_closed",
                  f"Rings not closed (last position ≠ first) were closed in {len(features)} "
                  f"features: {named}",
                  f"حلقه‌های بسته‌نشده (آخرین نقطه ≠ نخستین) در {len(features)} عارضه بسته شد: "
                  f"{named}", layer=layer, count=len(features),
                  extra={"features": features[:1000], "codes": codes[:1000]})


_DEPTH = {"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2,
          "MultiPolygon": 3}   # list levels above a position


def positions(geometry: Any) -> int:
    """Positions in a parsed GeoJSON geometry, counted on its lists (one ``len`` per ring).

    A malformed geometry counts what it holds; building it is what refuses it.
    """
    if not isinstance(geometry, dict):
        return 0
    kind = geometry.get("type")
    if kind == "GeometryCollection":
        parts = geometry.get("geometries")
        return sum(map(positions, parts)) if isinstance(parts, list) else 0
    depth = _DEPTH.get(kind) if isinstance(kind, str) else None
    return 0 if depth is None else _count(geometry.get("coordinates"), depth)


def _count(coordinates: Any, depth: int) -> int:
    if not isinstance(coordinates, list):
        return 0
    if depth == 0:
        return 1
    if depth == 1:
        return len(coordinates)
    return sum(_count(part, depth - 1) for part in coordinates)


def _features(doc: Any, *, filename: str) -> list[Any]:
    kind = doc.get("type") if isinstance(doc, dict) else None
    if kind == "FeatureCollection" and isinstance(doc.get("features"), list):
        return doc["features"]
    if kind == "Feature":
        return [doc]
    if kind in ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon",
                "MultiPolygon", "GeometryCollection"):
        return [{"type": "Feature", "geometry": doc, "properties": {}}]
    raise FileUnreadable(f"{filename}: not a GeoJSON object (type {kind!r})", file=filename)


def _legacy_crs(doc: dict[str, Any]) -> str | None:
    """The pre-RFC 7946 ``crs`` member (``{"type": "name", "properties": {"name": ...}}``)."""
    crs = doc.get("crs")
    if isinstance(crs, dict) and isinstance(crs.get("properties"), dict):
        name = crs["properties"].get("name")
        if isinstance(name, str):
            return name
    return None
