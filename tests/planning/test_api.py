"""Planning endpoints on both backends: who may run analyses, what they answer, saving."""

from __future__ import annotations

import pytest

from tests.api.conftest import headers_for

SQUARE = {"type": "Polygon", "coordinates": [[[49.54, 37.45], [49.546, 37.45], [49.546, 37.455],
                                              [49.54, 37.455], [49.54, 37.45]]]}


def test_layout_of_the_expansion_is_saved_as_a_scenario(world) -> None:
    client = world["client"]
    cons = headers_for(client, "cons")
    body = {"expansion_code": "d2-x", "save": True, "title": "طرح توسعه كيش ٢",
            "scenarios": {"small": {"target_plot_area_m2": 2500},
                          "large": {"target_plot_area_m2": 5000, "angle_deg": 10}}}
    response = client.post("/planning/layouts", json=body, headers=cons)
    assert response.status_code == 200, response.text
    result = response.json()
    small, large = (s["capacity"] for s in result["scenarios"])
    assert small["plots"] > large["plots"] > 0
    assert 0.5 < small["net_to_gross"] < 0.8
    figures = {row["figure"]: row for row in result["comparison"]}
    assert figures["plots"]["small"] == small["plots"]
    parcels = [f for f in result["scenarios"][0]["layout"]["features"]
               if f["properties"].get("use") == "plot"]
    assert len(parcels) == small["plots"]
    lon, lat = parcels[0]["geometry"]["coordinates"][0][0]
    assert 49 < lon < 50 and 37 < lat < 38  # served in EPSG:4326

    listed = client.get("/planning/scenarios", headers=cons).json()["items"]
    assert [s["id"] for s in listed] == [result["scenario_id"]]
    saved = client.get(f"/planning/scenarios/{result['scenario_id']}", headers=cons).json()
    assert saved["kind"] == "layout" and saved["created_by"] == "cons"
    assert saved["title"] == "طرح توسعه کیش 2"  # Arabic letters and digits normalised
    assert saved["inputs"]["scenarios"]["large"]["angle_deg"] == 10
    assert saved["results"]["scenarios"][1]["capacity"] == large
    assert client.get("/planning/scenarios/999999", headers=cons).json()["code"] == \
        "scenario_not_found"
    events = client.get("/audit-events", headers=headers_for(client, "staff"),
                        params={"entity": "planning_scenario"}).json()["items"]
    assert [(e["entity_id"], e["actor"], e["action"]) for e in events] == \
        [(result["scenario_id"], "cons", "create")]


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"expansion_code": "nope"}, 404, "expansion_area_not_found"),
    ({"geometry": SQUARE, "scenarios": {"a": {"plot_depth_m": 50, "id": 3}}}, 422,
     "validation_error"),
    ({"geometry": SQUARE, "scenarios": {"a": {"green_share": 0.6, "utility_share": 0.5}}}, 400,
     "layout_parameters_invalid"),
    ({"geometry": {"type": "Polygon", "coordinates": [[[49.54, 37.45], [49.55, 37.46],
                                                       [49.55, 37.45], [49.54, 37.46],
                                                       [49.54, 37.45]]]}}, 400,
     "invalid_geometry"),
    ({"geometry": {"type": "Polygon", "coordinates": [[[40, 30], [60, 30], [60, 40],
                                                       [40, 30]]]}}, 400,
     "layout_area_too_large"),
    ({}, 400, "invalid_input"),
])
def test_bad_layout_requests_are_refused_with_a_code(world, body, status, code) -> None:
    client = world["client"]
    response = client.post("/planning/layouts", json=body, headers=headers_for(client, "staff"))
    assert response.status_code == status, response.text
    assert response.json()["code"] == code


def test_only_analysts_run_analyses_but_anyone_reads_readiness(world) -> None:
    client = world["client"]
    for who, status in ((None, 401), ("inv", 403)):
        headers = headers_for(client, who)
        assert client.post("/planning/layouts", json={"geometry": SQUARE},
                           headers=headers).status_code == status
        assert client.post("/planning/customs-siting", json={},
                           headers=headers).status_code == status
        assert client.get("/districts/D3/serviceability", headers=headers).status_code == status
        assert client.get("/planning/scenarios", headers=headers).status_code == status
        assert client.get("/districts/D3/readiness", headers=headers).status_code == 200
    for who in ("staff", "wg", "admin"):
        response = client.post("/planning/layouts", json={"geometry": SQUARE},
                               headers=headers_for(client, who))
        assert response.status_code == 200, response.text


