"""Migration 0011_scenario_title upgrades a database holding saved scenarios and their
forecast runs in place: each saved scenario's title is its slug in words (what the pages
showed), each of its runs keeps that title, catalogue runs keep none; and it downgrades."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
from postgres_databases import create_postgres_database, drop_postgres_database

from planner.core.db import make_engine
from planner.core.migrate import downgrade, upgrade

SCENARIO = (
    "INSERT INTO saved_scenario (name, description, levers, created_by, created_at, updated_at)"
    " VALUES (:name, '', '[]', 'cm01', '2026-11-01 09:00:00', '2026-11-01 09:00:00')"
)
RUN = (
    "INSERT INTO forecast_run (created_at, created_by, scenario, as_of, months, runs, seed,"
    " data_fingerprint, young_people, stays, tables) VALUES ('2026-11-01 09:00:00', 'cm01',"
    " :scenario, '2026-11-01', 12, 100, 0, '', 0, 0, '{}')"
)


def _upgrade_and_downgrade(url: str) -> None:
    engine = make_engine(url)
    try:
        upgrade(engine, "0011_manual_runs")
        with engine.begin() as conn:
            conn.execute(sa.text(SCENARIO), {"name": "uasc_surge_2026"})
            for scenario in ("uasc_surge_2026", "central", "deleted_one"):
                conn.execute(sa.text(RUN), {"scenario": scenario})
        upgrade(engine, "0011_scenario_title")
        with engine.begin() as conn:
            titles = conn.execute(sa.text("SELECT title FROM saved_scenario")).scalars().all()
            runs = conn.execute(
                sa.text("SELECT scenario, scenario_title FROM forecast_run ORDER BY id")
            ).all()
        assert titles == ["UASC surge 2026"]
        assert [tuple(r) for r in runs] == [
            ("uasc_surge_2026", "UASC surge 2026"),
            ("central", ""),
            ("deleted_one", ""),
        ]
        downgrade(engine, "0011_manual_runs")
        columns = {c["name"] for c in sa.inspect(engine).get_columns("saved_scenario")}
        assert "title" not in columns
    finally:
        engine.dispose()


def test_a_populated_sqlite_database_upgrades_through_0011_scenario_title(tmp_path):
    _upgrade_and_downgrade(f"sqlite:///{tmp_path / 'm.sqlite3'}")


def test_a_populated_postgresql_database_upgrades_through_0011_scenario_title():
    base = os.environ.get("PLANNER_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("PostgreSQL not configured: set PLANNER_TEST_POSTGRES_URL")
    url = create_postgres_database(base)
    try:
        _upgrade_and_downgrade(url)
    finally:
        drop_postgres_database(base, url)
