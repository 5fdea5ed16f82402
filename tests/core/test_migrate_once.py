"""Processes that start together migrate a fresh database once (planner/core/migrate.py).

Four real ``planner init`` processes, released together, on a fresh SQLite file and on a
fresh PostgreSQL database: every one exits 0 and ``alembic_version`` holds one row, at head.
Without the migration lock, the losers of the race fail creating tables that the winner made.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from postgres_databases import create_postgres_database, drop_postgres_database

from planner.core.migrate import alembic_config

REPO = Path(__file__).resolve().parent.parent.parent
PROCESSES = 4
# each process waits for the same moment before it migrates, so they really start together
START = (
    "import sys, time; start = float(sys.argv[1]); time.sleep(max(0.0, start - time.time()));"
    "from planner.cli import app; sys.argv = ['planner', 'init']; app()"
)


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_url_or_none: str | None
) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'planner.sqlite3'}"
        return
    if not postgres_url_or_none:
        pytest.skip("PostgreSQL not configured: set PLANNER_TEST_POSTGRES_URL")
    url = create_postgres_database(postgres_url_or_none)
    try:
        yield url
    finally:
        drop_postgres_database(postgres_url_or_none, url)


def test_four_processes_starting_together_migrate_once(fresh_url: str) -> None:
    import time

    env = {**os.environ, "PLANNER_DATABASE_URL": fresh_url, "PYTHONPATH": str(REPO)}
    start = time.time() + 3.0  # time for the interpreters to import the planner
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", START, str(start)],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(PROCESSES)
    ]
    results = [(p.wait(timeout=180), p.stderr.read() if p.stderr else "") for p in procs]
    for p in procs:
        for stream in (p.stdout, p.stderr):
            if stream:
                stream.close()

    assert [code for code, _ in results] == [0] * PROCESSES, [err for _, err in results]
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    engine = sa.create_engine(fresh_url)
    try:
        with engine.connect() as conn:
            versions = conn.execute(sa.text("SELECT version_num FROM alembic_version")).all()
    finally:
        engine.dispose()
    assert [v[0] for v in versions] == [head]
