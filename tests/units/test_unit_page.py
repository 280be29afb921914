"""A unit's page: its investor and staff see it, with capacity over time; others get 404."""

from __future__ import annotations

import json
import re

from tests.api.conftest import headers_for


def test_unit_page_shows_capacity_over_time_to_its_investor(world, as_user) -> None:
    client, inv = world["client"], as_user("inv")
    own = sorted(world["units"][world["own"]])[0]
    for end, capacity, output in (("2026-03-20", 1000, 420), ("2026-09-22", 1500, 910)):
        inv("POST", f"/units/{own}/output", 201,
            json={"period_start": "2026-01-01" if end < "2026-06" else "2026-03-21",
                  "period_end": end, "output": output, "capacity": capacity,
                  "unit_of_measure": "t"})
    page = client.get(f"/units/{own}/page", headers=headers_for(client, "inv"))
    assert page.status_code == 200 and '<html lang="fa" dir="rtl">' in page.text
    chart = json.loads(re.search(r'id="capacity-data">(.*?)</script>', page.text).group(1))
    assert chart["series"][0]["data"] == [1000, 1500]
    assert chart["series"][1]["data"] == [420, 910]
    assert chart["labels"] == ["۱۴۰۴/۱۲/۲۹", "۱۴۰۵/۰۶/۳۱"]  # Jalali, Persian digits
    assert "۱٬۵۰۰" in page.text  # the table carries the same figures, in Persian digits
    scripts = re.findall(r'<script src="([^"]+)"', page.text)
    assert scripts and all(client.get(s).status_code == 200 for s in scripts)


def test_unit_page_is_private_to_its_investor_and_staff(world) -> None:
    client = world["client"]
    own = sorted(world["units"][world["own"]])[0]
    other = sorted(world["units"][world["other"]])[0]
    assert client.get(f"/units/{other}/page", headers=headers_for(client, "inv")
                      ).status_code == 404
    assert client.get(f"/units/{own}/page").status_code == 401
    assert client.get(f"/units/{own}/page", headers=headers_for(client, "cons")
                      ).status_code == 403
    staff = client.get(f"/units/{other}/page", params={"lang": "en"},
                       headers=headers_for(client, "staff"))
    assert staff.status_code == 200 and '<html lang="en" dir="ltr">' in staff.text
