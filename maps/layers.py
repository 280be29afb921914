"""What a zone map shows: one GeoDataFrame per layer, checked once at the boundary."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

import geopandas as gpd

MAP_EPSG = 4326
"""Every layer arrives in WGS 84 lon/lat (EPSG:4326), the CRS Leaflet draws."""

REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "zone": ("code", "name_fa", "name_en"),
    "districts": ("code", "name_fa", "name_en", "status"),
    "expansion_areas": ("code", "name_fa", "name_en", "decision_ref"),
    "plots": ("district_code", "code", "land_use", "status", "area_m2"),
    "infrastructure": ("network", "kind", "name_fa", "name_en", "status"),
    "customs_sites": ("code", "name_fa", "name_en", "status"),
    "units": ("ref", "name_fa", "name_en", "status"),
    "protected_areas": ("kind", "name_fa", "name_en", "buffer_m"),
}
"""Columns each non-empty layer must have; other columns are allowed and ignored."""


if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@dataclass(frozen=True, eq=False)
class ZoneLayers:
    """The layers of one zone map, each a GeoDataFrame in EPSG:4326.

    Any layer may be empty (0 rows); an empty layer may even lack columns and CRS,
    since it has nothing to misplace. A non-empty layer must carry EPSG:4326 and the
    columns in :data:`REQUIRED_COLUMNS`, otherwise construction fails with a
    ``ValueError`` naming the layer and what it got, so a frame still in UTM
    (EPSG:32639) is caught here and not drawn in the Indian Ocean.

    ``infrastructure`` mixes Points, LineStrings and Polygons. Rows whose geometry
    is missing or empty are skipped when drawing.

    ``eq=False``: comparing two frames element-wise has no single truth value.
    """

    zone: gpd.GeoDataFrame
    districts: gpd.GeoDataFrame
    expansion_areas: gpd.GeoDataFrame
    plots: gpd.GeoDataFrame
    infrastructure: gpd.GeoDataFrame
    customs_sites: gpd.GeoDataFrame
    protected_areas: gpd.GeoDataFrame
    # Production units at a point on their plot; ``investor`` (a name) only in rows the
    # viewer may see it, ``page`` when the viewer may open the unit's page.
    units: gpd.GeoDataFrame = field(default_factory=lambda: empty_layer("units"))

    def __post_init__(self) -> None:
        for layer in fields(self):
            _check_layer(layer.name, getattr(self, layer.name))

    @classmethod
    def from_session(cls, session: Session, *, plots: bool = True, units: bool = True
                     ) -> ZoneLayers:
        """The current state of the database, one query per layer.

        ``plots=False`` leaves the plots layer empty, for maps that draw plots from
        vector tiles (a 100,000-plot zone is not read for every page view);
        ``units=False`` likewise the production units.
        """
        from zones import frames

        return cls(
            zone=frames.zone_frame(session),
            districts=frames.district_frame(session),
            expansion_areas=frames.expansion_frame(session),
            plots=frames.plot_frame(session) if plots else empty_layer("plots"),
            infrastructure=frames.infrastructure_frame(session),
            customs_sites=frames.customs_frame(session),
            protected_areas=frames.protected_frame(session),
            units=frames.unit_site_frame(session) if units else empty_layer("units"),
        )

    @classmethod
    def empty(cls) -> ZoneLayers:
        """Layers with no rows at all (the map still renders, centred on Anzali)."""
        return cls(**{name: empty_layer(name) for name in REQUIRED_COLUMNS})

    def drawable(self, name: str) -> gpd.GeoDataFrame:
        """Layer ``name`` without rows whose geometry is missing or empty."""
        frame = getattr(self, name)
        if frame.empty:
            return empty_layer(name)
        geometry = frame.geometry
        return frame[~(geometry.isna() | geometry.is_empty)]

    def bounds(self, *, focus: bool = False) -> tuple[float, float, float, float] | None:
        """``(min_lon, min_lat, max_lon, max_lat)`` of the zone, or of all layers when
        the zone is empty; ``None`` when there is nothing to show. With ``focus``, the
        districts and expansion areas when there are any."""
        if focus:
            parts = [p for p in (self.drawable("districts"), self.drawable("expansion_areas"))
                     if not p.empty]
            if parts:
                boxes = [_bounds(part) for part in parts]
                return (min(b[0] for b in boxes), min(b[1] for b in boxes),
                        max(b[2] for b in boxes), max(b[3] for b in boxes))
        zone = self.drawable("zone")
        if not zone.empty:
            return _bounds(zone)
        parts = [self.drawable(name) for name in REQUIRED_COLUMNS]
        parts = [part for part in parts if not part.empty]
        if not parts:
            return None
        boxes = [_bounds(part) for part in parts]
        return (
            min(box[0] for box in boxes),
            min(box[1] for box in boxes),
            max(box[2] for box in boxes),
            max(box[3] for box in boxes),
        )


def empty_layer(name: str) -> gpd.GeoDataFrame:
    """A 0-row layer ``name`` with its required columns, in EPSG:4326."""
    columns: dict[str, list[Any]] = {"id": []} | {c: [] for c in REQUIRED_COLUMNS[name]}
    return gpd.GeoDataFrame(columns, geometry=[], crs=MAP_EPSG)


def _bounds(frame: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    min_x, min_y, max_x, max_y = frame.total_bounds
    return float(min_x), float(min_y), float(max_x), float(max_y)


def _check_layer(name: str, frame: object) -> None:
    if not isinstance(frame, gpd.GeoDataFrame):
        raise TypeError(f"ZoneLayers.{name} must be a GeoDataFrame, got {type(frame).__name__}")
    if frame.empty:
        return
    try:
        frame.geometry  # noqa: B018 - raises when no active geometry column is set
    except AttributeError:
        raise ValueError(f"ZoneLayers.{name} has no active geometry column") from None
    if frame.crs is None:
        raise ValueError(f"ZoneLayers.{name} has no CRS; expected EPSG:{MAP_EPSG}")
    if frame.crs.to_epsg() != MAP_EPSG:
        raise ValueError(
            f"ZoneLayers.{name} is in {frame.crs.to_string()}; expected EPSG:{MAP_EPSG} "
            f"(reproject with frame.to_crs({MAP_EPSG}))"
        )
    missing = [column for column in REQUIRED_COLUMNS[name] if column not in frame.columns]
    if missing:
        raise ValueError(f"ZoneLayers.{name} lacks column(s) {', '.join(missing)}")
