"""Every success response in the OpenAPI document has a schema: a client generated from it
knows what each operation answers (JSON, GeoJSON, pages and files alike)."""

from __future__ import annotations

import pytest

from api.main import create_app
from zones.settings import Settings

NO_BODY = {"204", "304"}


@pytest.fixture(scope="module")
def spec() -> dict:
    return create_app(Settings(environment="test")).openapi()


def test_every_success_response_has_a_schema(spec) -> None:
    missing = []
    for path, item in spec["paths"].items():
        for method, op in item.items():
            for status, response in op["responses"].items():
                if not status.startswith("2") or status in NO_BODY:
                    continue
                content = response.get("content") or {}
                if not content or any(not media.get("schema") for media in content.values()):
                    missing.append(f"{method.upper()} {path} {status}")
    assert not missing, missing


def test_schemas_referenced_are_defined(spec) -> None:
    defined = set(spec["components"]["schemas"])
    refs: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "$ref" and isinstance(value, str):
                    refs.add(value.rsplit("/", 1)[-1])
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec["paths"])
    walk(spec["components"])
    assert refs <= defined, sorted(refs - defined)
