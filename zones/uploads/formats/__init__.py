"""One reader per file format; each returns :class:`RawRead` in the file's own CRS.

Readers only turn bytes into frames: limits on features and vertices, CRS handling and
column mapping happen once for every format in :mod:`zones.uploads.reading`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd

from zones.uploads.contract import LayerRole, Notice, UploadLimits
from zones.uploads.refusals import TooManyFeatures


@dataclass
class RawLayer:
    """One layer as read: raw columns and geometry, row ``i`` is feature ``i`` of the file."""

    name: str
    role: LayerRole
    frame: gpd.GeoDataFrame
    crs: str | None = None            # what the file declares; None when it declares nothing


@dataclass
class RawRead:
    layers: list[RawLayer]
    notices: list[Notice] = field(default_factory=list)
    mapping: dict[str, Any] = field(default_factory=dict)   # e.g. encoding, wkt_column


def check_feature_count(count: int, *, filename: str, limits: UploadLimits,
                        layer: str | None = None) -> None:
    """Refuse before building geometries when a file admits to too many features."""
    if count > limits.max_features:
        raise TooManyFeatures(
            f"{filename}: {count} features, at most {limits.max_features}",
            file=filename, layer=layer, limit=limits.max_features, received=count)
