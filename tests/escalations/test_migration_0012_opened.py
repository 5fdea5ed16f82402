"""Migration 0012_fix_reports_opened: escalations the sweep back-dated to their stay's start
move to the day their trail says the planner opened them; the demo's stay as they are."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import sqlalchemy as sa

from planner.core.db import make_engine
from planner.core.migrate import upgrade

STAY_START, FIRST_DAY, MOVED = date(2026, 5, 14), date(2026, 11, 30), date(2026, 11, 20)


def _insert(conn, name: str, **values) -> int:
    """A row of ``name`` as the database stands at 0011, every other required column filled."""
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
            int: 1,
            bool: False,
            date: STAY_START,
            datetime: datetime(2026, 11, 30, tzinfo=UTC),
        }.get(kind, "x")
    return conn.execute(table.insert().values(**row)).inserted_primary_key[0]


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
    admin = sa.create_engine(make_engine(postgres_url).url, isolation_level="AUTOCOMMIT")
    name = f"scratch_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(admin.url.set(database=name).render_as_string(hide_password=False))
    try:
        _at_0011(engine)
        _check(engine)
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE "{name}"'))
        admin.dispose()
