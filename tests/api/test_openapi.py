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


def _operations(spec: dict):
    for path, item in spec["paths"].items():
        for method, op in item.items():
            yield path, method, op


def test_every_operation_is_summarised_and_documents_problems(spec) -> None:
    for path, method, op in _operations(spec):
        assert op.get("summary"), f"{method.upper()} {path} has no summary"
        problem = op["responses"].get("400", {}).get("content", {})
        assert "application/problem+json" in problem, f"{method.upper()} {path}"


def test_json_inputs_refuse_unknown_fields(spec) -> None:
    """Every JSON body is a closed model: server-controlled fields cannot be smuggled in."""
    schemas = spec["components"]["schemas"]
    bodies = 0
    for path, method, op in _operations(spec):
        content = op.get("requestBody", {}).get("content", {})
        if "application/json" not in content:
            continue
        ref = content["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
        assert schemas[ref].get("additionalProperties") is False, f"{method.upper()} {path}"
        bodies += 1
    assert bodies >= 6
