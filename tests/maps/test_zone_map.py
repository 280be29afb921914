"""The zone map, tested by rendering it to HTML and reading what the browser would get."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import folium
import geopandas as gpd
import pytest
from folium.plugins import Fullscreen

from maps.assets import STATIC_DIR, VENDOR
from maps.layers import REQUIRED_COLUMNS, ZoneLayers, empty_layer
from maps.messages import label, t
from maps.styles import INFRA_DASH, PLOT_STATUS_COLOURS
from maps.testing import embedded_features, external_urls, linked_assets
from maps.zone_map import build_zone_map, use_local_assets


def render(layers: ZoneLayers, **kwargs) -> str:
    return build_zone_map(layers, **kwargs).get_root().render()


def served_file(url: str, node_modules: Path, prefix: str = "/static") -> Path:
    """The file the API's static mounts would answer ``url`` with."""
    rest = url.removeprefix(prefix)
    if rest.startswith("/maps/"):
        return STATIC_DIR / rest.removeprefix("/maps/")
    mount, _, path = rest.removeprefix("/vendor/").partition("/")
    return node_modules / VENDOR[mount] / path


def plot_features(html: str) -> list[dict]:
    return [
        f
        for f in embedded_features(html)
        if "fillColor" in f["properties"]["style"]
        and f["properties"]["style"]["fillColor"] in PLOT_STATUS_COLOURS.values()
    ]


@pytest.mark.parametrize("lang", ["fa", "en"])
def test_every_linked_asset_is_local_and_installed(
    layers: ZoneLayers, node_modules: Path, lang: str
) -> None:
    html = render(layers, lang=lang)

    urls = linked_assets(html)
    assert urls, "the map links no scripts at all"
    for url in urls:
        assert url.startswith("/static/"), url
        assert served_file(url, node_modules).is_file(), url


@pytest.mark.parametrize("lang", ["fa", "en"])
@pytest.mark.parametrize("which", ["full", "empty"])
def test_rendered_map_has_no_external_url(
    layers: ZoneLayers, empty_layers: ZoneLayers, lang: str, which: str
) -> None:
    html = render(layers if which == "full" else empty_layers, lang=lang)

    assert external_urls(html) == []


def test_folium_class_defaults_are_left_alone(layers: ZoneLayers) -> None:
    # We set instance lists; the class lists are shared by every folium map in the process.
    before = list(folium.Map.default_js)
    render(layers)
    assert folium.Map.default_js == before


def test_plugin_without_a_local_copy_is_refused() -> None:
    m = folium.Map(tiles=None)
    Fullscreen().add_to(m)

    with pytest.raises(ValueError, match="not served locally"):
        use_local_assets(m)


def test_each_plot_is_filled_with_its_status_colour(layers: ZoneLayers) -> None:
    html = render(layers, lang="en")

    shown = {
        f["properties"]["style"]["fillColor"]: f["properties"]["tooltip"]
        for f in plot_features(html)
    }
    for status, colour in PLOT_STATUS_COLOURS.items():
        assert label("status", status, "en") in shown[colour]


def test_plot_with_unknown_status_is_grey_not_missing(layers: ZoneLayers) -> None:
    plots = layers.plots.copy()
    plots["status"] = "surveyed"

    html = render(replace(layers, plots=plots), lang="en")

    fills = {f["properties"]["style"].get("fillColor") for f in embedded_features(html)}
    assert "#bdbdbd" in fills


@pytest.mark.parametrize("lang", ["fa", "en"])
def test_legend_lists_every_plot_status_in_the_page_language(layers: ZoneLayers, lang: str) -> None:
    html = render(layers, lang=lang)

    legend = html[html.index('class="zones-legend') :]
    assert t("legend.plots", lang) in legend
    for status, colour in PLOT_STATUS_COLOURS.items():
        assert label("status", status, lang) in legend
        assert f"background:{colour}" in legend


def test_legend_is_shown_on_an_empty_map(empty_layers: ZoneLayers) -> None:
    html = render(empty_layers, lang="fa")

    assert label("status", "idle", "fa") in html


def test_persian_popup_shows_persian_digits(layers: ZoneLayers) -> None:
    html = render(layers, lang="fa")

    popup = plot_features(html)[0]["properties"]["popup"]
    assert "۲٬۵۰۰ متر مربع" in popup  # the first plot's 2,500 m²
    assert label("status", "planned", "fa") in popup
    assert label("land_use", "warehouse", "fa") in popup
    assert 'dir="rtl"' in popup


def test_english_popup_shows_latin_digits(layers: ZoneLayers) -> None:
    html = render(layers, lang="en")

    popup = plot_features(html)[0]["properties"]["popup"]
    assert "2,500 m²" in popup
    assert "Warehouse" in popup
    assert 'dir="ltr"' in popup


def test_popup_shows_code_district_status_land_use_and_area(layers: ZoneLayers) -> None:
    html = render(layers, lang="en")

    popup = plot_features(html)[0]["properties"]["popup"]
    for field in ("field.district", "field.status", "field.land_use", "field.area"):
        assert t(field, "en") in popup
    assert "<bdi>D1-P001</bdi>" in popup


def test_script_in_names_and_codes_is_escaped(xss_layers: ZoneLayers, xss: str) -> None:
    html = render(xss_layers, lang="fa")

    assert xss not in html
    texts = [f["properties"][key] for f in embedded_features(html) for key in ("tooltip", "popup")]
    assert not any(xss in text for text in texts)
    assert sum("&lt;script&gt;alert(1)&lt;/script&gt;" in text for text in texts) >= 4


