"""Alembic environment: the planner's metadata, on whatever engine the caller passes in.

``planner.core.migrate.upgrade`` hands over a live connection (``config.attributes["connection"]``)
so tests and the CLI migrate exactly the database they then use.
"""

from alembic import context
from sqlmodel import SQLModel

import planner.models  # noqa: F401 - registers the tables on SQLModel.metadata
from planner.core.db import make_engine

config = context.config
target_metadata = SQLModel.metadata
IGNORED_TABLES = {"apscheduler_jobs"}  # owned by APScheduler's job store, not by us


def _include_object(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
    return not (type_ == "table" and name in IGNORED_TABLES)


def _configure(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=_include_object,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        include_object=_include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as conn:
        _configure(conn)
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
