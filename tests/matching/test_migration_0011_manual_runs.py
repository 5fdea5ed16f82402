"""Migration 0011_manual_runs upgrades a database holding the run a hand-made proposal used
to hang from (solver "none", status "manual"): it becomes a manual run with no solver or
status, and every other run a solved one; downgrading puts the old words back."""

from __future__ import annotations

import sqlalchemy as sa

from planner.core.db import make_engine
from planner.core.migrate import downgrade, upgrade

RUN = (
    "INSERT INTO match_run (created_at, created_by, as_of, solver, status, input_fingerprint,"
    " summary, unmatched, alternatives) VALUES ('2026-11-01 09:00:00', :by, '2026-11-01',"
    " :solver, :status, '', '{}', '[]', '[]')"
)


def test_a_populated_database_upgrades_and_downgrades_through_0011_manual_runs(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    upgrade(engine, "0010_issue15_contract")
    with engine.begin() as conn:
        conn.execute(sa.text(RUN), {"by": "ho01", "solver": "none", "status": "manual"})
        conn.execute(sa.text(RUN), {"by": "ho01", "solver": "cbc", "status": "optimal"})
    upgrade(engine, "0011_manual_runs")
    read = "SELECT kind, solver, status FROM match_run ORDER BY id"
    with engine.begin() as conn:
        assert [tuple(r) for r in conn.execute(sa.text(read))] == [
            ("manual", "", ""),
            ("solved", "cbc", "optimal"),
        ]
    downgrade(engine, "0010_issue15_contract")
    with engine.begin() as conn:
        rows = [tuple(r) for r in conn.execute(sa.text("SELECT solver, status FROM match_run"))]
    assert rows == [("none", "manual"), ("cbc", "optimal")]
    engine.dispose()