def test_readiness_moves_when_staff_mark_works_complete(world) -> None:
    client = world["client"]
    before = client.get("/districts/D3/readiness").json()
    power = next(n for n in before["networks"] if n["network"] == "power")
    assert power["share_length"] == 0 and power["share_capacity"] == 1
    feeder = power["remaining"][0]
    staff = headers_for(client, "staff")
    response = client.patch(f"/infrastructure/{feeder['id']}", headers=staff,
                            json={"status": "complete", "reason": "تحویل فیدر"})
    assert response.status_code == 200, response.text
    after = client.get("/districts/D3/readiness").json()
    power = next(n for n in after["networks"] if n["network"] == "power")
    assert power["share_length"] == 1 and power["remaining"] == []
    assert after["plots"]["plots"] == before["plots"]["plots"] == 42
    served = client.get("/districts/D3/serviceability", headers=staff).json()
    near_spine = [f for f in served["features"] if f["properties"]["networks"]["road"] == "now"]
    assert near_spine and all(f["properties"]["networks"]["power"] == "now"
                              for f in near_spine)
    assert {d["network"] for d in served["demand_vs_capacity"]} == {"power", "water", "sewer"}
    assert client.get("/districts/X9/readiness").json()["code"] == "district_not_found"


def test_customs_siting_ranks_given_sites_and_saves(world) -> None:
    client = world["client"]
    wg = headers_for(client, "wg")
    body = {"district": "D3", "p": 2, "model": "p_median", "fixed": ["C4"], "save": True}
    response = client.post("/planning/customs-siting", json=body, headers=wg)
    assert response.status_code == 200, response.text
    result = response.json()
    assert "C4" in result["chosen"] and len(result["chosen"]) == 2
    ranks = [r["rank"] for r in result["ranked"]]
    assert ranks == sorted(ranks)
    best = result["ranked"][0]
    assert best["code"] in ("C1", "C2") and best["eligible"]
    kinds = {f["properties"]["layer"] for f in result["explanation"]["features"]}
    assert kinds == {"site", "demand"}
    saved = client.get(f"/planning/scenarios/{result['scenario_id']}", headers=wg).json()
    assert saved["kind"] == "siting" and saved["inputs"]["fixed"] == ["C4"]
    bad = client.post("/planning/customs-siting", json={"fixed": ["C99"]}, headers=wg)
    assert bad.status_code == 400 and bad.json()["code"] == "siting_input_invalid"
    generated = client.post("/planning/customs-siting",
                            json={"candidates": "generated", "model": "mclp"}, headers=wg)
    assert generated.status_code == 200, generated.text
    ranked = generated.json()["ranked"]
    assert ranked, "free land around D3 gives candidate sites"
    assert all(5 <= r["area_ha"] <= 15 and not r["plot_conflict"] for r in ranked), ranked


def test_a_saved_layout_becomes_a_draft_plan_revision(world) -> None:
    client = world["client"]
    cons = headers_for(client, "cons")
    saved = client.post("/planning/layouts", headers=cons, json={
        "expansion_code": "D2-X", "save": True,
        "scenarios": {"a": {}, "b": {"target_plot_area_m2": 5000}}}).json()
    url = f"/planning/scenarios/{saved['scenario_id']}/draft-revision"
    for who, status in ((None, 401), ("inv", 403)):
        response = client.post(url, json={"layout": "b", "title": "طرح ب"},
                               headers=headers_for(client, who))
        assert response.status_code == status
    missing = client.post(url, json={"layout": "z", "title": "طرح ز"}, headers=cons)
    assert missing.status_code == 400 and missing.json()["layouts"] == ["a", "b"]
    response = client.post(url, json={"layout": "b", "title": "طرح ب"}, headers=cons)
    assert response.status_code == 201, response.text
    draft = response.json()
    assert draft["district"] == "D2" and draft["status"] == "draft"
    assert draft["error_count"] == 0  # a generated layout passes the upload rules
    shown = client.get(f"/revisions/{draft['revision_id']}", headers=cons)
    assert shown.status_code == 200, shown.text
    assert shown.json()["status"] == "draft"

    siting = client.post("/planning/customs-siting", json={"save": True}, headers=cons).json()
    refused = client.post(f"/planning/scenarios/{siting['scenario_id']}/draft-revision",
                          json={"layout": "a", "title": "not a layout"}, headers=cons)
    assert refused.status_code == 409 and refused.json()["code"] == "scenario_not_layout"
