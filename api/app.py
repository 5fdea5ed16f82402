"""The FastAPI application: server-rendered pages, the JSON API under ``/api/v1``, health.

Built by a factory so tests and ``planner serve`` each get an app bound to their own
settings and database. The middleware order matters: the security headers are outermost
so that even the 500 page produced by the error boundary carries them.

The interactive ``/docs`` and ``/redoc`` pages are switched off: they load scripts from a
CDN, which the Content-Security-Policy (rightly) blocks. The schema is at ``/openapi.json``.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import TimeoutError as PoolTimeout

from api import errors, pages, v1
from api.deps import DatabaseGate
from api.retry import RetryConcurrentChange
from api.security import ErrorBoundary, SecurityHeaders
from planner.accounts.service import SessionPolicy
from planner.core.db import get_engine
from planner.core.errors import ServiceBusy
from planner.core.settings import Settings

STATIC = Path(__file__).resolve().parent / "static"


class Health(BaseModel):
    status: str
    database: str


def create_app(settings: Settings | None = None, *, policy: SessionPolicy | None = None) -> FastAPI:
    settings = settings or Settings()
    engine = get_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        pool_timeout=settings.db_pool_timeout,
        busy_timeout=settings.sqlite_busy_timeout,
    )
    app = FastAPI(
        title="Care leaver accommodation planner",
        version="0.1.0",
        description="Placement matching, capacity forecasts and escalation review "
        "for care leavers aged 16-25. The JSON API under /api/v1 takes a per-user API "
        "token (`Authorization: Bearer ...`) and acts with its owner's role.",
        docs_url=None,
        redoc_url=None,
    )
    app.state.engine = engine
    app.state.db_gate = DatabaseGate(settings.db_pool_size, settings.db_pool_timeout)
    app.state.settings = settings
    trusted_proxies = settings.forwarded_allow_ips.strip()
    app.state.session_policy = policy or SessionPolicy(
        secret=settings.secret_key, client_addresses=bool(trusted_proxies)
    )

    @app.get("/health", response_model=Health, tags=["operations"])
    def health() -> Health:
        """Liveness and database reachability, for the load balancer and docker-compose.

        Not behind the database gate: it uses the pool's headroom, so it still answers
        while every request slot is busy."""
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except PoolTimeout:
            raise ServiceBusy() from None
        return Health(status="ok", database=engine.dialect.name)

    for router in [*v1.ROUTERS, *pages.ROUTERS]:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    errors.install(app)
    app.add_middleware(RetryConcurrentChange)  # a deadlocked request is done again (retry.py)
    app.add_middleware(ErrorBoundary, render_500=errors.server_error)
    app.add_middleware(SecurityHeaders)
    if trusted_proxies:
        # outermost: the client address (and https) from a trusted proxy's X-Forwarded-*
        # headers, whatever server runs the app; `planner serve` turns uvicorn's own off
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

        hosts = [h.strip() for h in trusted_proxies.split(",") if h.strip()]
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=hosts)
    return app
