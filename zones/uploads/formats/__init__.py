"""One reader per file format; each returns :class:`RawRead` in the file's own CRS.

Readers only turn bytes into frames: CRS handling and column mapping happen once for every
format in :mod:`zones.uploads.reading`. Features and vertices are counted here, by each
reader, before any shapely geometry is built: one 1.3-million-vertex polygon must cost the
reader a list of numbers, never the service hundreds of MB of geometry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np

from zones.errors import FeatureTooManyVertices, TooManyFeatures, TooManyVertices
from zones.uploads.contract import LayerRole, Notice, UploadLimits


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


class VertexBudget:
    """The per-feature and whole-file vertex caps, fed counts as a reader finds them.

    One budget per file: ``total`` runs across its layers. Counts come from the parsed
    coordinate arrays, the WKB or the WKT text, never from shapely geometries.
    """

    def __init__(self, *, filename: str, limits: UploadLimits) -> None:
        self.filename = filename
        self.limits = limits
        self.total = 0

    def add(self, count: int, *, layer: str | None, feature: int) -> None:
        """One feature's vertices (``feature`` = its 0-based index in ``layer``)."""
        if count > self.limits.max_feature_vertices:
            self._refuse_feature(count, layer=layer, feature=feature)
        self.total += count
        if self.total > self.limits.max_vertices:
            self._refuse_total(layer=layer)

    def add_many(self, counts: np.ndarray, *, layer: str | None) -> None:
        """Every feature of ``layer`` at once (``counts[i]`` = vertices of feature ``i``)."""
        over = np.flatnonzero(counts > self.limits.max_feature_vertices)
        if len(over):
            self._refuse_feature(int(counts[over[0]]), layer=layer, feature=int(over[0]))
        self.total += int(counts.sum())
        if self.total > self.limits.max_vertices:
            self._refuse_total(layer=layer)

    def _refuse_feature(self, count: int, *, layer: str | None, feature: int) -> None:
        cap = self.limits.max_feature_vertices
        raise FeatureTooManyVertices(
            f"{self.filename}: feature {feature} of layer {layer!r} has {count} vertices, "
            f"at most {cap} per feature", file=self.filename, layer=layer, feature=feature,
            limit=cap, received=count)

    def _refuse_total(self, *, layer: str | None) -> None:
        cap = self.limits.max_vertices
        raise TooManyVertices(f"{self.filename}: more than {cap} vertices",
                              file=self.filename, layer=layer, limit=cap, received=self.total)
