"""What the tests of a migration on a populated database share: rows written straight into
the tables as an older revision left them, and a scratch PostgreSQL database to upgrade.

The models describe the newest schema, so an older one is filled through SQLAlchemy Core on
the reflected tables; every required column the test does not care about gets a plain value.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal

import sqlalchemy as sa
from postgres_databases import create_postgres_database, drop_postgres_database
from sqlalchemy.engine import Engine

from planner.core.db import make_engine


def insert_row(
    conn: sa.Connection,
    name: str,
    *,
    day: date = date(2024, 1, 1),
    number: int = 0,
    **values: object,
) -> int:
    """A row of table ``name`` as the database stands, with ``values``; every other required
    column without a default is filled: text "x", whole numbers ``number``, dates ``day``."""
    table = sa.Table(name, sa.MetaData(), autoload_with=conn)
    row = dict(values)
    for column in table.columns:
        if column.name in row or column.primary_key or column.nullable:
            continue
        if column.server_default is not None:
            continue
        kind = column.type.python_type if hasattr(column.type, "python_type") else str
        row[column.name] = {
            str: "x",
            int: number,
            bool: False,
            date: day,
            datetime: datetime(day.year, day.month, day.day, tzinfo=UTC),
            Decimal: Decimal(0),
            float: 0.0,
        }.get(kind, "x")
    return conn.execute(table.insert().values(**row)).inserted_primary_key[0]


@contextmanager
def scratch_postgres(postgres_url: str) -> Iterator[Engine]:
    """An empty database of its own on the test server (no migration run), dropped after."""
    base = make_engine(postgres_url).url.render_as_string(hide_password=False)
    url = create_postgres_database(base)
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()
        drop_postgres_database(base, url)
