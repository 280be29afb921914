"""OGC API – Features: the GeoJSON of ``/ogc/collections/{id}/items`` and of one item.

The landing page, conformance and collection documents are in :mod:`api.ogc_schemas`.
Properties differ per collection (``/ogc/collections/{id}`` describes them), so they are
an open object here.
"""

from __future__ import annotations

from typing import Any

from geojson_pydantic import Feature
from geojson_pydantic.geometries import Geometry
from pydantic import Field

from api.ogc_schemas import FeaturePage, Link


class OgcFeature(Feature[Geometry, dict[str, Any]]):
    """One feature (CRS84), with its ``self`` and ``collection`` links."""

    links: list[Link] = Field(default_factory=list)


class OgcFeatureCollection(FeaturePage[Feature[Geometry, dict[str, Any]]]):
    """A page of a collection's features (CRS84), counted, with ``self``/``next`` links."""

    numberMatched: int
    timeStamp: str = Field(description="When the page was made (RFC 3339, UTC)")
