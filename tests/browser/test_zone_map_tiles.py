"""The zone map with its plots from vector tiles, in headless Chromium, on both backends.

The demo zone (~220 plots) is served with ``map_tile_threshold=0`` so every plot comes
from ``/tiles/{z}/{x}/{y}`` and is drawn on canvas by Leaflet.VectorGrid, as a 10,000-plot
district is; farther out than the plot zoom the tiles carry the district overview. Canvas
draws no element per plot, so the page reports what it drew (``data-plots-drawn`` and
``data-districts-drawn`` on the map container, the plot ids in its ``zonesPlotsDrawn``).
"""

from __future__ import annotations

import math
import re
from urllib.parse import urlparse

import pytest
import sqlalchemy as sa
from geoalchemy2.shape import to_shape
from shapely.geometry import Point, shape

from zones.frames import plot_frame
from zones.model import District, Plot

pytestmark = pytest.mark.browser

MAP = "window[document.querySelector('.folium-map').id]"
LOADED = "() => document.querySelector('.folium-map').dataset.plotsDrawn !== undefined"


def _on_service(seen, base: str) -> None:
    origin = urlparse(base).netloc
    assert seen.requested, "the page made no request at all"
    assert [url for url in seen.requested if urlparse(url).netloc != origin] == []
    assert seen.outside == [] and seen.problems == []


def _plot(session, district: str, code: str):
    frame = plot_frame(session, where=sa.and_(District.code == district, Plot.code == code))
    return frame.iloc[0]


def _zoom_to(page, lat: float, lon: float, zoom: int) -> None:
    """Centre the map on a point and wait until the tiles of the new view are drawn."""
    page.evaluate(f"""() => {{
        const box = document.querySelector('.folium-map');
        delete box.dataset.plotsDrawn;
        {MAP}.setView([{lat}, {lon}], {zoom}, {{animate: false}});
    }}""")
    page.wait_for_function(LOADED)


def _click_at(page, lat: float, lon: float) -> None:
    x, y = page.evaluate(f"""() => {{
        const map = {MAP};
        const p = map.latLngToContainerPoint([{lat}, {lon}]);
        const r = map.getContainer().getBoundingClientRect();
        return [r.left + p.x, r.top + p.y];
    }}""")
    page.mouse.click(x, y)


def _bare_point(page, polygon) -> tuple[float, float]:
    """A point of ``polygon`` where the map shows its tiles (no marker or line on top)."""
    min_x, min_y, max_x, max_y = polygon.bounds
    for i in range(1, 10):
        for j in range(1, 10):
            lon, lat = min_x + (max_x - min_x) * i / 10, min_y + (max_y - min_y) * j / 10
            if not polygon.contains(Point(lon, lat)):
                continue
            top = page.evaluate(f"""() => {{
                const map = {MAP};
                const p = map.latLngToContainerPoint([{lat}, {lon}]);
                const r = map.getContainer().getBoundingClientRect();
                return document.elementFromPoint(r.left + p.x, r.top + p.y).tagName;
            }}""")
            if top == "CANVAS":
                return lat, lon
    raise AssertionError("no bare point in the polygon")


def test_tiled_map_draws_the_plots_in_view(open_page, tiled_url, demo_session, backend,
                                          tmp_path) -> None:
    plots = plot_frame(demo_session)
    seen = open_page(f"{tiled_url}/")
    page = seen.page
    d1 = plots[plots["district_code"] == "D1"].total_bounds
    _zoom_to(page, (d1[1] + d1[3]) / 2, (d1[0] + d1[2]) / 2, 15)
    drawn = set(page.evaluate("() => Array.from("
                              "document.querySelector('.folium-map').zonesPlotsDrawn)"))
    west, south, east, north = page.evaluate(
        f"() => {{ const b = {MAP}.getBounds(); "
        "return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; }")
    in_view = set(plots.cx[west:east, south:north]["id"])
    assert len(in_view) > 20
    assert in_view <= drawn  # every plot in view is drawn ...
    assert drawn <= set(plots["id"])  # ... and nothing that is not a current plot
    assert int(page.locator(".folium-map").get_attribute("data-plots-drawn")) == len(drawn)
    # Nothing inline: no plot GeoJSON in the page, so no SVG path per plot.
    assert page.locator("path.leaflet-interactive:not(.zones-unit)").count() < 100
    assert any("/tiles/" in url for url in seen.requested)
    _on_service(seen, tiled_url)
    page.screenshot(path=str(tmp_path / f"zone-tiles-fa-{backend}.png"))


@pytest.mark.parametrize(("lang", "status_label", "area_fragment"),
                         [("fa", "وضعیت", "متر مربع"), ("en", "Status", "m²")])
def test_clicking_a_tile_plot_opens_its_popup(open_page, tiled_url, demo_session, backend,
                                              lang, status_label, area_fragment,
                                              tmp_path) -> None:
    from maps.messages import label

    plot = _plot(demo_session, "D1", "1-05")
    point = plot.geometry.representative_point()
    seen = open_page(f"{tiled_url}/?lang={lang}")
    page = seen.page
    _zoom_to(page, point.y, point.x, 18)
    _click_at(page, point.y, point.x)
    popup = page.locator(".leaflet-popup-content .zones-popup")
    popup.wait_for()
    assert popup.locator("h3").inner_text() == "1-05"
    assert popup.get_attribute("dir") == ("rtl" if lang == "fa" else "ltr")
    text = popup.inner_text()
    assert status_label in text
    assert label("status", plot["status"], lang) in text
    assert area_fragment in text
    if lang == "fa":  # Persian digits in the area, none of 0-9
        area_row = popup.locator("tr", has_text="مساحت").inner_text()
        assert any("۰" <= c <= "۹" for c in area_row)
        assert not any("0" <= c <= "9" for c in area_row)
    _on_service(seen, tiled_url)
    page.screenshot(path=str(tmp_path / f"zone-tiles-popup-{lang}-{backend}.png"))


