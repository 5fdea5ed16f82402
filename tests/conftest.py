"""Shared fixtures: the same tests run on SQLite and on a real PostgreSQL server.

Each database is built once per test session by running the Alembic migrations (so the
migrations themselves are exercised), and each test runs inside a transaction that is rolled
back, so tests never see each other's rows. PostgreSQL is the server named by
``PLANNER_TEST_POSTGRES_URL`` (``.ci/run`` starts one); when CI sets
``PLANNER_REQUIRE_POSTGRES=1`` a missing server fails the run instead of skipping.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from postgres_databases import create_postgres_database, drop_postgres_database
from shared_data import require_dfe
from sqlalchemy.engine import Engine
from sqlmodel import Session

from planner.core.db import make_engine
from planner.core.migrate import upgrade

DATABASES = ["sqlite", "postgresql"]


def _postgres_url() -> str | None:
    url = os.environ.get("PLANNER_TEST_POSTGRES_URL")
    if not url and os.environ.get("PLANNER_REQUIRE_POSTGRES") == "1":
        pytest.fail("PLANNER_REQUIRE_POSTGRES=1 but PLANNER_TEST_POSTGRES_URL is not set")
    return url


@pytest.fixture(scope="session", autouse=True)
def _private_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No test ever reads or writes the real per-user database: the default data folder
    (and so the default SQLite file) is a temporary folder for the whole run."""
    saved = os.environ.get("PLANNER_DATA_DIR")
    os.environ["PLANNER_DATA_DIR"] = str(tmp_path_factory.mktemp("planner-data"))
    yield
    if saved is None:
        os.environ.pop("PLANNER_DATA_DIR", None)
    else:
        os.environ["PLANNER_DATA_DIR"] = saved


@pytest.fixture(params=DATABASES)
def committed_engine(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_url_or_none: str | None
) -> Iterator[Engine]:
    """A fresh, migrated, empty database of each kind for one test that commits (threads,
    races, a worker): not the rolled-back session of the other tests."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'planner.sqlite3'}")
        upgrade(engine)
        yield engine
        engine.dispose()
        return
    if not postgres_url_or_none:
        pytest.skip("PostgreSQL not configured: set PLANNER_TEST_POSTGRES_URL")
    url = create_postgres_database(postgres_url_or_none)
    engine = make_engine(url)
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        drop_postgres_database(postgres_url_or_none, url)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The test PostgreSQL server, for cases that only make sense there."""
    url = _postgres_url()
    if not url:
        pytest.skip("PostgreSQL not configured: set PLANNER_TEST_POSTGRES_URL")
    return url


@pytest.fixture(scope="session")
def postgres_url_or_none() -> str | None:
    """The test PostgreSQL server's URL, or None where it is not configured (and optional)."""
    return _postgres_url()


@pytest.fixture(scope="session", params=DATABASES)
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """A migrated database of each kind, built once per test run (on PostgreSQL, a database
    created for the run and dropped after it)."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "planner.sqlite3"
        eng = make_engine(f"sqlite:///{path}")
        upgrade(eng)
        yield eng
        eng.dispose()
        return
    base = _postgres_url()
    if not base:
        pytest.skip("PostgreSQL not configured: set PLANNER_TEST_POSTGRES_URL")
    url = create_postgres_database(base)
    eng = make_engine(url)
    try:
        upgrade(eng)
        yield eng
    finally:
        eng.dispose()
        drop_postgres_database(base, url)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session whose every change is rolled back when the test ends."""
    connection = engine.connect()
    outer = connection.begin()
    db = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield db
    finally:
        db.close()
        outer.rollback()
        connection.close()


@pytest.fixture
def dfe_required() -> None:
    """The DfE tables in the shared data: skipped locally if absent, a failure in CI."""
    require_dfe()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """An empty SQLite database (as `planner init` leaves it, before its migrations) for
    tests of whole commands that commit: commands refuse a database file that is missing."""
    path = tmp_path / "planner.sqlite3"
    path.touch()
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo council (``planner demo --as-of 2024-03-31``) built once per run; copy it
    with ``demo_db.copy_demo`` before changing anything (tests/demo_db.py)."""
    from demo_db import build_demo

    return build_demo(tmp_path_factory.mktemp("demo-template"))
