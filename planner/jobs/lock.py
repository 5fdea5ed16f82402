"""The one-scheduler lock: whoever holds it runs the jobs, anyone else stands by.

APScheduler 3.x cannot share a job store between two running schedulers (each would run
every job), so a scheduler process holds a database-wide lock for as long as it runs:

- PostgreSQL: a session-level advisory lock, ``pg_try_advisory_lock(LOCK_KEY)``, taken on a
  connection of its own (autocommit, outside any pool) that stays open for the life of the
  scheduler. The server frees the lock when that session ends, so a scheduler killed with
  ``kill -9`` or cut off by the network loses it without anyone cleaning up. Advisory locks
  are per database: schedulers of different databases on one server do not meet.
- SQLite: an exclusive, non-blocking ``flock`` on a file next to the database file
  (``planner.sqlite3.scheduler-lock``). The kernel frees it when the process dies. It
  protects schedulers on one machine, which is the only place a SQLite file can be shared.
  (Windows has no ``flock``; there ``msvcrt.locking`` does the same on the first byte.)
- SQLite in memory: nothing to share, so the lock is always held.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

# "planner" in ASCII: one fixed key, so every planner scheduler of a database asks for the
# same lock. Nothing else in the planner takes advisory locks.
LOCK_KEY = int.from_bytes(b"planner", "big")


class SchedulerLock(Protocol):
    def acquire(self) -> bool:
        """Take the lock if nobody holds it; never waits."""

    def still_held(self) -> bool:
        """Whether the lock is still ours (on PostgreSQL, whether its session is alive)."""

    def release(self) -> None: ...


class PostgresLock:
    """A session-level advisory lock on a dedicated connection kept open."""

    def __init__(self, engine: Engine) -> None:
        # NullPool: closing the connection really ends the session (and frees the lock);
        # a pooled connection would go back to the pool still holding it.
        self._engine = sa.create_engine(
            engine.url, poolclass=NullPool, isolation_level="AUTOCOMMIT", hide_parameters=True
        )
        self._conn: Connection | None = None

    def acquire(self) -> bool:
        conn = self._engine.connect()
        try:
            got = bool(
                conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": LOCK_KEY}).scalar()
            )
        except Exception:
            conn.close()
            raise
        if not got:
            conn.close()
            return False
        self._conn = conn
        return True

    def still_held(self) -> bool:
        if self._conn is None:
            return False
        try:
            self._conn.execute(sa.text("SELECT 1"))
        except Exception:  # noqa: BLE001 - a dead session has lost the lock, whatever the cause
            return False
        return True

    def release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": LOCK_KEY})
            except Exception:  # noqa: BLE001 - closing the session below frees it anyway
                log.warning("could not release the scheduler lock; closing its session")
            finally:
                conn.close()
        self._engine.dispose()


class FileLock:
    """An exclusive, non-blocking lock on a file beside the SQLite database."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            _lock_file(fd)
        except OSError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())  # who holds it, for a person looking
        self._fd = fd
        return True

    def still_held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # closing the descriptor releases the lock


class NoLock:
    """An in-memory database belongs to one process: nobody else can run its jobs."""

    def acquire(self) -> bool:
        return True

    def still_held(self) -> bool:
        return True

    def release(self) -> None:
        return None


if sys.platform == "win32":  # pragma: no cover - the planner's CI runs on Linux
    import msvcrt

    def _lock_file(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)

else:
    import fcntl

    def _lock_file(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def lock_for(engine: Engine) -> SchedulerLock:
    """The scheduler lock of ``engine``'s database."""
    url = engine.url
    if url.get_backend_name() == "postgresql":
        return PostgresLock(engine)
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            return NoLock()
        return FileLock(Path(f"{url.database}.scheduler-lock"))
    raise ValueError(f"no scheduler lock for {url.get_backend_name()} databases")
