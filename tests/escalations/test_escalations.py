"""Escalation review: every young person in unsuitable accommodation is tracked, levels
rise by rule, supervision is due every 4 weeks, and the board's report names no one."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlmodel import select

from planner.core.errors import PlannerError
from planner.demo.council import generate_council, load_council, seed_escalation_trail
from planner.escalations.queries import queue
from planner.escalations.rules import required_level
from planner.escalations.service import (
    EscalationConflict,
    build_report,
    record_action,
    sweep,
)
from planner.jobs.scheduler import execute, job_spec
from planner.models import AuditEvent, Escalation, EscalationAction, Stay

AS_OF = date(2024, 3, 31)


@pytest.fixture(scope="module")
def council():
    return generate_council(2024, AS_OF)


@pytest.mark.parametrize(
    ("age", "ptype", "days", "plan", "release_in", "level"),
    [
        (17, "bed_and_breakfast", 0, False, None, 4),  # the most urgent case there is
        (17, "sofa_surfing", 0, True, None, 2),
        (20, "sofa_surfing", 3, True, None, 1),
        (20, "sofa_surfing", 14, True, None, 2),
        (20, "bed_and_breakfast", 1, True, None, 2),
        (20, "sofa_surfing", 8, False, None, 3),  # no exit plan after 7 days
        (20, "sofa_surfing", 28, True, None, 3),
        (20, "sofa_surfing", 56, True, None, 4),
        (20, "custody", 0, False, 20, 3),  # release soon, no exit plan
        (20, "custody", 0, True, 20, 1),
        (20, "custody", 0, False, 90, 1),
    ],
)
def test_levels_follow_the_documented_rules(age, ptype, days, plan, release_in, level):
    got, why = required_level(
        age=age, placement_type=ptype, days=days, exit_plan=plan, release_in=release_in
    )
    assert got == level and why


def test_the_sweep_opens_one_escalation_per_unsuitable_stay_and_is_idempotent(session, council):
    load_council(session, council, actor="demo")
    first = sweep(session, today=AS_OF)
    assert (first.opened, first.open, first.closed) == (9, 9, 0)
    again = sweep(session, today=AS_OF)
    assert (again.opened, again.raised, again.closed) == (0, 0, 0)
    unsuitable = session.exec(
        select(Stay).where(Stay.end_date.is_(None), Stay.suitable.is_(False))
    ).all()
    assert {e.stay_id for e in session.exec(select(Escalation))} == {s.id for s in unsuitable}


def test_levels_rise_with_time_and_are_never_lowered_by_the_sweep(session, council):
    load_council(session, council, actor="demo")
    sweep(session, today=AS_OF)
    esc = session.exec(select(Escalation).order_by(Escalation.id)).first()
    esc.level = 4
    session.add(esc)
    session.flush()
    sweep(session, today=AS_OF)
    assert session.get(Escalation, esc.id).level == 4
    later = sweep(session, today=AS_OF + timedelta(days=60))
    assert later.raised > 0
    for e in session.exec(select(Escalation)):
        if session.get(Stay, e.stay_id).placement_type != "custody":
            assert e.level == 4  # 60 days there: the director is told
    kinds = {a.kind for a in session.exec(select(EscalationAction))}
    assert {"opened", "level"} <= kinds


def test_moving_somewhere_suitable_closes_the_escalation(session, council):
    load_council(session, council, actor="demo")
    sweep(session, today=AS_OF)
    esc = session.exec(select(Escalation).order_by(Escalation.id)).first()
    stay = session.get(Stay, esc.stay_id)
    moved_on = AS_OF + timedelta(days=3)
    stay.end_date = moved_on
    session.add(stay)
    session.flush()
    session.add(
        Stay(
            young_person_id=stay.young_person_id,
            placement_type="supported_lodgings",
            start_date=moved_on,
            suitable=True,
        )
    )
    session.flush()
    summary = sweep(session, today=moved_on)
    closed = session.get(Escalation, esc.id)
    assert summary.closed == 1 and closed.closed_on == moved_on
    assert closed.closure == "moved to supported_lodgings"
    assert esc.id not in {i.escalation_id for i in queue(session, today=moved_on)}


def test_supervision_and_exit_plans_are_recorded_as_compare_and_set(session, council):
    load_council(session, council, actor="demo")
    sweep(session, today=AS_OF)
    item = queue(session, today=AS_OF)[0]
    assert item.supervision_due == session.get(
        Escalation, item.escalation_id
    ).opened_on + timedelta(days=28)
    updated = record_action(
        session,
        escalation_id=item.escalation_id,
        expected_version=item.version,
        kind="supervision",
        on=AS_OF,
        actor="manager",
    )
    fresh = next(i for i in queue(session, today=AS_OF) if i.escalation_id == item.escalation_id)
    assert fresh.supervision_due == AS_OF + timedelta(days=28) and not fresh.supervision_overdue
    with pytest.raises(EscalationConflict):
        record_action(
            session,
            escalation_id=item.escalation_id,
            expected_version=item.version,
            kind="supervision",
            on=AS_OF,
            actor="other manager",
        )
    with pytest.raises(PlannerError):
        record_action(
            session,
            escalation_id=item.escalation_id,
            expected_version=updated.version,
            kind="exit_plan",
            on=AS_OF,
            actor="manager",
        )
    planned = record_action(
        session,
        escalation_id=item.escalation_id,
        expected_version=updated.version,
        kind="exit_plan",
        on=AS_OF,
        target=AS_OF + timedelta(days=30),
        actor="manager",
        note="agreed with the young person and their PA",
    )
    assert planned.exit_plan_target == AS_OF + timedelta(days=30)
    events = session.exec(select(AuditEvent).where(AuditEvent.entity == "escalation")).all()
    assert {e.action for e in events} == {"supervision", "exit_plan"}
    assert all("agreed" not in e.detail for e in events)  # notes stay with the case


def test_board_report_is_pseudonymised_and_director_report_names_references(session, council):
    load_council(session, council, actor="demo")
    seed_escalation_trail(session, council)
    board = json.loads(build_report(session, audience="board", today=AS_OF, actor="m").content)
    text = json.dumps(board)
    assert "YP" not in text and "pa0" not in text
    assert [r["case"] for r in board["rows"]] == list("ABCDEFGHI")
    assert board["totals"]["in_unsuitable_accommodation"] == 9
    assert board["totals"]["supervision_within_4_weeks_percent"] == round(100 * 8 / 9)
    director = json.loads(
        build_report(session, audience="director", today=AS_OF, actor="m").content
    )
    assert all(r["reference"].startswith("YP") for r in director["rows"])
    assert len(session.exec(select(AuditEvent).where(AuditEvent.action == "report")).all()) == 2


def test_the_scheduled_sweep_runs_as_a_recorded_job(sqlite_url, council):
    from planner.core.db import make_engine, unit_of_work
    from planner.core.migrate import upgrade

    engine = make_engine(sqlite_url)
    upgrade(engine)
    with unit_of_work(engine) as session:
        load_council(session, council, actor="demo")
    run = execute(job_spec("escalations.daily_sweep"), engine)
    assert run.outcome == "succeeded"
    assert json.loads(run.detail)["open"] == 9
    report = execute(job_spec("reports.monthly_board"), engine)
    assert report.outcome == "succeeded" and json.loads(report.detail)["report"] == 1