def test_only_escaped_text_reaches_the_browser(layers: ZoneLayers) -> None:
    # Raw columns (codes, names) are not shipped: a client template can't misuse them.
    html = render(layers)

    for feature in embedded_features(html):
        assert set(feature["properties"]) == {"tooltip", "popup", "style"}


@pytest.mark.parametrize("lang", ["fa", "en"])
def test_empty_layers_render(empty_layers: ZoneLayers, lang: str) -> None:
    html = render(empty_layers, lang=lang)

    assert "L.map(" in html
    assert embedded_features(html) == []
    assert "L.control.layers" not in html  # nothing to switch


def test_frames_without_columns_or_crs_render_when_empty() -> None:
    bare = ZoneLayers(**{name: gpd.GeoDataFrame() for name in REQUIRED_COLUMNS})

    html = render(bare)

    assert "L.map(" in html


def test_rows_without_geometry_are_skipped(layers: ZoneLayers) -> None:
    plots = layers.plots.copy()
    plots.loc[plots.index[0], "geometry"] = None

    html = render(replace(layers, plots=plots))

    assert len(plot_features(html)) == len(layers.plots) - 1


def test_only_some_layers_filled_still_renders(layers: ZoneLayers) -> None:
    only_plots = replace(ZoneLayers.empty(), plots=layers.plots, zone=empty_layer("zone"))

    html = render(only_plots, lang="en")

    assert len(plot_features(html)) == len(layers.plots)
    assert "fitBounds" in html  # fitted to the plots when there is no zone


def test_map_is_fitted_to_the_districts(layers: ZoneLayers) -> None:
    """The zone is ~70 km wide; the estates people work on must be visible at once."""
    import pandas as pd

    working = pd.concat([layers.districts.geometry, layers.expansion_areas.geometry])
    min_lon, min_lat, max_lon, max_lat = working.total_bounds

    html = render(layers)

    call = html[html.index("fitBounds(") :]
    corners = [float(n) for n in re.findall(r"-?\d+\.\d+", call[: call.index("]]")])]
    assert corners == pytest.approx([min_lat, min_lon, max_lat, max_lon])


def test_infrastructure_has_one_layer_per_network(layers: ZoneLayers) -> None:
    html = render(layers, lang="en")

    overlays = html[html.index("overlays :") : html.index("L.control.layers(")]
    for network in ("road", "power", "sewer"):
        assert f'"Infrastructure: {label("network", network, "en")}"' in overlays
    assert overlays.count("Infrastructure:") == 3


def test_infrastructure_is_dashed_by_status(layers: ZoneLayers) -> None:
    html = render(layers, lang="en")

    by_name = {}
    for feature in embedded_features(html):
        tooltip = feature["properties"]["tooltip"]
        by_name[tooltip] = feature["properties"]["style"]
    planned = next(s for tip, s in by_name.items() if "20 kV feeder" in tip)
    building = next(s for tip, s in by_name.items() if "substation" in tip)
    complete = next(s for tip, s in by_name.items() if "Spine road" in tip)
    assert planned["dashArray"] == INFRA_DASH["planned"]
    assert building["dashArray"] == INFRA_DASH["under_construction"]
    assert "dashArray" not in complete


def test_protected_area_has_a_dashed_buffer_layer(layers: ZoneLayers) -> None:
    html = render(layers, lang="en")

    assert f'"{t("layer.protected_buffers", "en")}"' in html
    styles = [f["properties"]["style"] for f in embedded_features(html)]
    assert any(s.get("dashArray") and s.get("fill") is False for s in styles)


def test_customs_sites_use_local_font_awesome_markers(layers: ZoneLayers) -> None:
    html = render(layers)

    assert "L.AwesomeMarkers" in html
    assert '"prefix": "fa"' in html


def test_no_basemap_means_no_tile_layer(layers: ZoneLayers) -> None:
    html = render(layers)

    assert "L.tileLayer" not in html


def test_basemap_url_adds_a_tile_layer(layers: ZoneLayers) -> None:
    html = render(layers, basemap_url="/tiles/{z}/{x}/{y}.png", basemap_attribution="Our tiles")

    assert "L.tileLayer" in html
    assert "/tiles/{z}/{x}/{y}.png" in html
    assert "Our tiles" in html
    assert "setPrefix(false)" in html  # no link to leafletjs.com in the corner
    assert external_urls(html) == []


def test_scale_bar_is_shown(layers: ZoneLayers) -> None:
    assert "L.control.scale()" in render(layers)


def test_zoom_control_sits_where_the_reader_starts(layers: ZoneLayers) -> None:
    assert '"topright"' in render(layers, lang="fa").split("L.control.zoom")[1][:80]
    assert '"topleft"' in render(layers, lang="en").split("L.control.zoom")[1][:80]


def test_unknown_language_is_refused(layers: ZoneLayers) -> None:
    with pytest.raises(ValueError, match="unsupported language 'de'"):
        build_zone_map(layers, lang="de")


def test_map_without_districts_is_fitted_to_the_zone(layers: ZoneLayers) -> None:
    from dataclasses import replace

    bare = replace(layers, districts=layers.districts.iloc[:0],
                   expansion_areas=layers.expansion_areas.iloc[:0])
    min_lon, min_lat, max_lon, max_lat = layers.zone.total_bounds
    html = render(bare)
    call = html[html.index("fitBounds(") :]
    corners = [float(n) for n in re.findall(r"-?\d+\.\d+", call[: call.index("]]")])]
    assert corners == pytest.approx([min_lat, min_lon, max_lat, max_lon])
