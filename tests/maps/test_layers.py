"""ZoneLayers checks its frames once, at the boundary, and names what it got."""

from __future__ import annotations

from dataclasses import replace

import geopandas as gpd
import pandas as pd
import pytest

from maps.layers import REQUIRED_COLUMNS, ZoneLayers, empty_layer


def test_empty_layers_have_no_bounds() -> None:
    assert ZoneLayers.empty().bounds() is None


def test_bounds_are_the_zones(layers: ZoneLayers) -> None:
    assert layers.bounds() == pytest.approx(tuple(layers.zone.total_bounds))


def test_bounds_cover_all_layers_without_a_zone(layers: ZoneLayers) -> None:
    no_zone = replace(layers, zone=empty_layer("zone"))

    min_lon, _, max_lon, _ = no_zone.bounds()

    assert min_lon == pytest.approx(layers.protected_areas.total_bounds[0])
    assert max_lon >= layers.plots.total_bounds[2]


def test_layer_in_utm_is_refused_with_its_crs(layers: ZoneLayers) -> None:
    with pytest.raises(ValueError, match=r"ZoneLayers\.plots is in EPSG:32639; expected EPSG:4326"):
        replace(layers, plots=layers.plots.to_crs(32639))


def test_layer_without_crs_is_refused(layers: ZoneLayers) -> None:
    with pytest.raises(ValueError, match=r"ZoneLayers\.districts has no CRS"):
        replace(layers, districts=layers.districts.set_crs(None, allow_override=True))


def test_layer_missing_columns_is_refused_by_name(layers: ZoneLayers) -> None:
    with pytest.raises(ValueError, match=r"ZoneLayers\.plots lacks column.*status"):
        replace(layers, plots=layers.plots.drop(columns=["status"]))


def test_layer_without_geometry_is_refused(layers: ZoneLayers) -> None:
    table = gpd.GeoDataFrame(pd.DataFrame(layers.plots.drop(columns="geometry")))

    with pytest.raises(ValueError, match=r"ZoneLayers\.plots has no active geometry"):
        replace(layers, plots=table)


def test_plain_dataframe_is_refused(layers: ZoneLayers) -> None:
    with pytest.raises(TypeError, match=r"ZoneLayers\.zone must be a GeoDataFrame, got DataFrame"):
        replace(layers, zone=pd.DataFrame(layers.zone.drop(columns="geometry")))


@pytest.mark.parametrize("name", list(REQUIRED_COLUMNS))
def test_empty_layer_has_required_columns(name: str) -> None:
    frame = empty_layer(name)

    assert frame.empty
    assert frame.crs.to_epsg() == 4326
    assert set(REQUIRED_COLUMNS[name]) <= set(frame.columns)


def test_drawable_drops_missing_and_empty_geometries(layers: ZoneLayers) -> None:
    plots = layers.plots.copy()
    plots.loc[plots.index[0], "geometry"] = None
    plots.loc[plots.index[1], "geometry"] = gpd.GeoSeries.from_wkt(["POLYGON EMPTY"]).iloc[0]

    drawable = replace(layers, plots=plots).drawable("plots")

    assert len(drawable) == len(plots) - 2
