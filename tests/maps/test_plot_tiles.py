"""Plots from vector tiles, the plot search box and the measuring tool, tested by rendering.

What they do in a browser is tested in ``tests/browser/test_zone_map_tiles.py``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from maps.layers import ZoneLayers
from maps.messages import MESSAGES, t
from maps.pages import render_zone_page
from maps.plot_tiles import client_config, overview_legend, tile_url
from maps.styles import PLOT_STATUS_COLOURS
from maps.testing import embedded_features, external_urls, linked_assets
from tests.maps.test_zone_map import served_file
from zones.settings import Settings

VECTORGRID = "/static/vendor/vectorgrid/Leaflet.VectorGrid.bundled.min.js"
ZONES_JS = "/static/maps/zones-map.js"


def _configs(html: str, call: str) -> list[dict]:
    """The JSON config passed to each ``zonesMap.<call>(...)`` in the page script."""
    decoder = json.JSONDecoder()
    found = []
    for match in re.finditer(rf"zonesMap\.{call}\(", html):
        rest = html[match.end():]
        if call == "plotTiles":  # (url, config)
            _, end = decoder.raw_decode(rest)
            rest = rest[end:].lstrip(" ,\n")
        else:  # (map, config)
            rest = rest.split(",", 1)[1].lstrip()
        found.append(decoder.raw_decode(rest)[0])
    return found


@pytest.mark.parametrize("lang", ["fa", "en"])
def test_tiled_page_draws_plots_from_the_tiles_not_inline(layers: ZoneLayers, lang: str) -> None:
    html = render_zone_page(layers, lang=lang, plot_tiles=True)

    assert not any("<bdi>D1-P" in f["properties"]["popup"] for f in embedded_features(html))
    assert '"/tiles/{z}/{x}/{y}"' in html
    [config] = _configs(html, "plotTiles")
    assert config["colours"] == PLOT_STATUS_COLOURS
    assert config["messages"]["field.status"] == t("field.status", lang)
    assert config["lang"] == lang and config["dir"] == ("rtl" if lang == "fa" else "ltr")


def test_inline_page_has_no_tile_layer(layers: ZoneLayers) -> None:
    html = render_zone_page(layers)

    assert _configs(html, "plotTiles") == []
    assert VECTORGRID not in linked_assets(html)
    assert sum("<bdi>D1-P" in f["properties"]["popup"] for f in embedded_features(html)) == len(
        layers.plots)


@pytest.mark.parametrize("lang", ["fa", "en"])
def test_tiled_page_links_only_local_installed_scripts(layers: ZoneLayers, node_modules: Path,
                                                       lang: str) -> None:
    html = render_zone_page(layers, lang=lang, plot_tiles=True)

    urls = linked_assets(html)
    assert VECTORGRID in urls and ZONES_JS in urls
    assert f"/static/vendor/measure/leaflet-measure.{lang}.js" in urls
    assert "/static/vendor/measure/leaflet-measure.css" in urls
    for url in urls:
        assert served_file(url, node_modules).is_file(), url
    assert external_urls(html) == []
    assert "unpkg" not in html and "jsdelivr" not in html


def test_api_root_prefixes_the_tile_and_search_urls(layers: ZoneLayers) -> None:
    html = render_zone_page(layers, plot_tiles=True, api_root="/zones/")

    assert '"/zones/tiles/{z}/{x}/{y}"' in html
    [search] = _configs(html, "searchControl")
    assert search["apiRoot"] == "/zones"
    assert tile_url("") == "/tiles/{z}/{x}/{y}"


@pytest.mark.parametrize("lang", ["fa", "en"])
def test_search_box_offers_the_districts_in_the_page_language(layers: ZoneLayers,
                                                               lang: str) -> None:
    [search] = _configs(render_zone_page(layers, lang=lang), "searchControl")

    name = "شهرک صنعتی شماره ۱" if lang == "fa" else "Estate No. 1"
    assert search["districts"] == [{"code": "D1", "label": f"D1 — {name}"}]
    assert search["messages"]["search.placeholder"] == t("search.placeholder", lang)


def test_map_without_districts_has_no_search_box(empty_layers: ZoneLayers) -> None:
    assert _configs(render_zone_page(empty_layers), "searchControl") == []


def test_script_in_a_district_name_stays_json_text(xss_layers: ZoneLayers, xss: str) -> None:
    html = render_zone_page(xss_layers, plot_tiles=True)

    assert xss not in html  # tojson writes < as \u003c: no tag in the script
    [search] = _configs(html, "searchControl")
    assert any(xss in d["label"] for d in search["districts"])  # shown as text by the JS


def test_client_config_refuses_unknown_language() -> None:
    with pytest.raises(ValueError, match="unsupported language"):
        client_config("de")


@pytest.mark.parametrize("backend", ["spatialite", "postgis"], indirect=True)
@pytest.mark.parametrize(("threshold", "tiled"), [(2000, False), (0, True)])
def test_zone_page_switches_to_tiles_above_the_threshold(demo_settings: Settings,
                                                          threshold: int, tiled: bool) -> None:
    settings = demo_settings.model_copy(update={"map_tile_threshold": threshold})
    with TestClient(create_app(settings)) as client:
        response = client.get("/")
    assert response.status_code == 200
    html = response.text
    # Only plot popups have a land-use row.
    plot_popups = [f for f in embedded_features(html)
                   if t("field.land_use", "fa") in f["properties"]["popup"]]
    assert bool(_configs(html, "plotTiles")) is tiled
    assert (len(plot_popups) == 0) is tiled
    if not tiled:
        assert len(plot_popups) > 200


@pytest.mark.parametrize("lang", ["fa", "en"])
def test_tiled_page_has_the_overview_words_and_legend_note(layers: ZoneLayers,
                                                           lang: str) -> None:
    html = render_zone_page(layers, lang=lang, plot_tiles=True)

    [config] = _configs(html, "plotTiles")
    for key in ("overview.plots", "overview.held", "overview.zoom_in"):
        assert config["messages"][key] == MESSAGES[key][lang]
    assert "minZoom" not in config  # the tiles say what they carry at each zoom
    assert str(overview_legend(lang)) in html


def test_inline_page_legend_has_no_overview_note(layers: ZoneLayers) -> None:
    assert "zones-legend-note" not in render_zone_page(layers)
