"""The zone map shows production units to everyone, but an investor's name and the unit's
page link only to those who may see that investor (staff roles; the investor itself)."""

from __future__ import annotations

import json

import sqlalchemy as sa

from tests.api.conftest import headers_for
from zones.db import create_engine, session_factory
from zones.model import Investor


def _names(settings, refs: list[str]) -> dict[str, str]:
    engine = create_engine(settings)
    with session_factory(engine)() as session:
        rows = session.execute(sa.select(Investor.ref, Investor.name_fa)
                               .where(Investor.ref.in_(refs))).all()
    engine.dispose()
    return dict(rows)


def _shows(html: str, text: str) -> bool:
    # folium writes popups into JSON: non-ASCII text may be \\u-escaped there.
    return text in html or json.dumps(text)[1:-1] in html


def test_investor_names_only_for_those_allowed(world, demo_settings) -> None:
    client = world["client"]
    names = _names(demo_settings, [world["own"], world["other"]])
    own, other = names[world["own"]], names[world["other"]]
    page = client.get("/")
    assert page.status_code == 200
    assert _shows(page.text, "واحدهای تولیدی")  # the units layer is there
    assert not _shows(page.text, own) and not _shows(page.text, other)
    every_unit = world["units"][world["own"]] | world["units"][world["other"]]
    assert all(f"units/{u}/page" not in page.text for u in every_unit)  # no page links

    staff = client.get("/", headers=headers_for(client, "staff")).text
    assert _shows(staff, own) and _shows(staff, other)

    mine = client.get("/", headers=headers_for(client, "inv")).text
    assert _shows(mine, own) and not _shows(mine, other)
    unit = sorted(world["units"][world["own"]])[0]
    assert f"units/{unit}/page" in mine
    assert all(f"units/{u}/page" not in mine for u in world["units"][world["other"]])
