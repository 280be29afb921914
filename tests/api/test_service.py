"""Running for real: readiness, CORS for allowed origins only, structured access logs."""

from __future__ import annotations

import json
import logging

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from zones.db.migrate import head


def test_ready_when_schema_is_current(client) -> None:
    body = client.get("/ready").json()
    assert body["status"] == "ready" and body["schema_revision"] == head()


def test_not_ready_on_an_old_schema(settings) -> None:
    from zones.db import create_engine
    from zones.db.migrate import downgrade

    engine = create_engine(settings)
    downgrade(engine, "0001")
    engine.dispose()
    app = create_app(settings.model_copy(update={"migrate_on_start": False}))
    with TestClient(app) as client:
        response = client.get("/ready")
    assert response.status_code == 503
    assert response.json()["code"] == "backend_unavailable"


def test_cors_only_for_configured_origins(settings) -> None:
    allowed = "https://gis.anzalifz.example"
    app = create_app(settings.model_copy(update={"allowed_origins": [allowed]}))
    with TestClient(app) as client:
        ok = client.get("/health", headers={"Origin": allowed})
        other = client.get("/health", headers={"Origin": "https://evil.example"})
    assert ok.headers["access-control-allow-origin"] == allowed
    assert "access-control-allow-origin" not in other.headers


def test_access_log_is_one_json_line_per_request(client, caplog) -> None:
    with caplog.at_level(logging.INFO, logger="zones.access"):
        client.get("/plots", params={"status": "planned"})
    (line,) = [r.getMessage() for r in caplog.records if r.name == "zones.access"]
    entry = json.loads(line)
    assert entry["method"] == "GET" and entry["path"] == "/plots" and entry["status"] == 200
    assert "status=planned" not in line  # query strings are not logged


@pytest.mark.parametrize("backend", ["postgis"], indirect=True)
def test_every_connection_busy_answers_503_not_500(settings) -> None:
    """Pool and overflow all in use past the wait: a problem the client can retry."""
    app = create_app(settings.model_copy(update={
        "db_pool_size": 1, "db_max_overflow": 0, "db_pool_timeout": 0.2}))
    with TestClient(app) as client:
        assert client.get("/plots").status_code == 200
        with app.state.engine.connect():  # the only connection, held
            busy = client.get("/plots")
        assert client.get("/plots").status_code == 200  # free again
    assert busy.status_code == 503, busy.text
    assert busy.json()["code"] == "database_busy"
    assert busy.headers["retry-after"] == "1"
    assert busy.headers["content-type"].startswith("application/problem+json")
