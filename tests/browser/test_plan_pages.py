"""A consultant's plan pages in headless Chromium, on both backends.

The consultant uploads district 3's demo plan through the real file input: once with known
injected problems (two overlapping plots, a bow-tie, a duplicate code) as a background job
whose progress the page follows, once clean (one plot left out) and submits it. The page
must list exactly the injected problems, draw one located element per problem, and zoom to
a problem when it is clicked.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
import shapely
from shapely import affinity

from tests.browser.conftest import sign_in
from zones.db import create_engine, session_factory
from zones.frames import plot_frame
from zones.model import District
from zones.settings import Settings

pytestmark = pytest.mark.browser

# Plot 10's own code is gone from the plan: approving it would retire that plot (a warning).
INJECTED = Counter({"plots_overlap": 1, "code_duplicate": 2, "geometry_invalid": 1,
                    "plots_retired": 1})
REVISION_PAGE = re.compile(r".*/plans/\d+\?lang=(fa|en)$")
DRAWN = "document.body.dataset.featuresDrawn !== undefined"


def _feature(geometry: shapely.Geometry, code: str, land_use: str) -> dict:
    return {"type": "Feature", "geometry": shapely.geometry.mapping(geometry),
            "properties": {"code": code, "land_use": land_use}}


def district_plots(settings: Settings, district: str) -> list[dict]:
    """A district's current demo plots as GeoJSON features (with ``status``), by code."""
    engine = create_engine(settings)
    with session_factory(engine)() as session:
        frame = plot_frame(session, where=District.code == district)
    engine.dispose()
    frame = frame[frame["district_code"] == district].sort_values("code")
    features = [_feature(g, c, u) for g, c, u in zip(frame.geometry, frame["code"],
                                                      frame["land_use"], strict=True)]
    for feature, status in zip(features, frame["status"], strict=True):
        feature["status"] = status  # beside the properties: never part of the upload
    return features


@pytest.fixture
def d3_plots(demo_settings: Settings) -> list[dict]:
    """District 3's current demo plots (its plan validates clean). Read and closed before
    the live service starts: ask for it before ``live_url``."""
    return district_plots(demo_settings, "D3")


def _write(path: Path, features: list[dict]) -> Path:
    features = [{k: v for k, v in f.items() if k != "status"} for f in features]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features},
                               ensure_ascii=False), encoding="utf-8")
    return path


def problem_plan(tmp_path: Path, plots: list[dict]) -> Path:
    """District 3's plan with exactly the INJECTED problems: a new plot inside plot 0
    (overlap), plot 10 given plot 11's code (a duplicate reported on both, and plot 10's
    code retired), a bow-tie."""
    features = [json.loads(json.dumps(f)) for f in plots]  # a deep copy
    features[10]["properties"]["code"] = features[11]["properties"]["code"]
    first = shapely.geometry.shape(plots[0]["geometry"])
    inside = affinity.scale(first, 0.6, 0.6, origin="centroid")
    c = shapely.geometry.shape(plots[20]["geometry"]).centroid
    d = 0.0001
    bowtie = shapely.Polygon([(c.x - d, c.y - d), (c.x + d, c.y + d), (c.x + d, c.y - d),
                              (c.x - d, c.y + d)])
    features += [_feature(inside, "X-OVERLAP", "industrial"),
                 _feature(bowtie, "X-BOWTIE", "industrial")]
    return _write(tmp_path / "district-3-problems.geojson", features)


def upload(page, path: Path, *, background: bool) -> None:
    """Choose district 3 and the file in the form, send it, wait for the revision page."""
    page.select_option("#upload-district", "D3")
    page.set_input_files("#upload-file", str(path))
    if background:
        page.click("#upload-advanced summary")
        page.check("#opt-background")
    with page.expect_navigation(url=REVISION_PAGE, wait_until="networkidle"):
        page.click("#upload-send")
    page.wait_for_function(DRAWN)


def _path_box(page, n: int) -> dict:
    return page.locator(f'#revision-map path[data-problem="{n}"]').bounding_box()


def test_consultant_sees_each_injected_problem_on_the_map(open_page, people, d3_plots,
                                                          live_url, backend, tmp_path) -> None:
    seen = open_page(f"{live_url}/login")
    page = seen.page
    sign_in(seen, live_url, "cons", next_url="/plans")
    assert page.url.endswith("/plans")
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.screenshot(path=str(tmp_path / f"plans-fa-{backend}.png"), full_page=True)

    upload(page, problem_plan(tmp_path, d3_plots), background=True)
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("#revision-status").get_attribute("data-status") == "draft"
    items = page.locator("#problem-list li")
    codes = items.evaluate_all("els => els.map(e => e.dataset.code)")
    assert Counter(codes) == INJECTED
    shapes = page.locator("#revision-map path.plans-problem-shape")
    drawn = shapes.evaluate_all("els => els.map(e => Number(e.dataset.problem))")
    assert sorted(drawn) == list(range(len(codes)))  # one located element per problem
    assert page.locator("#revision-submit").count() == 0  # blocking errors: no submit
    assert int(page.get_attribute("body", "data-features-drawn")) == len(d3_plots) + 2

    overlap = codes.index("plots_overlap")
    before = int(page.get_attribute("#revision-map", "data-zoom"))
    page.locator(f'#problem-list li[data-problem="{overlap}"] button').click()
    page.wait_for_function(f"Number(document.getElementById('revision-map').dataset.zoom)"
                           f" > {before}")
    page.wait_for_timeout(400)  # the zoom animation ends
    assert page.locator(f'#problem-list li[data-problem="{overlap}"]').get_attribute(
        "class").endswith("plans-active")
    box, view = _path_box(page, overlap), page.locator("#revision-map").bounding_box()
    assert "plans-problem-active" in page.locator(
        f'#revision-map path[data-problem="{overlap}"]').get_attribute("class")
    centre = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert abs(centre[0] - (view["x"] + view["width"] / 2)) < view["width"] / 4
    assert abs(centre[1] - (view["y"] + view["height"] / 2)) < view["height"] / 4
    assert box["width"] > view["width"] / 4 or box["height"] > view["height"] / 4
    assert seen.outside == [] and seen.problems == []
    page.screenshot(path=str(tmp_path / f"plan-revision-problems-fa-{backend}.png"),
                    full_page=True)