def test_search_with_persian_digits_finds_the_plot(open_page, tiled_url, demo_session,
                                                   backend, tmp_path) -> None:
    from maps.messages import label

    plot = _plot(demo_session, "D1", "1-05")
    seen = open_page(f"{tiled_url}/")
    page = seen.page
    page.select_option(".zones-search-district", "D1")
    page.fill(".zones-search-code", "۱-۰۵")
    page.click(".zones-search-go")
    popup = page.locator(".leaflet-popup-content .zones-popup")
    popup.wait_for()
    assert popup.locator("h3").inner_text() == "1-05"
    assert label("status", plot["status"], "fa") in popup.inner_text()
    # The map zoomed to the plot: its centre lies inside the plot's bounds.
    centre = page.evaluate(f"() => {{ const c = {MAP}.getCenter(); return [c.lng, c.lat]; }}")
    min_x, min_y, max_x, max_y = shape(plot.geometry).bounds
    assert min_x <= centre[0] <= max_x and min_y <= centre[1] <= max_y
    assert page.evaluate(f"() => {MAP}.getZoom()") >= 17
    _on_service(seen, tiled_url)
    page.screenshot(path=str(tmp_path / f"zone-search-fa-{backend}.png"))


def test_search_for_an_unknown_code_says_so(open_page, tiled_url, backend) -> None:
    seen = open_page(f"{tiled_url}/?lang=en")
    page = seen.page
    page.select_option(".zones-search-district", "D1")
    page.fill(".zones-search-code", "<b>99-99</b>")
    page.click(".zones-search-go")
    status = page.locator(".zones-search-status")
    status.filter(has_text="No plot").wait_for()
    assert page.locator(".leaflet-popup").count() == 0
    # The 404 is the answer, not a failure of the page.
    assert [p for p in seen.problems if "404" not in p] == []


@pytest.mark.parametrize(("lang", "direction"), [("fa", "rtl"), ("en", "ltr")])
def test_tiled_page_direction_and_measure_tool(open_page, tiled_url, backend, lang,
                                               direction) -> None:
    seen = open_page(f"{tiled_url}/?lang={lang}")
    page = seen.page
    assert page.locator("html").get_attribute("dir") == direction
    assert page.locator(".leaflet-control-scale").count() == 1
    toggle = page.locator(".leaflet-control-measure-toggle")
    assert toggle.count() == 1
    page.locator(".leaflet-control-measure").hover()  # expands to its start prompt
    prompt = page.locator(".leaflet-control-measure .js-startprompt h3")
    prompt.wait_for()
    # leaflet-measure's own build for the page language.
    assert prompt.inner_text().strip() == ("اندازه گیری فاصله و مساحت" if lang == "fa"
                                           else "Measure distances and areas")
    _on_service(seen, tiled_url)


def test_measuring_tool_measures_a_distance_in_metres(open_page, tiled_url, backend) -> None:
    seen = open_page(f"{tiled_url}/?lang=en")
    page = seen.page
    lat, lon = page.evaluate(f"() => {{ const c = {MAP}.getCenter(); return [c.lat, c.lng]; }}")
    _zoom_to(page, lat, lon, 18)  # half a metre per pixel: clicks land within a metre
    page.locator(".leaflet-control-measure").hover()
    page.locator(".leaflet-control-measure .js-start").click()
    east = lon + 100 / (111_320 * math.cos(math.radians(lat)))  # 100 m due east
    _click_at(page, lat, lon)
    _click_at(page, lat, east)
    results = page.locator(".leaflet-control-measure .js-results")
    results.filter(has_text="Meters").wait_for()
    metres = float(re.search(r"([\d,.]+) Meters", results.inner_text()).group(1).replace(",", ""))
    assert 98 <= metres <= 102
    _on_service(seen, tiled_url)


def test_far_out_the_tiles_draw_the_district_overview(open_page, tiled_url, demo_session,
                                                     backend, tmp_path) -> None:
    from maps.plot_tiles import MIN_ZOOM

    district = demo_session.execute(
        sa.select(District.boundary).where(District.code == "D1")).scalar_one()
    point = to_shape(district).representative_point()
    plots = plot_frame(demo_session)
    d1 = plots[plots["district_code"] == "D1"]
    seen = open_page(f"{tiled_url}/?lang=en")
    page = seen.page
    _zoom_to(page, point.y, point.x, MIN_ZOOM)  # plots from the plot zoom on ...
    plots_drawn = int(page.locator(".folium-map").get_attribute("data-plots-drawn"))
    assert plots_drawn > 0
    _zoom_to(page, point.y, point.x, MIN_ZOOM - 2)  # ... the overview farther out
    box = page.locator(".folium-map")
    assert int(box.get_attribute("data-districts-drawn")) >= 1
    assert int(box.get_attribute("data-plots-drawn")) == plots_drawn  # no plot came
    lat, lon = _bare_point(page, to_shape(district))  # not on a unit marker
    _click_at(page, lat, lon)
    popup = page.locator(".leaflet-popup-content .zones-district-popup")
    popup.wait_for()
    assert popup.locator("h3").inner_text().startswith("D1")
    plots_row = popup.locator("tr", has_text="Plots").inner_text()
    assert plots_row.split()[-1] == f"{len(d1):,}"
    assert "Zoom in" in popup.inner_text()
    assert "most common plot status" in page.locator(".zones-legend").inner_text()
    _on_service(seen, tiled_url)
    page.screenshot(path=str(tmp_path / f"zone-overview-en-{backend}.png"))
