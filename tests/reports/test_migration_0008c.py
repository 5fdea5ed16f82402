"""Migration 0008c upgrades a database that already holds people and accounts: the user
table gains its columns in place (SQLite refuses to copy a table others refer to)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import sqlalchemy as sa

from planner.core.db import make_engine
from planner.core.migrate import downgrade, upgrade


def _insert(conn, name: str, **values) -> int:
    """A row of ``name`` as the database stands, every other required column filled."""
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
            int: 0,
            bool: False,
            date: date(2024, 1, 1),
            datetime: datetime(2024, 1, 1, tzinfo=UTC),
            Decimal: Decimal(0),
            float: 0.0,
        }.get(kind, "x")
    return conn.execute(table.insert().values(**row)).inserted_primary_key[0]


def _populated_at_0007(engine) -> None:
    upgrade(engine, "0007")
    with engine.begin() as conn:
        pa = _insert(conn, "user", username="pa01", role="personal_adviser", active=True)
        _insert(conn, "young_person", reference="YP1", personal_adviser_id=pa)


def _check(engine) -> None:
    upgrade(engine)
    columns = {c["name"] for c in sa.inspect(engine).get_columns("user")}
    assert {"email", "manager_id", "notify"} <= columns
    assert "notification" in sa.inspect(engine).get_table_names()
    with engine.begin() as conn:
        row = conn.execute(sa.text('SELECT username, notify FROM "user"')).one()
        assert tuple(row) == ("pa01", "immediate")
        assert conn.execute(sa.text("SELECT count(*) FROM young_person")).scalar() == 1


def test_a_populated_sqlite_database_upgrades_through_0008c(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    _populated_at_0007(engine)
    _check(engine)
    engine.dispose()


def test_a_populated_postgres_database_upgrades_through_0008c(postgres_url):
    admin = sa.create_engine(make_engine(postgres_url).url, isolation_level="AUTOCOMMIT")
    name = f"scratch_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(admin.url.set(database=name).render_as_string(hide_password=False))
    try:
        _populated_at_0007(engine)
        _check(engine)
        downgrade(engine, "0007")
        assert "notification" not in sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE "{name}"'))
        admin.dispose()
