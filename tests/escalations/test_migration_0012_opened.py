"""Migration 0012_fix_reports_opened: escalations the sweep back-dated to their stay's start
move to the day their trail says the planner opened them; the demo's stay as they are."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from migration_rows import insert_row, scratch_postgres

from planner.core.db import make_engine
from planner.core.migrate import upgrade

STAY_START, FIRST_DAY, MOVED = date(2026, 5, 14), date(2026, 11, 30), date(2026, 11, 20)


def _insert(conn, name: str, **values) -> int:
    return insert_row(conn, name, day=STAY_START, number=1, **values)


def _at_0011(engine) -> None:
    upgrade(engine, "0011_scenario_title")
    with engine.begin() as conn:
        for n, (actor, closed) in enumerate(
            (("scheduler", None), ("cli:kv", MOVED), ("demo", None))
        ):
            person = _insert(conn, "young_person", reference=f"YP{n}")
            stay = _insert(
                conn,
                "stay",
                young_person_id=person,
                placement_type="bed_and_breakfast",
                start_date=STAY_START,
                suitable=False,
            )
            esc = _insert(
                conn,
                "escalation",
                stay_id=stay,
                young_person_id=person,
                opened_on=STAY_START,
                closed_on=closed,
            )
            _insert(
                conn, "escalation_action", escalation_id=esc, on=FIRST_DAY, actor=actor,
                kind="opened",
            )  # fmt: skip


def _check(engine) -> None:
    upgrade(engine)
    with engine.begin() as conn:
        rows = conn.execute(
            sa.text("SELECT opened_on, closed_on FROM escalation ORDER BY id")
        ).all()
    days = [tuple(None if d is None else date.fromisoformat(str(d)[:10]) for d in r) for r in rows]
    assert days == [
        (FIRST_DAY, None),  # the planner's first day, not the stay's start
        (FIRST_DAY, FIRST_DAY),  # closed no earlier than it opened
        (STAY_START, None),  # the demo's trail is kept from the stay's start
    ]


def test_back_dated_escalations_move_to_the_day_the_planner_opened_them(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    _at_0011(engine)
    _check(engine)
    engine.dispose()


def test_the_same_on_postgres(postgres_url):
    with scratch_postgres(postgres_url) as engine:
        _at_0011(engine)
        _check(engine)
