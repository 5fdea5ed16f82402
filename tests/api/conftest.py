"""Fixtures for the web tests: a seeded database of each kind, the app on it, HTTPS test
clients, a real uvicorn server and real headless Chromium.

The web app commits (that is what a request does), so these tests do not share the rolled-
back ``engine`` of the other tests. Each database kind is migrated and seeded once per run as
a template, and every test gets its own copy of it (a SQLite file copy, a PostgreSQL
``CREATE DATABASE ... TEMPLATE``), so no test's result depends on what ran before it.
"""

from __future__ import annotations

import copy
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from postgres_databases import create_postgres_database, drop_postgres_database
from sqlalchemy.engine import make_url
from webseed import Council, seed

from api.app import create_app
from planner.accounts import service as accounts
from planner.core.db import get_engine, make_engine, unit_of_work
from planner.core.migrate import upgrade
from planner.core.settings import Settings
from planner.domain import Role

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class WebDb:
    url: str
    council: Council


def _seeded(url: str) -> WebDb:
    engine = make_engine(url)
    upgrade(engine)
    with unit_of_work(engine) as session:
        council = seed(session)
    engine.dispose()
    return WebDb(url=url, council=council)


@pytest.fixture(scope="session")
def sqlite_web_template(tmp_path_factory) -> WebDb:
    """The seeded SQLite file every SQLite web test and live server starts from a copy of."""
    path = tmp_path_factory.mktemp("web") / "template.sqlite3"
    return _seeded(f"sqlite:///{path}")


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def web_template(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[WebDb]:
    """A migrated, seeded database of each kind, built once per run and never served: each
    test gets a copy of it (see ``web_db``)."""
    if request.param == "sqlite":
        yield request.getfixturevalue("sqlite_web_template")
        return
    base = os.environ.get("PLANNER_TEST_POSTGRES_URL")
    if not base:
        if os.environ.get("PLANNER_REQUIRE_POSTGRES") == "1":
            pytest.fail("PLANNER_REQUIRE_POSTGRES=1 but PLANNER_TEST_POSTGRES_URL is not set")
        pytest.skip("PostgreSQL not configured: set PLANNER_TEST_POSTGRES_URL")
    url = create_postgres_database(base)
    try:
        yield _seeded(url)
    finally:
        drop_postgres_database(base, url)


READS_ONLY = "reads_only"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{READS_ONLY}: the test only reads (GET pages, sign in, issue itself a token), so it "
        "may share one copy of the seeded database with the other such tests",
    )


def _copy(template: WebDb, folder: Path) -> tuple[WebDb, callable]:
    """A copy of the seeded template, and how to remove it: a file copy on SQLite; on
    PostgreSQL a database made with ``CREATE DATABASE ... TEMPLATE``."""
    council = copy.deepcopy(template.council)
    source = make_url(template.url)
    if source.get_backend_name() == "sqlite":
        path = folder / "planner.sqlite3"
        shutil.copyfile(source.database, path)
        url = f"sqlite:///{path}"
        return WebDb(url=url, council=council), lambda: get_engine(url).dispose()
    base = os.environ["PLANNER_TEST_POSTGRES_URL"]
    url = create_postgres_database(base, template=source.database)
    return WebDb(url=url, council=council), lambda: drop_postgres_database(base, url)


@pytest.fixture(scope="session")
def shared_web_db(web_template: WebDb, tmp_path_factory) -> Iterator[WebDb]:
    """One copy of the seeded database for the tests marked ``reads_only``."""
    db, remove = _copy(web_template, tmp_path_factory.mktemp("shared"))
    yield db
    remove()


@pytest.fixture
def web_db(request: pytest.FixtureRequest, web_template: WebDb, tmp_path: Path) -> Iterator[WebDb]:
    """The seeded database this test sees. A request commits, so a test that accepts a
    proposal, records an action, creates a user or counts audit events gets a copy of its own
    and no result depends on the order tests run in; a test marked ``reads_only`` shares one
    copy with the other readers (a PostgreSQL copy costs about a second)."""
    if request.node.get_closest_marker(READS_ONLY):
        yield request.getfixturevalue("shared_web_db")
        return
    db, remove = _copy(web_template, tmp_path)
    try:
        yield db
    finally:
        remove()


@pytest.fixture
def app(web_db: WebDb) -> FastAPI:
    """The app on this test's database (its own app: a test may add a route to it)."""
    return create_app(Settings(database_url=web_db.url, environment="test"))


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """An HTTPS client (``__Host-`` cookies need Secure) from its own address, so rate
    limits counted per client in one test do not spill into another."""
    address = f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250)}"
    with TestClient(app, base_url="https://testserver", client=(address, 50000)) as c:
        yield c


@pytest.fixture
def make_user(web_db: WebDb):
    """Create a committed user with a known password; returns (username, password)."""

    def make(role: Role) -> tuple[str, str]:
        username = f"{role.value.replace('_', '-')}-{secrets.token_hex(3)}"
        password = accounts.generate_password()
        with unit_of_work(get_engine(web_db.url)) as session:
            accounts.create_user(
                session, username=username, role=role, password=password, actor="test"
            )
        return username, password

    return make


# -- a real server and a real browser ----------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LiveServer:
    base_url: str
    db: WebDb


def _serve(db: WebDb, folder: Path) -> Iterator[LiveServer]:
    """uvicorn on a free localhost port serving ``db``, until the generator is closed."""
    port = _free_port()
    env = {**os.environ, "PLANNER_DATABASE_URL": db.url, "PLANNER_ENVIRONMENT": "test"}
    log = open(folder / "uvicorn.log", "w")  # noqa: SIM115 - closed at teardown
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "api.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90  # a loaded two-core CI machine is slow to start
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail("uvicorn did not start: " + (folder / "uvicorn.log").read_text())
            time.sleep(0.2)
        yield LiveServer(base_url=base, db=db)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def live_server(sqlite_web_template: WebDb, tmp_path_factory) -> Iterator[LiveServer]:
    """uvicorn on a free localhost port, serving a copy of the seeded SQLite database made
    for this test module, so what one module's browser changes no other module sees."""
    folder = tmp_path_factory.mktemp("live")
    db, remove = _copy(sqlite_web_template, folder)
    try:
        yield from _serve(db, folder)
    finally:
        remove()


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory) -> Iterator[LiveServer]:
    """uvicorn serving the demo council (654 young people, five years of stays), built as
    ``planner demo`` builds it, with one demo account per role."""
    from planner.demo.council import DEMO_ACTOR, generate_council, load_council

    path = tmp_path_factory.mktemp("demo") / "planner.sqlite3"
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    council = Council()
    with unit_of_work(engine) as session:
        load_council(session, generate_council(2024), actor=DEMO_ACTOR)
        for username, role, password in accounts.create_demo_users(session):
            council.passwords[username] = password
            council.by_role[role] = username
    engine.dispose()
    yield from _serve(WebDb(url=url, council=council), path.parent)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (no browser download)."""
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip("Debian chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
            headless=True,
            args=CHROMIUM_ARGS,
        )
        yield chromium
        chromium.close()
