"""The FastAPI application: health and the OpenAPI description for now; the pages and the
JSON API for each service are added by the web-service work.

Built by a factory so tests and ``planner serve`` each get an app bound to their own
settings and database.
"""

from __future__ import annotations

from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import text

from planner.db import get_engine
from planner.settings import Settings


class Health(BaseModel):
    status: str
    database: str


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    engine = get_engine(settings.database_url)
    app = FastAPI(
        title="Care leaver accommodation planner",
        version="0.1.0",
        description="Placement matching, capacity forecasts and escalation review "
        "for care leavers aged 16-25.",
    )

    @app.get("/health", response_model=Health, tags=["operations"])
    def health() -> Health:
        """Liveness and database reachability, for the load balancer and docker-compose."""
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return Health(status="ok", database=engine.dialect.name)

    return app
