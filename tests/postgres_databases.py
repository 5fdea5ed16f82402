"""Databases made for a test run or a single test on the test PostgreSQL server.

Several people (and CI jobs) may share one server, so a run never drops a schema it did not
make: it creates databases of its own, named ``planner_test_<random>``, and drops them after.
A migrated and seeded database can serve as the template of per-test copies
(``CREATE DATABASE ... TEMPLATE``, the PostgreSQL equivalent of copying a SQLite file).
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from planner.core.db import get_engine


def create_postgres_database(base_url: str, *, template: str | None = None) -> str:
    """A new database on the server of ``base_url`` (a copy of the database named
    ``template``, which nobody may be connected to, if given); its URL."""
    name = f"planner_test_{secrets.token_hex(4)}"
    admin = sa.create_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            copy = f' TEMPLATE "{template}"' if template else ""
            conn.execute(sa.text(f'CREATE DATABASE "{name}"{copy}'))
    finally:
        admin.dispose()
    return make_url(base_url).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(base_url: str, url: str) -> None:
    """Drop a database made by :func:`create_postgres_database`, connections and all."""
    get_engine(url).dispose()
    admin = sa.create_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            name = make_url(url).database
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