def test_clean_revision_is_submitted_from_its_page(open_page, people, d3_plots, live_url,
                                                   backend, tmp_path) -> None:
    seen = open_page(f"{live_url}/login?lang=en")
    page = seen.page
    sign_in(seen, live_url, "cons", next_url="/plans?lang=en", lang="en")
    assert page.locator("html").get_attribute("dir") == "ltr"
    clean = _write(tmp_path / "district-3-clean.geojson", d3_plots[1:])

    upload(page, clean, background=False)
    assert page.locator("html").get_attribute("dir") == "ltr"
    # Leaving plot 0 out retires it: one warning, naming it; a warning does not block.
    warned = page.locator("#problem-list li")
    assert warned.evaluate_all("els => els.map(e => e.dataset.code)") == ["plots_retired"]
    assert d3_plots[0]["properties"]["code"] in warned.first.text_content()
    page.wait_for_function("document.body.dataset.diffLoaded === '1'")
    assert page.text_content("#diff-count-removed") == "1"
    assert page.text_content("#diff-count-unchanged") == str(len(d3_plots) - 1)
    assert page.locator('#diff-changes tr[data-kind="removed"]').count() == 1
    page.check("#diff-toggle")
    page.wait_for_selector("#revision-map path.plans-diff-shape")

    page.click("#revision-submit")
    page.wait_for_selector('#revision-status[data-status="submitted"]')
    assert page.text_content("#revision-status") == "Submitted"
    assert page.locator("#revision-done").is_visible()
    assert page.locator("#revision-alert").is_hidden()
    page.screenshot(path=str(tmp_path / f"plan-revision-submitted-en-{backend}.png"),
                    full_page=True)

    page.goto(f"{live_url}/plans?lang=en", wait_until="networkidle")
    first = page.locator("#revisions-table tbody tr").first
    assert first.locator(".plans-status").text_content() == "Submitted"
    assert seen.outside == [] and seen.problems == []
    page.screenshot(path=str(tmp_path / f"plans-en-{backend}.png"), full_page=True)


def test_diff_warns_when_an_allocated_plot_would_change(open_page, people, demo_settings,
                                                       live_url, backend, tmp_path) -> None:
    plots = district_plots(demo_settings, "D1")
    held = next(f for f in plots if f["status"] in ("allocated", "operating"))
    code = held["properties"]["code"]
    seen = open_page(f"{live_url}/login?lang=en")
    page = seen.page
    sign_in(seen, live_url, "cons", next_url="/plans?lang=en", lang="en")
    page.select_option("#upload-district", "D1")
    page.set_input_files("#upload-file", str(_write(tmp_path / "district-1.geojson",
                                                    [f for f in plots if f is not held])))
    with page.expect_navigation(url=REVISION_PAGE, wait_until="networkidle"):
        page.click("#upload-send")
    page.wait_for_function("document.body.dataset.diffLoaded === '1'")
    assert page.text_content("#diff-count-removed") == "1"
    warnings = page.locator("#diff-warnings")
    assert warnings.is_visible()
    assert f"held plot {code} ({held['status']}) would be removed" in warnings.text_content()
    assert seen.outside == [] and seen.problems == []
    page.screenshot(path=str(tmp_path / f"plan-revision-held-en-{backend}.png"), full_page=True)


def test_refused_file_shows_its_problem(open_page, people, live_url, backend,
                                        tmp_path) -> None:
    seen = open_page(f"{live_url}/login")
    page = seen.page
    sign_in(seen, live_url, "cons", next_url="/plans")
    bad = tmp_path / "no-crs.geojson"
    _write(bad, [_feature(shapely.box(400_000, 4_150_000, 400_050, 4_150_040), "P-1",
                          "industrial")])
    page.select_option("#upload-district", "D3")
    page.set_input_files("#upload-file", str(bad))
    page.click("#upload-send")
    alert = page.locator("#upload-alert[role=alert]")
    alert.wait_for(state="visible")
    assert alert.locator(".plans-problem-code").text_content() == "crs_missing"
    assert "no-crs.geojson" in alert.locator(".plans-problem-where").text_content()
    assert page.url.endswith("/plans")
    # The refusal is a 400 the browser logs as a failed resource; nothing else may fail.
    assert [p for p in seen.problems if "status of 400" not in p] == []
    assert seen.outside == []
    page.screenshot(path=str(tmp_path / f"plans-refused-fa-{backend}.png"), full_page=True)


def test_investor_gets_403_on_plans(open_page, people, live_url) -> None:
    seen = open_page(f"{live_url}/login")
    sign_in(seen, live_url, "inv", next_url="/")
    response = seen.page.goto(f"{live_url}/plans", wait_until="networkidle")
    assert response.status == 403
