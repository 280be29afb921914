"""Protection buffers are measured in metres, in the zone's UTM CRS."""

from __future__ import annotations

import math

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

from maps.buffers import METRIC_CRS, metric_buffers

ANZALI = Point(49.505, 37.448)


def areas(*rows: tuple[object, float | None]) -> gpd.GeoDataFrame:
    geometries, distances = zip(*rows, strict=True)
    return gpd.GeoDataFrame(
        {"kind": "wetland", "buffer_m": distances}, geometry=list(geometries), crs=4326
    )


def test_point_buffer_of_1000_m_is_a_metric_disc() -> None:
    buffered = metric_buffers(areas((ANZALI, 1000)))

    area_m2 = buffered.to_crs(METRIC_CRS).area.iloc[0]
    assert area_m2 == pytest.approx(math.pi * 1000**2, rel=0.01)


def test_buffer_is_round_on_the_ground_not_in_degrees() -> None:
    # A degree of longitude is ~88 km here, of latitude ~111 km: a degree-space
    # circle would come out 1.26 times wider than tall once projected.
    disc = metric_buffers(areas((ANZALI, 1000))).to_crs(METRIC_CRS).geometry.iloc[0]

    min_x, min_y, max_x, max_y = disc.bounds
    assert (max_x - min_x) / (max_y - min_y) == pytest.approx(1.0, abs=0.01)
    assert max_x - min_x == pytest.approx(2000, rel=0.01)


def test_result_is_back_in_wgs84_with_columns_kept() -> None:
    buffered = metric_buffers(areas((ANZALI, 500)))

    assert buffered.crs.to_epsg() == 4326
    assert list(buffered["kind"]) == ["wetland"]
    assert buffered.geometry.iloc[0].contains(ANZALI)


def test_polygon_buffer_grows_every_side_by_the_distance() -> None:
    # A 100 m square built in UTM at Anzali, handed over in lon/lat.
    centre = gpd.GeoSeries([ANZALI], crs=4326).to_crs(METRIC_CRS).iloc[0]
    square = gpd.GeoSeries(
        [box(centre.x, centre.y, centre.x + 100, centre.y + 100)], crs=METRIC_CRS
    ).to_crs(4326)

    buffered = metric_buffers(areas((square.iloc[0], 50))).to_crs(METRIC_CRS)

    # 100×100 square + 4 sides × 100×50 + a full 50 m circle at the corners.
    expected = 100 * 100 + 4 * 100 * 50 + math.pi * 50**2
    assert buffered.area.iloc[0] == pytest.approx(expected, rel=0.01)


@pytest.mark.parametrize("distance", [None, 0, -10, float("nan")])
def test_rows_without_a_positive_distance_have_no_buffer(distance: float | None) -> None:
    buffered = metric_buffers(areas((ANZALI, 1000), (Point(49.51, 37.45), distance)))

    assert len(buffered) == 1


def test_empty_input_gives_empty_output() -> None:
    buffered = metric_buffers(areas((ANZALI, 1000)).iloc[0:0])

    assert buffered.empty
