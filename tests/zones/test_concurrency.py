"""Two writers racing to store overlapping plots: exactly one wins, on both backends."""

from __future__ import annotations

import threading

import sqlalchemy as sa
from geoalchemy2.shape import from_shape

from tests.common import PLOT_A, PLOT_C_OVERLAPPING, make_zone
from zones import errors
from zones.db.backend import translated_errors
from zones.model import LandUse, Plot, PlotStatus


def _plot(district_id: int, code: str, geom) -> Plot:
    return Plot(district_id=district_id, code=code, code_key=code, area_m2=2000.0,
                land_use=LandUse.INDUSTRIAL, status=PlotStatus.PLANNED,
                geom=from_shape(geom, srid=4326))


def test_concurrent_overlapping_inserts_one_wins(sessions) -> None:
    with sessions() as setup:
        district_id = make_zone(setup).id

    first = sessions()
    first.add(_plot(district_id, "1", PLOT_A))
    first.flush()  # holds the write lock / advisory lock, not yet committed

    outcome: dict[str, object] = {}

    def second_writer() -> None:
        with sessions() as second:
            second.add(_plot(district_id, "2", PLOT_C_OVERLAPPING))
            try:
                with translated_errors():
                    second.commit()
                outcome["result"] = "stored"
            except errors.ZonesError as exc:
                outcome["result"] = exc.code

    thread = threading.Thread(target=second_writer)
    thread.start()
    thread.join(timeout=1.0)
    assert thread.is_alive(), "the second writer must wait for the first to finish"
    first.commit()
    first.close()
    thread.join(timeout=30)
    assert outcome["result"] == "plot_overlap"
    with sessions() as check:
        assert check.scalars(sa.select(Plot.code)).all() == ["1"]


def test_waiting_writer_succeeds_when_first_rolls_back(sessions) -> None:
    with sessions() as setup:
        district_id = make_zone(setup).id
    first = sessions()
    first.add(_plot(district_id, "1", PLOT_A))
    first.flush()
    outcome: dict[str, object] = {}

    def second_writer() -> None:
        with sessions() as second:
            second.add(_plot(district_id, "2", PLOT_C_OVERLAPPING))
            with translated_errors():
                second.commit()
            outcome["result"] = "stored"

    thread = threading.Thread(target=second_writer)
    thread.start()
    thread.join(timeout=1.0)
    first.rollback()
    first.close()
    thread.join(timeout=30)
    assert outcome.get("result") == "stored"
