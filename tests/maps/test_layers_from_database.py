"""The frames the API reads from the database fit ZoneLayers and render (both backends)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from maps.layers import ZoneLayers
from maps.messages import label
from maps.pages import render_zone_page
from maps.testing import embedded_features, external_urls
from tests.common import make_zone


def _layers(session: Session) -> ZoneLayers:
    return ZoneLayers.from_session(session)


def test_empty_database_renders_an_empty_map(session: Session) -> None:
    html = render_zone_page(_layers(session))

    assert embedded_features(html) == []
    assert external_urls(html) == []


def test_zone_and_district_from_the_database_render_in_persian(session: Session) -> None:
    make_zone(session)

    html = render_zone_page(_layers(session), lang="fa")

    assert '<h1 class="zones-title">منطقه آزمایشی</h1>' in html
    tooltips = [f["properties"]["tooltip"] for f in embedded_features(html)]
    assert any(
        "شهرک صنعتی شماره ۱" in tip and label("status", "operating", "fa") in tip
        for tip in tooltips
    )
