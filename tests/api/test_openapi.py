"""The OpenAPI document is the contract: it lists what the service serves, and how."""

from __future__ import annotations

import pytest

from api.main import create_app
from zones.settings import Settings


@pytest.fixture(scope="module")
def spec() -> dict:
    # Building the schema needs no database: the lifespan is not entered.
    return create_app(Settings(environment="test")).openapi()


def test_paths(spec) -> None:
    assert {"/health", "/districts", "/plots", "/plots/{district}/{code}", "/"} <= set(
        spec["paths"])


def test_plots_are_documented_as_geojson_with_filters(spec) -> None:
    get = spec["paths"]["/plots"]["get"]
    assert "application/geo+json" in get["responses"]["200"]["content"]
    params = {p["name"] for p in get["parameters"]}
    assert {"bbox", "district", "status", "land_use", "limit", "offset"} <= params
