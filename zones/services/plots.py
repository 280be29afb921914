"""Creating and finding plots: codes normalised, areas measured in the zone's metric CRS."""

from __future__ import annotations

import shapely
import sqlalchemy as sa
from geoalchemy2.shape import from_shape
from sqlalchemy.orm import Session

from zones import errors
from zones.db.backend import translated_errors
from zones.model import (
    HELD_STATUSES,
    Allocation,
    AllocationStatus,
    District,
    LandUse,
    Plot,
    PlotStatus,
    Zone,
)
from zones.spatial.measurement import metric_area
from zones.text import fold, normalize


def validate_polygon(geometry: shapely.Geometry, *, what: str = "plot") -> shapely.Polygon:
    """Check a lon/lat polygon at the boundary and say precisely what is wrong with it."""
    if not isinstance(geometry, shapely.Polygon):
        raise errors.InvalidGeometry(
            f"{what} geometry must be a Polygon, got {geometry.geom_type}", got=geometry.geom_type
        )
    if geometry.is_empty:
        raise errors.InvalidGeometry(f"{what} geometry is empty")
    if not geometry.is_valid:
        raise errors.InvalidGeometry(
            f"{what} geometry is invalid: {shapely.is_valid_reason(geometry)}",
            reason=shapely.is_valid_reason(geometry),
        )
    minx, miny, maxx, maxy = geometry.bounds
    if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        raise errors.InvalidGeometry(f"{what} coordinates are not lon/lat degrees (EPSG:4326)")
    if geometry.has_z:
        geometry = shapely.force_2d(geometry)
    return geometry


def create_plot(
    *,
    session: Session,
    district: District,
    code: str,
    geometry: shapely.Geometry,
    land_use: LandUse = LandUse.INDUSTRIAL,
    status: PlotStatus = PlotStatus.PLANNED,
    max_coverage: float | None = None,
    far: float | None = None,
    name_fa: str | None = None,
    name_en: str | None = None,
    expansion_area_id: int | None = None,
    plan_revision_id: int | None = None,
) -> Plot:
    """Add a current plot to ``district`` and flush it.

    The code is stored normalised (Persian letters, ASCII digits) and compared case- and
    script-insensitively; ``area_m2`` is computed in the zone's metric CRS. The database
    refuses a duplicate code (:class:`~zones.errors.PlotCodeTaken`) and any overlap with a
    current plot (:class:`~zones.errors.PlotOverlap`); the caller's transaction is then
    unusable and must be rolled back.
    """
    # Stored counter-clockwise, as GeoJSON serves it (RFC 7946 §3.1.6).
    polygon = shapely.orient_polygons(validate_polygon(geometry))
    clean = normalize(code)
    if not clean:
        raise errors.InvalidInput("plot code is empty", field="code")
    zone = session.get(Zone, district.zone_id)
    assert zone is not None  # district.zone_id is a NOT NULL foreign key
    plot = Plot(
        district_id=district.id,
        code=clean,
        code_key=fold(clean),
        name_fa=normalize(name_fa),
        name_en=normalize(name_en),
        land_use=land_use,
        status=status,
        max_coverage=max_coverage,
        far=far,
        area_m2=float(metric_area([polygon], zone.metric_srid)[0]),
        geom=from_shape(polygon, srid=4326),
        expansion_area_id=expansion_area_id,
        plan_revision_id=plan_revision_id,
    )
    session.add(plot)
    with translated_errors():
        session.flush()
    return plot


def find_plot(*, session: Session, district_code: str, code: str) -> Plot:
    """The current plot with ``code`` in a district, however the code was typed.

    ``"۳-۰۷"``, ``"٣-٠٧"`` and ``"3-07"`` find the same plot.
    """
    stmt = (
        sa.select(Plot)
        .join(District, Plot.district_id == District.id)
        .where(
            District.code == normalize(district_code),
            Plot.code_key == fold(code),
            Plot.valid_to.is_(None),
        )
    )
    plot = session.scalars(stmt).one_or_none()
    if plot is None:
        raise errors.PlotNotFound(
            f"no current plot {normalize(code)!r} in district {district_code!r}",
            district=district_code, plot_code=normalize(code),
        )
    return plot


EDITABLE = frozenset({"status", "land_use", "max_coverage", "far", "name_fa", "name_en"})


def update_plot(*, session: Session, plot: Plot, changes: dict[str, object]) -> Plot:
    """Apply staff edits to a current plot; flush, do not commit.

    A plot is *held* (allocated … idle) exactly when it has an active allocation, so a
    status edit may not cross that line: allocating and revoking are workflows of their
    own (:mod:`zones.services.allocation`), with obligations and decisions.
    """
    unknown = set(changes) - EDITABLE
    if unknown:
        raise errors.InvalidInput(f"not editable: {sorted(unknown)}", fields=sorted(unknown))
    if plot.valid_to is not None:
        raise errors.Conflict("the plot has been superseded", plot_id=plot.id)
    if "status" in changes:
        held = session.scalar(sa.select(Allocation.id).where(
            Allocation.plot_id == plot.id, Allocation.status == AllocationStatus.ACTIVE))
        wants_held = PlotStatus(str(changes["status"])) in HELD_STATUSES
        if wants_held != (held is not None):
            raise errors.PlotStatusConflict(
                f"status {changes['status']} needs {'an' if wants_held else 'no'} active "
                "allocation; use the allocation workflow", plot_id=plot.id)
    for key in ("name_fa", "name_en"):
        if key in changes:
            changes[key] = normalize(changes[key])  # type: ignore[arg-type]
    for key, value in changes.items():
        setattr(plot, key, value)
    with translated_errors():
        session.flush()
    return plot
