"""Districts (industrial estates) as the API serves them: GeoJSON with gross area."""

from __future__ import annotations

from typing import Literal

from geojson_pydantic import Feature, FeatureCollection, Polygon
from pydantic import BaseModel


class DistrictProperties(BaseModel):
    id: int
    code: str
    number: int | None
    name_fa: str
    name_en: str
    kind: str
    status: Literal["operating", "expanding", "planned"]
    gross_area_m2: float


DistrictCollection = FeatureCollection[Feature[Polygon, DistrictProperties]]
