"""Engines and units of work.

One engine per database URL; a ``unit_of_work`` is one transaction that commits once at
the end or rolls back entirely, which is what makes an import all-or-nothing. Services take
a session and never commit; the caller (CLI command, request, job) owns the transaction.

Many people use one database at once, so the unit of work is also where the database's own
refusals become errors a person can act on: a deadlock or a serialization failure is
:class:`ConcurrentChange` (409, nothing kept), and a pool that had no free connection in time,
or a SQLite file that stayed locked by a long write past ``PLANNER_SQLITE_BUSY_TIMEOUT``
(:class:`SqliteWriteLock`), is :class:`ServiceBusy` (503, try again shortly). Neither is ever a
500 or a traceback. :func:`run_in_transaction` retries the first kind a bounded number of
times, for callers (commands, jobs) that can simply do the whole transaction again; the API
does the same for a whole request (``api/retry.py``), with the same attempts and pauses.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

from planner.core.errors import ConcurrentChange, NotFound, PlannerError, ServiceBusy, StaleRecord

T = TypeVar("T")

# Connections an engine may open beyond its pool: the API admits ``db_pool_size`` requests
# to the database at once, and these few keep /health and in-process jobs answering when
# every one of those is busy.
POOL_HEADROOM = 2
# PostgreSQL's answers that mean "another transaction got in the way": deadlock_detected,
# serialization_failure, lock_not_available. Read from the driver's error by code, so core
# needs no psycopg import.
CONTENTION_SQLSTATES = frozenset({"40P01", "40001", "55P03"})
RETRY_ATTEMPTS = 3


class SqliteWriteLock:
    """One transaction at a time on a SQLite file, per process, queued in Python.

    Every SQLite transaction here begins IMMEDIATE (it takes the file's write lock), so only
    one runs at a time anyway; left to SQLite, the others poll with its busy handler, which
    is not first come first served, and a request could starve behind a long import until
    "database is locked". Here they wait on this lock instead, at most ``wait`` seconds
    (``PLANNER_SQLITE_BUSY_TIMEOUT``), and then leave as :class:`ServiceBusy` (503 with
    Retry-After in the API, a clear message in the CLI), never an ``OperationalError``.
    Other processes (a CLI import beside ``planner serve``) still meet at SQLite's own lock,
    with the same busy timeout."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def acquire(self, wait: float) -> None:
        if not self._lock.acquire(timeout=wait):
            raise ServiceBusy(sqlite_busy_message(wait))

    def release(self) -> None:
        self._lock.release()


_write_locks: dict[str, SqliteWriteLock] = {}
_write_locks_guard = threading.Lock()


def sqlite_write_lock(database: str) -> SqliteWriteLock:
    """The process's write lock of one SQLite file, shared by every engine on it."""
    key = str(Path(database).resolve())
    with _write_locks_guard:
        return _write_locks.setdefault(key, SqliteWriteLock())


def sqlite_busy_message(wait: float) -> str:
    return (
        f"The database stayed busy with a long change (an import or a forecast) for "
        f"{wait:g} seconds, so nothing was done. Wait a minute, then try again."
    )


def _prepare_sqlite(engine: Engine, *, busy_timeout: float, shared_file: bool) -> None:
    """Foreign keys on, and the pysqlite savepoint recipe so nested transactions work.

    pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT; SQLAlchemy's
    documented fix is to disable it and emit BEGIN ourselves. WAL lets readers go on while
    one writer works. A file's transactions take its :class:`SqliteWriteLock` first and
    SQLite waits ``busy_timeout`` seconds for another process's (``PLANNER_SQLITE_BUSY_TIMEOUT``).
    """
    write_lock = sqlite_write_lock(engine.url.database or "") if shared_file else None

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):  # type: ignore[no-untyped-def]
        # IMMEDIATE takes the write lock at the start: two deferred transactions that both
        # read and then write would otherwise deadlock, and SQLite answers one of them
        # "database is locked" at once instead of letting it wait its turn.
        if write_lock is None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            return
        write_lock.acquire(busy_timeout)
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            write_lock.release()
            raise
        connection.info["planner_write_lock"] = write_lock

    def _release(connection):  # type: ignore[no-untyped-def]
        held = connection.info.pop("planner_write_lock", None)
        if held is not None:
            held.release()

    if write_lock is not None:
        event.listen(engine, "commit", _release)
        event.listen(engine, "rollback", _release)


def make_engine(
    url: str,
    *,
    pool_size: int | None = None,
    pool_timeout: float | None = None,
    busy_timeout: float | None = None,
) -> Engine:
    """An engine for ``url``; creates the folder of a SQLite file if needed.

    The pool holds ``pool_size`` connections (``PLANNER_DB_POOL_SIZE``) plus
    :data:`POOL_HEADROOM`, and a caller waits at most ``pool_timeout`` seconds for one
    (``PLANNER_DB_POOL_TIMEOUT``): SQLAlchemy's 5 + 10 connections and 30 s wait starved the
    API's 40 worker threads and turned a busy minute into 500s."""
    from planner.core.settings import get_settings

    settings = get_settings()
    pool_size = settings.db_pool_size if pool_size is None else pool_size
    pool_timeout = settings.db_pool_timeout if pool_timeout is None else pool_timeout
    busy_timeout = settings.sqlite_busy_timeout if busy_timeout is None else busy_timeout
    pool = {"pool_size": pool_size, "max_overflow": POOL_HEADROOM, "pool_timeout": pool_timeout}
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        in_memory = not parsed.database or parsed.database == ":memory:"
        if not in_memory:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)  # type: ignore[arg-type]
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False},
            hide_parameters=True,
            **({} if in_memory else pool),  # type: ignore[arg-type]
        )
        _prepare_sqlite(engine, busy_timeout=busy_timeout, shared_file=not in_memory)
        return engine
    # hide_parameters: a database error must never carry a young person's values into a log
    return create_engine(url, pool_pre_ping=True, hide_parameters=True, **pool)  # type: ignore[arg-type]


