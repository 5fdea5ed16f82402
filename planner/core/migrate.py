"""Apply the Alembic migrations programmatically, on SQLite or PostgreSQL alike.

``planner init``, ``planner serve``, ``planner scheduler``, every other command, docker-compose's
one-shot ``migrate`` service and the test fixtures all call :func:`upgrade`, so there is one
way a schema comes into being.

Many processes may start together (two API replicas and a scheduler, a deployment that
restarts everything at once), so an upgrade first takes the *migration lock* and then reads
the database's revision: one process migrates, the others wait for it and then find the
database at head, with nothing left to do.

- PostgreSQL: ``pg_advisory_xact_lock(MIGRATION_LOCK_KEY)`` on the migrating connection, as
  the first statement of the upgrade's transaction, so the server frees it at the commit (or
  when a killed process's session ends). It is a different key from the scheduler's.
- SQLite: a blocking exclusive ``flock`` on a file beside the database
  (``planner.sqlite3.migrate-lock``), taken before the first connection: switching the file to
  WAL needs it alone, too. The kernel frees it when the process dies.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# "plan-mig" in ASCII: one fixed key for every planner of a database (the scheduler's is
# "planner", planner/jobs/lock.py).
MIGRATION_LOCK_KEY = int.from_bytes(b"plan-mig", "big")


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url:
        # Alembic's config interpolates "%"; a password may well contain one
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


@contextmanager
def _sqlite_file_lock(engine: Engine) -> Iterator[None]:
    """An exclusive lock on ``<database>.migrate-lock``, waiting for it; nothing for an
    in-memory database, which belongs to one process."""
    database = engine.url.database
    if engine.url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        yield
        return
    path = Path(f"{database}.migrate-lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        _wait_for_file_lock(fd)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


if sys.platform == "win32":  # pragma: no cover - the planner's CI runs on Linux
    import msvcrt

    def _wait_for_file_lock(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_LOCK, 1)

else:
    import fcntl

    def _wait_for_file_lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database behind ``engine`` to ``revision`` in one transaction, holding the
    migration lock (see the module's notes), so processes starting together migrate once."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with _sqlite_file_lock(engine), engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # before Alembic reads alembic_version: a waiter then reads the winner's head
            connection.execute(
                sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK_KEY}
            )
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with _sqlite_file_lock(engine), engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(
                sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK_KEY}
            )
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
