"""GeoJSON (RFC 7946), read with the standard library so every hostile input is ours to refuse.

Nesting depth is measured on the raw bytes before parsing (strings blanked out, brackets
counted vectorised), NaN/Infinity are refused at parse time, a UTF-8 BOM is accepted and
reported, clockwise rings are accepted as they are, and a legacy ``crs`` member is honoured.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
from shapely.geometry import shape

from zones.uploads.contract import Notice, ReadOptions, UploadLimits
from zones.uploads.formats import RawLayer, RawRead, check_feature_count
from zones.uploads.refusals import EncodingInvalid, FileUnreadable, JsonNonFinite, JsonTooDeep

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
    for index, feature in enumerate(features):
        if not isinstance(feature, dict):
            raise FileUnreadable(f"{filename}: feature {index} is not an object",
                                 file=filename, layer=name, feature=index)
        raw = feature.get("geometry")
        try:
            geoms.append(None if raw is None else shape(raw))
        except (AttributeError, KeyError, TypeError, ValueError, IndexError) as exc:
            raise FileUnreadable(f"{filename}: feature {index} has an unreadable geometry "
                                 f"({exc})", file=filename, layer=name,
                                 feature=index) from None
        properties = feature.get("properties") or {}
        props.append(properties if isinstance(properties, dict) else {})
    frame = gpd.GeoDataFrame(props, geometry=geoms, index=range(len(geoms)))
    return RawRead([RawLayer(name, options.default_role, frame, _legacy_crs(doc))], notices)


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
