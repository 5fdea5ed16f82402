"""Migration 0009 upgrades a database that already holds young people: the contact columns
are added in place, with blanks for the people already recorded."""

from __future__ import annotations

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
        kind = column.type.python_type
        row[column.name] = {
            str: "x",
            int: 0,
            bool: False,
            date: date(2004, 1, 1),
            datetime: datetime(2024, 1, 1, tzinfo=UTC),
            Decimal: Decimal(0),
            float: 0.0,
        }.get(kind, "x")
    return conn.execute(table.insert().values(**row)).inserted_primary_key[0]


def test_a_populated_sqlite_database_upgrades_through_0009(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    upgrade(engine, "0008c")
    with engine.begin() as conn:
        adviser = _insert(conn, "user", username="pa01", role="personal_adviser")
        _insert(conn, "young_person", reference="YP1", personal_adviser_id=adviser)
    upgrade(engine)
    columns = {c["name"] for c in sa.inspect(engine).get_columns("young_person")}
    assert {"in_touch", "latest_contact_on", "activity"} <= columns
    with engine.begin() as conn:
        got = conn.execute(
            sa.text("SELECT reference, in_touch, latest_contact_on, activity FROM young_person")
        ).one()
    assert tuple(got) == ("YP1", "", None, "")
    downgrade(engine, "0008c")
    columns = {c["name"] for c in sa.inspect(engine).get_columns("young_person")}
    assert "in_touch" not in columns
    engine.dispose()
