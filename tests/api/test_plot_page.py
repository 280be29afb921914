"""A plot's page shows public details to all, the allocation to staff and the holder only."""

from __future__ import annotations

import sqlalchemy as sa

from tests.api.conftest import headers_for
from zones.model import Allocation, AllocationStatus, District, Investor, Plot


def _held_plot(session, investor_ref: str) -> tuple[str, str, str]:
    """(district, code, investor name) of a plot the investor holds."""
    row = session.execute(
        sa.select(District.code, Plot.code, Investor.name_fa)
        .join(Plot, Plot.district_id == District.id)
        .join(Allocation, Allocation.plot_id == Plot.id)
        .join(Investor, Allocation.investor_id == Investor.id)
        .where(Investor.ref == investor_ref, Allocation.status == AllocationStatus.ACTIVE,
               Plot.valid_to.is_(None)).order_by(Plot.id).limit(1)).one()
    session.rollback()  # end the (writer's) transaction: the service signs users in
    return tuple(row)


def test_public_page_has_details_and_versions_but_no_allocation(world, demo_session) -> None:
    client = world["client"]
    district, code, investor = _held_plot(demo_session, world["own"])
    page = client.get(f"/plots/{district}/{code}/page")
    assert page.status_code == 200
    assert '<html lang="fa" dir="rtl">' in page.text and 'id="plot-versions"' in page.text
    assert 'id="plot-allocation"' not in page.text and investor not in page.text
    assert 'id="plot-changes"' not in page.text
    assert "cdn" not in page.text.lower() and "https://" not in page.text


def test_holder_and_staff_see_the_allocation_others_do_not(world, demo_session) -> None:
    client = world["client"]
    district, code, investor = _held_plot(demo_session, world["own"])
    url = f"/plots/{district}/{code}/page"
    holder = client.get(url, headers=headers_for(client, "inv")).text
    assert 'id="plot-allocation"' in holder and investor in holder
    assert 'id="plot-changes"' not in holder
    staff = client.get(url, headers=headers_for(client, "staff")).text
    assert 'id="plot-allocation"' in staff and 'id="plot-changes"' in staff
    other_district, other_code, other_name = _held_plot(demo_session, world["other"])
    theirs = client.get(f"/plots/{other_district}/{other_code}/page",
                        headers=headers_for(client, "inv")).text
    assert 'id="plot-allocation"' not in theirs and other_name not in theirs


def test_english_page_and_persian_digit_code(world, demo_session) -> None:
    client = world["client"]
    district, code, _ = _held_plot(demo_session, world["own"])
    persian = code.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    page = client.get(f"/plots/{district}/{persian}/page", params={"lang": "en"})
    assert page.status_code == 200 and '<html lang="en" dir="ltr">' in page.text
    assert client.get(f"/plots/{district}/nope/page").status_code == 404
