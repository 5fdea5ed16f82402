"""Migration 0009 upgrades a database that already holds young people: the contact columns
are added in place, with blanks for the people already recorded."""

from __future__ import annotations

import sqlalchemy as sa
from migration_rows import insert_row

from planner.core.db import make_engine
from planner.core.migrate import downgrade, upgrade


def test_a_populated_sqlite_database_upgrades_through_0009(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    upgrade(engine, "0008c")
    with engine.begin() as conn:
        adviser = insert_row(conn, "user", username="pa01", role="personal_adviser")
        insert_row(conn, "young_person", reference="YP1", personal_adviser_id=adviser)
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
