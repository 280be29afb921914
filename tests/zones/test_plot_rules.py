"""The database's plot rules, on both backends: no shared area, unique codes, valid shapes."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from geoalchemy2.shape import from_shape

from tests.common import (
    BOWTIE,
    PLOT_A,
    PLOT_B_TOUCHING,
    PLOT_C_OVERLAPPING,
    PLOT_D_INSIDE,
    PLOT_FAR,
    make_zone,
)
from zones import errors
from zones.db.backend import translated_errors
from zones.model import LandUse, Plot, PlotStatus, utcnow
from zones.services.plots import create_plot, find_plot


def _raw_plot(district_id: int, code: str, geom) -> Plot:
    """A plot written straight through the ORM, bypassing the service's checks."""
    return Plot(district_id=district_id, code=code, code_key=code.casefold(),
                land_use=LandUse.INDUSTRIAL, status=PlotStatus.PLANNED, area_m2=1.0,
                geom=from_shape(geom, srid=4326))


def test_touching_plots_are_accepted(session) -> None:
    district = make_zone(session)
    create_plot(session=session, district=district, code="1", geometry=PLOT_A)
    create_plot(session=session, district=district, code="2", geometry=PLOT_B_TOUCHING)
    session.commit()
    assert session.scalar(sa.select(sa.func.count()).select_from(Plot)) == 2


@pytest.mark.parametrize("other", [PLOT_C_OVERLAPPING, PLOT_D_INSIDE, PLOT_A],
                         ids=["overlapping", "inside", "identical"])
def test_overlapping_plot_rejected_by_database(session, other) -> None:
    district = make_zone(session)
    create_plot(session=session, district=district, code="1", geometry=PLOT_A)
    session.commit()
    session.add(_raw_plot(district.id, "2", other))
    with pytest.raises(errors.PlotOverlap), translated_errors():
        session.flush()
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(Plot)) == 1


def test_moving_a_plot_onto_another_is_rejected(session) -> None:
    district = make_zone(session)
    create_plot(session=session, district=district, code="1", geometry=PLOT_A)
    far = create_plot(session=session, district=district, code="2", geometry=PLOT_FAR)
    session.commit()
    far.geom = from_shape(PLOT_C_OVERLAPPING, srid=4326)
    with pytest.raises(errors.PlotOverlap), translated_errors():
        session.flush()


def test_retired_plot_does_not_block_its_successor(session) -> None:
    district = make_zone(session)
    old = create_plot(session=session, district=district, code="1", geometry=PLOT_A)
    session.commit()
    old.valid_to = utcnow()
    session.flush()
    create_plot(session=session, district=district, code="1", geometry=PLOT_C_OVERLAPPING)
    session.commit()
    current = session.scalars(sa.select(Plot).where(Plot.valid_to.is_(None))).all()
    assert [p.code for p in current] == ["1"]


def test_invalid_polygon_rejected_by_service_and_database(session) -> None:
    district = make_zone(session)
    with pytest.raises(errors.InvalidGeometry, match="Self-intersection"):
        create_plot(session=session, district=district, code="1", geometry=BOWTIE)
    session.add(_raw_plot(district.id, "1", BOWTIE))
    with pytest.raises(sa.exc.DBAPIError, match="plot_invalid_geometry"):
        session.flush()


def test_duplicate_code_rejected_after_normalisation(session) -> None:
    district = make_zone(session)
    create_plot(session=session, district=district, code="ک-12", geometry=PLOT_A)
    with pytest.raises(errors.PlotCodeTaken):
        create_plot(session=session, district=district, code="ك-١٢", geometry=PLOT_FAR)


@pytest.mark.parametrize("typed", ["ک-۱۲", "ك-١٢", "ک-12", " ک-12 ", "ک\u200f-12"])
def test_code_typed_in_any_script_finds_the_plot(session, typed: str) -> None:
    district = make_zone(session)
    plot = create_plot(session=session, district=district, code="ک-12", geometry=PLOT_A)
    session.commit()
    assert find_plot(session=session, district_code="D1", code=typed).id == plot.id


def test_unknown_code_is_a_coded_error(session) -> None:
    make_zone(session)
    with pytest.raises(errors.PlotNotFound) as caught:
        find_plot(session=session, district_code="D1", code="99")
    assert caught.value.code == "plot_not_found"


def test_plot_area_is_metric_and_matches_geodesic(session) -> None:
    from zones.spatial.measurement import geodesic_area

    district = make_zone(session)
    plot = create_plot(session=session, district=district, code="1", geometry=PLOT_A,
                       land_use=LandUse.WAREHOUSE)
    # A 50 m × 40 m rectangle drawn in UTM: 2,000 m² there by construction.
    assert plot.area_m2 == pytest.approx(2000.0, rel=1e-9)
    assert plot.area_m2 == pytest.approx(geodesic_area(PLOT_A), rel=0.001)
