"""The web service answers health checks and describes itself in OpenAPI."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.app import create_app
from planner.core.db import make_engine
from planner.core.migrate import upgrade
from planner.core.settings import Settings


def test_health_reports_the_database(sqlite_url):
    upgrade(make_engine(sqlite_url))
    client = TestClient(create_app(Settings(database_url=sqlite_url)))
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "sqlite"}
    schema = client.get("/openapi.json").json()
    assert "/health" in schema["paths"]
