"""Reading one OGR layer with pyogrio, turning library errors into ``file_unreadable``."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pyogrio
from pyogrio.errors import DataLayerError, DataSourceError

from zones.uploads.refusals import EncodingInvalid, FileUnreadable


def read_layer(path: Path, *, layer: str | None, filename: str,
               encoding: str | None = None) -> tuple[gpd.GeoDataFrame, str | None]:
    """The layer's rows (index = feature position) and its declared CRS (None if none)."""
    try:
        frame = pyogrio.read_dataframe(path, layer=layer, encoding=encoding)
    except UnicodeDecodeError as exc:
        raise EncodingInvalid(
            f"{filename}: attributes of layer {layer!r} are not {encoding or 'UTF-8'} text "
            f"({exc.reason} at byte {exc.start}); give the encoding", file=filename,
            layer=layer, encoding=encoding) from None
    except (DataSourceError, DataLayerError, OSError, ValueError) as exc:
        raise FileUnreadable(f"{filename}: layer {layer!r} is unreadable ({exc})",
                             file=filename, layer=layer) from None
    crs = frame.crs.to_wkt() if frame.crs is not None else None
    frame = frame.reset_index(drop=True)
    return frame.set_crs(None, allow_override=True), crs
