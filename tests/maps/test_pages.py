"""The full map page: language, direction, header, switch link, one document."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from maps.layers import ZoneLayers, empty_layer
from maps.messages import t
from maps.pages import render_zone_page
from maps.testing import external_urls, linked_assets


def test_persian_page_is_right_to_left_by_default(layers: ZoneLayers) -> None:
    html = render_zone_page(layers)

    assert '<html lang="fa" dir="rtl">' in html


def test_english_page_is_left_to_right(layers: ZoneLayers) -> None:
    html = render_zone_page(layers, lang="en")

    assert '<html lang="en" dir="ltr">' in html


@pytest.mark.parametrize(
    ("lang", "name", "switch"),
    [
        ("fa", "منطقه آزاد انزلی", "?lang=en"),
        ("en", "Anzali Free Zone", "?lang=fa"),
    ],
)
def test_header_names_the_zone_and_links_the_other_language(
    layers: ZoneLayers, lang: str, name: str, switch: str
) -> None:
    html = render_zone_page(layers, lang=lang)

    header = html[html.index("<header") : html.index("</header>")]
    assert re.search(rf"<h1[^>]*>{name}</h1>", header)
    assert f'href="{switch}"' in header
    assert t("page.switch_language", lang) in header


def test_zone_name_falls_back_to_the_other_language(layers: ZoneLayers) -> None:
    zone = layers.zone.copy()
    zone["name_en"] = ""

    html = render_zone_page(replace(layers, zone=zone), lang="en")

    assert '<h1 class="zones-title">منطقه آزاد انزلی</h1>' in html


def test_page_without_zone_gets_a_generic_title(layers: ZoneLayers) -> None:
    html = render_zone_page(replace(layers, zone=empty_layer("zone")), lang="en")

    assert f">{t('page.zone_fallback', 'en')}</h1>" in html


def test_script_in_zone_name_is_escaped_in_header_and_title(
    xss_layers: ZoneLayers, xss: str
) -> None:
    html = render_zone_page(xss_layers)

    assert xss not in html
    assert "<title>&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize("lang", ["fa", "en"])
def test_page_is_one_document_with_the_map_inside(layers: ZoneLayers, lang: str) -> None:
    html = render_zone_page(layers, lang=lang)

    assert html.count("<html") == 1
    assert "<iframe" not in html
    assert re.search(r'<main class="zones-map">\s*<div class="folium-map"', html)
    assert "L.map(" in html


@pytest.mark.parametrize("lang", ["fa", "en"])
def test_page_links_each_local_asset_once(layers: ZoneLayers, lang: str) -> None:
    html = render_zone_page(layers, lang=lang, static_prefix="/assets")

    urls = linked_assets(html)
    assert len(urls) == len(set(urls))
    assert all(url.startswith("/assets/") for url in urls)
    assert external_urls(html) == []


def test_persian_page_loads_vazirmatn_and_bootstrap_rtl(layers: ZoneLayers) -> None:
    urls = linked_assets(render_zone_page(layers, lang="fa"))

    assert "/static/vendor/vazirmatn/Vazirmatn-font-face.css" in urls
    assert "/static/vendor/bootstrap/css/bootstrap.rtl.min.css" in urls


def test_page_stylesheet_comes_after_the_maps(layers: ZoneLayers) -> None:
    # Ours must win over Leaflet's font and Bootstrap's body styles.
    urls = linked_assets(render_zone_page(layers))

    assert urls.index("/static/maps/zones-map.css") > urls.index(
        "/static/vendor/leaflet/leaflet.css"
    )


@pytest.mark.parametrize("lang", ["fa", "en"])
def test_empty_page_renders(empty_layers: ZoneLayers, lang: str) -> None:
    html = render_zone_page(empty_layers, lang=lang)

    assert f'lang="{lang}"' in html
    assert "L.map(" in html


def test_unknown_language_is_refused(layers: ZoneLayers) -> None:
    with pytest.raises(ValueError, match="unsupported language"):
        render_zone_page(layers, lang="ar")
