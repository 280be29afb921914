"""Staff change a plot; server-controlled fields are refused; history shows who and why."""

from __future__ import annotations

import pytest

from tests.api.conftest import headers_for

PLOT = "/plots/D3/1-01"


def test_staff_change_is_applied_and_audited_with_reason(world) -> None:
    client = world["client"]
    staff = headers_for(client, "staff")
    before = client.get(PLOT).json()["properties"]
    response = client.patch(PLOT, headers=staff,
                            json={"status": "serviced", "max_coverage": 0.55,
                                  "reason": "کارگروه ۱۴۰۵/۰۹/۰۱ بند ۳"})
    assert response.status_code == 200, response.text
    assert client.get(PLOT).json()["properties"]["status"] == "serviced"
    history = client.get(f"{PLOT}/history", headers=staff).json()
    last = history["events"][-1]
    assert last["actor"] == "staff" and last["reason"] == "کارگروه ۱۴۰۵/۰۹/۰۱ بند ۳"
    assert last["before"]["status"] == before["status"]
    assert last["after"] == {"status": "serviced", "max_coverage": 0.55}
    assert [v["id"] for v in history["versions"]] == [before["id"]]


@pytest.mark.parametrize("field", [{"area_m2": 1.0}, {"geom": "POINT(0 0)"},
                                   {"id": 9}, {"valid_to": "2026-01-01T00:00:00Z"},
                                   {"code": "X"}])
def test_server_controlled_fields_are_refused(world, field) -> None:
    client = world["client"]
    response = client.patch(PLOT, headers=headers_for(client, "staff"),
                            json={"reason": "try", **field})
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert client.get(PLOT).json()["properties"]["area_m2"] > 1000


@pytest.mark.parametrize(("who", "status"), [(None, 401), ("inv", 403), ("cons", 403)])
def test_only_staff_may_change_plots(world, who, status) -> None:
    client = world["client"]
    response = client.patch(PLOT, headers=headers_for(client, who),
                            json={"status": "revoked", "reason": "not allowed"})
    assert response.status_code == status
    assert client.get(PLOT).json()["properties"]["status"] != "revoked"


@pytest.mark.parametrize(("plot", "status"), [("/plots/D3/1-01", "operating"),
                                              ("/plots/D1/1-01", "serviced")])
def test_status_edit_cannot_bypass_allocation(world, plot, status) -> None:
    """A reserved plot cannot be marked operating, nor an occupied one freed, by an edit."""
    client = world["client"]
    before = client.get(plot).json()["properties"]["status"]
    response = client.patch(plot, headers=headers_for(client, "staff"),
                            json={"status": status, "reason": "shortcut"})
    assert response.status_code == 409
    assert response.json()["code"] == "plot_status_conflict"
    assert client.get(plot).json()["properties"]["status"] == before
