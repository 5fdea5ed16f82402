"""Migration 0008c upgrades a database that already holds people and accounts: the user
table gains its columns in place (SQLite refuses to copy a table others refer to)."""

from __future__ import annotations

import sqlalchemy as sa
from migration_rows import insert_row, scratch_postgres

from planner.core.db import make_engine
from planner.core.migrate import downgrade, upgrade


def _populated_at_0007(engine) -> None:
    upgrade(engine, "0007")
    with engine.begin() as conn:
        pa = insert_row(conn, "user", username="pa01", role="personal_adviser", active=True)
        insert_row(conn, "young_person", reference="YP1", personal_adviser_id=pa)


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
    with scratch_postgres(postgres_url) as engine:
        _populated_at_0007(engine)
        _check(engine)
        downgrade(engine, "0007")
        assert "notification" not in sa.inspect(engine).get_table_names()