@lru_cache
def get_engine(
    url: str | None = None,
    *,
    pool_size: int | None = None,
    pool_timeout: float | None = None,
    busy_timeout: float | None = None,
) -> Engine:
    from planner.core.settings import get_settings

    return make_engine(
        url or get_settings().database_url,
        pool_size=pool_size,
        pool_timeout=pool_timeout,
        busy_timeout=busy_timeout,
    )


def is_contention(exc: BaseException) -> bool:
    """Whether the database refused ``exc``'s statement only because another transaction was
    using the same rows at that moment (so the whole transaction may simply be done again)."""
    if not isinstance(exc, sa_exc.DBAPIError):
        return False
    return getattr(exc.orig, "sqlstate", None) in CONTENTION_SQLSTATES


def is_sqlite_locked(exc: BaseException) -> bool:
    """Whether SQLite gave up waiting for another process's write lock (busy timeout)."""
    text = str(getattr(exc, "orig", "")).lower()
    return isinstance(exc, sa_exc.OperationalError) and (
        "database is locked" in text or "database table is locked" in text
    )


def as_planner_error(exc: BaseException) -> PlannerError | None:
    """The error a person sees for a database refusal caused by load, or None for any other
    exception (which keeps its own meaning: a bug stays a 500 with a reference)."""
    if isinstance(exc, sa_exc.TimeoutError):  # the pool had no connection free in time
        return ServiceBusy()
    if is_sqlite_locked(exc):  # a long write elsewhere outlasted the busy timeout
        from planner.core.settings import get_settings

        return ServiceBusy(sqlite_busy_message(get_settings().sqlite_busy_timeout))
    if is_contention(exc):
        return ConcurrentChange()
    return None


@contextmanager
def unit_of_work(engine: Engine | None = None) -> Iterator[Session]:
    """One transaction: commit if the block succeeds, roll back everything if it raises.

    A deadlock, serialization failure or busy pool leaves as :class:`ConcurrentChange` or
    :class:`ServiceBusy` (see :func:`as_planner_error`), the driver's error chained to it for
    the log, so every caller (request, command, job) shows the same clear message."""
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException as exc:
            session.rollback()
            refused = as_planner_error(exc)
            if refused is not None:
                raise refused from exc
            raise


def run_in_transaction(
    work: Callable[[Session], T], engine: Engine | None = None, *, attempts: int = RETRY_ATTEMPTS
) -> T:
    """``work`` in a unit of work, done again from the start (a fresh transaction that reads
    everything again) when the database refused it as :class:`ConcurrentChange`, at most
    ``attempts`` times; then the refusal is raised. ``work`` must read what it decides on
    inside the transaction, so a second attempt decides on what the first one lost to."""
    for attempt in range(1, attempts + 1):
        try:
            with unit_of_work(engine) as session:
                return work(session)
        except ConcurrentChange:
            if attempt >= attempts:
                raise
            time.sleep(retry_pause(attempt))
    raise AssertionError("unreachable")


def retry_pause(attempt: int) -> float:
    """Seconds to wait before attempt ``attempt + 1`` of a transaction refused as
    :class:`ConcurrentChange`: short and jittered, so the transactions that collided do not
    collide again. The API's retry (api/retry.py) and :func:`run_in_transaction` share it."""
    return 0.02 * attempt + random.uniform(0, 0.05 * attempt)  # noqa: S311 - not a secret


def is_retryable(error: BaseException) -> bool:
    """Whether a transaction that ended with ``error`` may simply be done again from the
    start: only a refusal caused by contention (:class:`ConcurrentChange`), never a
    compare-and-set :class:`~planner.core.errors.Conflict`, whose loser really lost."""
    return isinstance(error, ConcurrentChange) or (
        isinstance(error, PlannerError) and error.code == ConcurrentChange.code
    )


def compare_and_set(
    session: Session, table: Any, row_id: int, expected_version: int, **values: Any
) -> Any:
    """Optimistic concurrency for every kept record: update one row of ``table`` only if its
    ``version`` is still ``expected_version`` (raising it by one), and return the row re-read.

    :class:`NotFound` if there is no such row; :class:`StaleRecord` (409, nothing written) if
    someone changed it first, so a stale form is refused and never overwrites."""
    from sqlalchemy import update
    from sqlmodel import col, select

    changed = session.exec(  # type: ignore[call-overload]
        update(table)
        .where(col(table.id) == row_id, col(table.version) == expected_version)
        .values(version=table.version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:
        if session.get(table, row_id) is None:
            raise NotFound()
        raise StaleRecord()
    return session.exec(
        select(table).where(col(table.id) == row_id).execution_options(populate_existing=True)
    ).one()
