"""Engines and units of work.

One engine per database URL; a ``unit_of_work`` is one transaction that commits once at
the end or rolls back entirely, which is what makes an import all-or-nothing. Services take
a session and never commit; the caller (CLI command, request, job) owns the transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine


def _prepare_sqlite(engine: Engine) -> None:
    """Foreign keys on, and the pysqlite savepoint recipe so nested transactions work.

    pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT; SQLAlchemy's
    documented fix is to disable it and emit BEGIN ourselves. WAL lets readers go on while
    one writer works.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):  # type: ignore[no-untyped-def]
        # IMMEDIATE takes the write lock at the start: two deferred transactions that both
        # read and then write would otherwise deadlock, and SQLite answers one of them
        # "database is locked" at once instead of letting it wait its turn.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    """An engine for ``url``; creates the folder of a SQLite file if needed."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False}, hide_parameters=True)
        _prepare_sqlite(engine)
        return engine
    # hide_parameters: a database error must never carry a young person's values into a log
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


@lru_cache
def get_engine(url: str | None = None) -> Engine:
    from planner.core.settings import get_settings

    return make_engine(url or get_settings().database_url)


@contextmanager
def unit_of_work(engine: Engine | None = None) -> Iterator[Session]:
    """One transaction: commit if the block succeeds, roll back everything if it raises."""
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
