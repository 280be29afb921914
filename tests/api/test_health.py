"""/health and /ready: a database that refuses connections is 503 backend_unavailable.

That they never queue behind a busy pool or busy request threads is shown against the
real process in ``test_concurrent_writers.py``.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from zones.settings import Settings


@pytest.fixture
def unreachable(backend: str, tmp_path) -> Settings:
    url = {"postgis": "postgresql+psycopg://postgres@127.0.0.1:1/zones",  # nothing listens
           "spatialite": f"sqlite:///{tmp_path}"}[backend]  # a directory cannot be opened
    return Settings(database_url=url, environment="test", migrate_on_start=False)


@pytest.mark.parametrize("path", ["/health", "/ready"])
def test_probes_answer_503_when_the_database_refuses_connections(unreachable: Settings,
                                                                 path: str) -> None:
    with TestClient(create_app(unreachable)) as client:
        response = client.get(path)
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "backend_unavailable"
    assert int(response.headers["retry-after"]) > 0


def test_health_names_the_schema_revision(client: TestClient) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok" and body["schema_revision"] is not None
