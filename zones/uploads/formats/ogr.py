"""Reading one OGR layer with pyogrio, turning library errors into ``file_unreadable``.

The geometries come first as WKB, whose vertices are counted against the caps before any
shapely geometry is built; the attributes are read in a second pass without geometry.
"""

from __future__ import annotations

import struct
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pyogrio.raw
import shapely
from pyogrio.errors import DataLayerError, DataSourceError
from pyproj import CRS

from zones.errors import EncodingInvalid, FileUnreadable
from zones.uploads.formats import VertexBudget

_KINDS_WITH_PARTS = (4, 5, 6, 7)  # multi-point, -linestring, -polygon, collection


def read_layer(path: Path, *, layer: str | None, filename: str, budget: VertexBudget,
               encoding: str | None = None) -> tuple[gpd.GeoDataFrame, str | None]:
    """The layer's rows (index = feature position) and its declared CRS (None if none).

    Refuses (``feature_too_many_vertices``/``too_many_vertices``) on the WKB, before
    geometries are built.
    """
    try:
        meta, _fids, wkb, _fields = pyogrio.raw.read(path, layer=layer, encoding=encoding,
                                                     columns=[])
        budget.add_many(wkb_vertices(wkb), layer=layer)
        frame = pyogrio.read_dataframe(path, layer=layer, encoding=encoding,
                                       read_geometry=False)
        geometry = shapely.from_wkb(wkb)
    except UnicodeDecodeError as exc:
        raise EncodingInvalid(
            f"{filename}: attributes of layer {layer!r} are not {encoding or 'UTF-8'} text "
            f"({exc.reason} at byte {exc.start}); give the encoding", file=filename,
            layer=layer, encoding=encoding) from None
    except (DataSourceError, DataLayerError, OSError, ValueError,
            shapely.errors.GEOSException) as exc:
        raise FileUnreadable(f"{filename}: layer {layer!r} is unreadable ({exc})",
                             file=filename, layer=layer) from None
    crs = CRS.from_user_input(meta["crs"]).to_wkt() if meta.get("crs") else None
    frame = gpd.GeoDataFrame(frame.reset_index(drop=True), geometry=geometry)
    return frame, crs


def wkb_vertices(wkb: np.ndarray) -> np.ndarray:
    """Vertices of each WKB geometry (0 for a missing one), without building geometries.

    Walks the headers only: a ring or a part costs one ``struct`` call, not one per vertex.
    """
    return np.fromiter((0 if blob is None else _walk(blob, 0)[0] for blob in wkb),
                       dtype=np.int64, count=len(wkb))


def _walk(blob: bytes, pos: int) -> tuple[int, int]:
    """(vertices, end offset) of the (ISO or extended) WKB geometry at ``pos``."""
    order = "<" if blob[pos] == 1 else ">"
    (code,) = struct.unpack_from(order + "I", blob, pos + 1)
    pos += 5
    if code & 0x20000000:  # EWKB SRID
        pos += 4
    dims = 2 + bool(code & 0x80000000) + bool(code & 0x40000000)
    thousands, kind = divmod(code & 0x0FFFFFFF, 1000)
    dims += (0, 1, 1, 2)[thousands] if thousands < 4 else 0
    size = 8 * dims
    if kind == 1:
        return 1, pos + size
    if kind == 2:
        (n,) = struct.unpack_from(order + "I", blob, pos)
        return n, pos + 4 + n * size
    if kind == 3:
        (rings,) = struct.unpack_from(order + "I", blob, pos)
        pos += 4
        total = 0
        for _ in range(rings):
            (n,) = struct.unpack_from(order + "I", blob, pos)
            total += n
            pos += 4 + n * size
        return total, pos
    if kind in _KINDS_WITH_PARTS:
        (parts,) = struct.unpack_from(order + "I", blob, pos)
        pos += 4
        total = 0
        for _ in range(parts):
            count, pos = _walk(blob, pos)
            total += count
        return total, pos
    raise ValueError(f"WKB geometry type {code} is not a simple feature")
