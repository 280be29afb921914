"""docs/errors.md lists every error code the service can answer with."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest

from zones.errors import ZonesError

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _every_module() -> None:
    for package in ("zones", "api"):
        root = importlib.import_module(package)
        for info in pkgutil.walk_packages(root.__path__, f"{package}."):
            if ".migrations" not in info.name:
                importlib.import_module(info.name)


def _codes(cls: type[ZonesError]) -> set[str]:
    found = {cls.code}
    for sub in cls.__subclasses__():
        found |= _codes(sub)
    return found


def test_every_error_code_is_documented() -> None:
    _every_module()
    text = (DOCS / "errors.md").read_text(encoding="utf-8")
    missing = sorted(code for code in _codes(ZonesError) if f"`{code}`" not in text)
    assert not missing, f"codes missing from docs/errors.md: {missing}"


@pytest.mark.parametrize("name", ["running.md", "configuration.md", "deployment.md",
                                  "errors.md", "benchmarks.md", "api.md"])
def test_the_documents_the_readme_points_to_exist(name: str) -> None:
    assert (DOCS / name).stat().st_size > 500
