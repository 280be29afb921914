"""The service migrates its database when it starts (``migrate_on_start``, on by default).

The suite's own databases are cloned from migrated templates, so the apps tests build skip
that step (tests/backends.py); this proves the step itself on an empty database.
"""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient

from api.main import create_app
from tests.backends import Templates
from zones.db import create_engine
from zones.db.migrate import current, head
from zones.settings import Settings


def test_migrating_on_start_is_the_default() -> None:
    assert Settings.model_fields["migrate_on_start"].default is True


def test_the_app_migrates_an_empty_database_at_start(backend: str,
                                                      templates: Templates) -> None:
    url = templates._new_database(backend, f"fresh_{uuid.uuid4().hex[:8]}")
    settings = Settings(database_url=url, environment="test")
    assert settings.migrate_on_start
    engine = create_engine(settings)
    assert current(engine) is None
    with TestClient(create_app(settings)) as client:
        body = client.get("/ready").json()
    assert body["status"] == "ready" and body["schema_revision"] == head()
    assert current(engine) == head()
    engine.dispose()
