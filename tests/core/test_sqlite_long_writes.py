"""SQLite as the embedded default under long writes (planner/core/db.py SqliteWriteLock).

A real SQLite file. A long write holds it in one thread; a write in another thread either
succeeds after it or, past the busy timeout, leaves as ServiceBusy: never an
OperationalError ("database is locked"). A lock held by another connection outside the
process is the same ServiceBusy, and the API answers it 503 with Retry-After. Threads only
collect what they got; the asserting happens in the main thread after they are joined.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import select

from api.app import create_app
from planner.accounts import service as accounts
from planner.core.db import make_engine, unit_of_work
from planner.core.errors import ServiceBusy
from planner.core.migrate import upgrade
from planner.core.settings import Settings
from planner.domain import Role
from planner.models import AuditEvent


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'planner.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def _note(engine: Engine, what: str) -> None:
    from planner.core import audit

    with unit_of_work(engine) as session:
        audit.record(session, actor="test", action=what, entity="test", entity_id=what)


def _race(engine: Engine, hold_seconds: float) -> tuple[list[str], list[str]]:
    """A long write holds the file for ``hold_seconds``; a short write starts meanwhile."""
    holding = threading.Event()
    outcomes: list[str] = []
    order: list[str] = []

    def long_write() -> None:
        from planner.core import audit

        try:
            with unit_of_work(engine) as session:
                audit.record(session, actor="test", action="long", entity="test", entity_id="1")
                session.flush()
                holding.set()
                time.sleep(hold_seconds)
            order.append("long")
            outcomes.append("long committed")
        except Exception as exc:  # noqa: BLE001 - asserted in the main thread
            outcomes.append(f"long {exc!r}")
            holding.set()

    def short_write() -> None:
        holding.wait(timeout=30)
        try:
            _note(engine, "short")
            order.append("short")
            outcomes.append("short committed")
        except ServiceBusy:
            outcomes.append("short busy")
        except Exception as exc:  # noqa: BLE001 - asserted in the main thread
            outcomes.append(f"short {exc!r}")

    threads = [threading.Thread(target=long_write), threading.Thread(target=short_write)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return sorted(outcomes), order


def test_a_write_waits_for_a_long_write_then_succeeds(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url, busy_timeout=10)
    try:
        outcomes, order = _race(engine, hold_seconds=1.5)
        with unit_of_work(engine) as session:
            actions = sorted(e.action for e in session.exec(select(AuditEvent)))
    finally:
        engine.dispose()
    assert outcomes == ["long committed", "short committed"]
    assert order == ["long", "short"]
    assert actions == ["long", "short"]


def test_a_write_that_waits_past_the_busy_timeout_is_service_busy(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url, busy_timeout=0.5)
    try:
        outcomes, _ = _race(engine, hold_seconds=2.0)
    finally:
        engine.dispose()
    assert outcomes == ["long committed", "short busy"]


def test_a_lock_held_by_another_process_is_service_busy_and_a_503(sqlite_url: str) -> None:
    with unit_of_work(make_engine(sqlite_url)) as session:
        owner = accounts.create_user(
            session, username="m1", role=Role.manager, password=accounts.generate_password(),
            actor="test",
        )  # fmt: skip
        _, token = accounts.issue_api_token(session, owner=owner, name="test")
    engine = make_engine(sqlite_url, busy_timeout=0.5)
    other = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    app = create_app(Settings(database_url=sqlite_url, environment="test", sqlite_busy_timeout=0.5))
    try:
        other.execute("BEGIN IMMEDIATE")  # another process's long write
        with pytest.raises(ServiceBusy) as refused:
            _note(engine, "blocked")
        with TestClient(app, base_url="https://testserver") as client:
            answer = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        other.execute("ROLLBACK")
        _note(engine, "after")  # the file is free again
    finally:
        other.close()
        engine.dispose()
        app.state.engine.dispose()
    assert "long change" in refused.value.message
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "5"
    assert answer.json()["error"]["code"] == "service_busy"


def test_a_command_that_waits_past_the_busy_timeout_says_so(sqlite_url: str, tmp_path) -> None:
    import os
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[2]
    people = tmp_path / "people.csv"
    people.write_text("reference,date_of_birth,legal_status\nYP9001,2005-03-01,former_relevant\n")
    env = os.environ | {
        "PLANNER_DATABASE_URL": sqlite_url,
        "PLANNER_SQLITE_BUSY_TIMEOUT": "1",
        "PYTHONPATH": str(repo),
    }
    other = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another process's long write
        done = subprocess.run(
            [sys.executable, "-c", "from planner.cli import app; app()", "import",
             "young-people", str(people)],
            cwd=repo, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    finally:
        other.close()
    assert done.returncode == 2, done.stderr
    assert "stayed busy" in " ".join((done.stdout + done.stderr).split())
    assert "Traceback" not in done.stderr
