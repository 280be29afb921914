"""Settings are checked at start-up: no default secret in production, backend from the URL."""

from __future__ import annotations

import pydantic
import pytest

from zones.db import create_engine
from zones.errors import ConfigurationError
from zones.settings import Settings


def test_production_refuses_the_development_secret() -> None:
    with pytest.raises(pydantic.ValidationError, match="ZONES_SECRET_KEY"):
        Settings(environment="production")
    assert Settings(environment="production", secret_key="s3cret-from-the-vault-" * 2).backend
    with pytest.raises(pydantic.ValidationError, match="32 characters"):
        Settings(secret_key="short")


@pytest.mark.parametrize(("url", "backend"), [
    ("sqlite:///x.sqlite", "spatialite"),
    ("postgresql://u@h/db", "postgis"),
    ("postgresql+psycopg://u@h/db", "postgis"),
])
def test_backend_follows_the_url(url: str, backend: str) -> None:
    assert Settings(database_url=url).backend == backend


def test_unsupported_database_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="unsupported"):
        create_engine(Settings(database_url="mysql://u@h/db"))


def test_missing_spatialite_library_is_named(tmp_path) -> None:
    engine = create_engine(Settings(database_url=f"sqlite:///{tmp_path / 'x.sqlite'}",
                                    spatialite_library="/nonexistent/mod_nothing"))
    with pytest.raises(ConfigurationError, match="libsqlite3-mod-spatialite"):
        engine.connect()
