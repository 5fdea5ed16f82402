"""Many requests at once on PostgreSQL: the API admits as many requests to the database as
it has connections, answers the others 503 with ``Retry-After`` (back-pressure a client can
act on) when no connection frees in time, never a 500, and ``/health`` keeps answering.

A real uvicorn serves the app from a thread; real client threads are released together by a
barrier. "Busy" is made deterministic by holding a lock the requests need (or every pool
connection) from the test, not by timing.
"""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

import factories
import httpx
import pytest
import sqlalchemy as sa
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from postgres_databases import create_postgres_database, drop_postgres_database

from api.app import create_app
from api.security import SESSION_COOKIE
from planner.accounts import service as accounts
from planner.core.db import POOL_HEADROOM, make_engine, unit_of_work
from planner.core.migrate import upgrade
from planner.core.settings import Settings
from planner.domain import Role

POOL = 2
WAIT = 1.0  # seconds a request waits for a turn or a connection


@dataclass
class Served:
    url: str
    token: str
    database_url: str


@pytest.fixture
def busy_db(postgres_url: str) -> Iterator[tuple[str, str]]:
    """A migrated database of its own with a few young people; its URL and an API token."""
    url = create_postgres_database(postgres_url)
    engine = make_engine(url)
    try:
        upgrade(engine)
        with unit_of_work(engine) as session:
            for _ in range(5):
                factories.young_person(session)
            owner = factories.user(session, role=Role.manager)
            _, token = accounts.issue_api_token(session, owner=owner, name="load")
        engine.dispose()
        yield url, token
    finally:
        drop_postgres_database(postgres_url, url)


def _app(url: str) -> FastAPI:
    return create_app(
        Settings(
            database_url=url,
            environment="test",
            run_scheduler=False,
            db_pool_size=POOL,
            db_pool_timeout=WAIT,
        )
    )


@pytest.fixture
def served(busy_db: tuple[str, str]) -> Iterator[Served]:
    """uvicorn on a free port, in this process (so the test can reach the app's engine)."""
    url, token = busy_db
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(_app(url), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:  # uvicorn offers no event to wait on
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield Served(url=f"http://127.0.0.1:{port}", token=token, database_url=url)
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def test_requests_beyond_the_pool_wait_then_get_503_with_retry_after_never_500(served):
    """20 requests at once with a pool of 2 while the list they read is locked: 2 are let
    in and wait for the lock; the other 18 are answered 503 with Retry-After once the pool
    timeout passes. Meanwhile /health answers. When the lock goes, the 2 finish with 200."""
    holder = sa.create_engine(served.database_url, poolclass=sa.pool.NullPool)
    conn = holder.connect()
    tx = conn.begin()
    conn.execute(sa.text("LOCK TABLE young_person IN ACCESS EXCLUSIVE MODE"))
    clients = 20
    barrier = threading.Barrier(clients)
    headers = {"Authorization": f"Bearer {served.token}"}

    def get() -> tuple[int, str | None]:
        barrier.wait()
        response = httpx.get(f"{served.url}/api/v1/young-people", headers=headers, timeout=60)
        return response.status_code, response.headers.get("Retry-After")

    try:
        with ThreadPoolExecutor(clients) as pool:
            futures = [pool.submit(get) for _ in range(clients)]
            answered = []
            for future in as_completed(futures):
                answered.append(future.result())
                if len(answered) == clients - POOL:
                    break
            health = httpx.get(f"{served.url}/health", timeout=10)
            tx.commit()  # the lock goes: the requests that were let in can finish
            results = [f.result() for f in futures]
    finally:
        conn.close()
        holder.dispose()

    statuses = Counter(status for status, _ in results)
    assert statuses == Counter({503: clients - POOL, 200: POOL})
    assert all(retry == "5" for status, retry in results if status == 503)
    assert health.status_code == 200


def test_no_free_connection_is_503_with_retry_after_for_the_api_and_pages(busy_db):
    """Every connection of the pool held elsewhere (a long report, a job): a request gets
    the busy answer after the short pool timeout instead of a 500 after 30 seconds."""
    url, token = busy_db
    app = _app(url)
    engine = app.state.engine
    held = [engine.connect() for _ in range(POOL + POOL_HEADROOM)]
    try:
        with TestClient(app, base_url="https://testserver") as client:
            api = client.get("/api/v1/young-people", headers={"Authorization": f"Bearer {token}"})
            # any session cookie makes the page look its session up in the database
            client.cookies.set(SESSION_COOKIE, "a-session-the-database-must-look-up")
            page = client.get("/young-people", follow_redirects=False)
    finally:
        for conn in held:
            conn.close()
        engine.dispose()
    assert api.status_code == 503
    assert api.headers["Retry-After"] == "5"
    assert api.json()["error"]["code"] == "service_busy"
    assert page.status_code == 503
    assert page.headers["Retry-After"] == "5"
    assert "busy" in page.text
