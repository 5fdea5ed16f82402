"""Escalation review: every young person in unsuitable accommodation is tracked, levels
rise by rule, supervision is due every 4 weeks, and the board's report names no one."""

from __future__ import annotations

import json
from datetime import date, timedelta

import factories
import pytest
from sqlmodel import col, select

from planner.core import clock
from planner.core.errors import PlannerError
from planner.core.listing import ListParams
from planner.domain import PlacementType, Role
from planner.escalations.queries import escalation_queue_page, get_escalation_or_raise, queue
from planner.escalations.rules import required_level
from planner.escalations.service import (
    EscalationConflict,
    build_report,
    record_action,
    sweep,
)
from planner.jobs.scheduler import execute, job_spec
from planner.models import AuditEvent, Escalation, EscalationAction, Stay, YoungPerson

AS_OF = date(2024, 3, 31)


def _unsuitable_stays(session) -> list[Stay]:
    """Three young people in unsuitable accommodation on AS_OF - a 17-year-old in bed and
    breakfast for 20 days, a 20-year-old sofa surfing for 3, a 20-year-old in custody with
    release in 90 days - beside the stays the sweep must leave alone: a suitable home, an
    unsuitable stay that has ended, and one of a young person who has left the service."""
    with clock.frozen(AS_OF):
        adviser = factories.user(session, role=Role.personal_adviser, username="pa01")
        stays = [
            factories.stay(
                session,
                young_person=factories.young_person(
                    session, age=17, personal_adviser_id=adviser.id
                ),
                placement_type=PlacementType.bed_and_breakfast,
                start_date=AS_OF - timedelta(days=20),
            ),
            factories.stay(
                session,
                young_person=factories.young_person(
                    session, age=20, personal_adviser_id=adviser.id
                ),
                placement_type=PlacementType.sofa_surfing,
                start_date=AS_OF - timedelta(days=3),
            ),
            factories.stay(
                session,
                young_person=factories.young_person(session, age=20),
                placement_type=PlacementType.custody,
                start_date=AS_OF - timedelta(days=200),
                expected_end=AS_OF + timedelta(days=90),
            ),
        ]
        factories.stay(session, place=factories.place(session))  # suitable
        moved = factories.young_person(session)
        factories.stay(
            session,
            young_person=moved,
            placement_type=PlacementType.sofa_surfing,
            start_date=AS_OF - timedelta(days=90),
            end_date=AS_OF - timedelta(days=60),
        )
        factories.stay(session, young_person=moved, start_date=AS_OF - timedelta(days=60))
        gone = factories.young_person(session, age=24, left_service_on=AS_OF - timedelta(days=5))
        factories.stay(session, young_person=gone, placement_type=PlacementType.no_fixed_abode)
    return stays


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


def test_the_sweep_opens_one_escalation_per_unsuitable_stay_and_is_idempotent(session):
    unsuitable = _unsuitable_stays(session)
    first = sweep(session, today=AS_OF)
    assert (first.opened, first.open, first.closed) == (3, 3, 0)
    again = sweep(session, today=AS_OF)
    assert (again.opened, again.raised, again.closed) == (0, 0, 0)
    assert {e.stay_id for e in session.exec(select(Escalation))} == {s.id for s in unsuitable}
    levels = {e.stay_id: e.level for e in session.exec(select(Escalation))}
    assert [levels[s.id] for s in unsuitable] == [4, 1, 1]  # 16-17 in B&B is the most urgent


def test_levels_rise_with_time_and_are_never_lowered_by_the_sweep(session):
    unsuitable = _unsuitable_stays(session)
    sweep(session, today=AS_OF)
    esc = session.exec(select(Escalation).where(Escalation.stay_id == unsuitable[2].id)).one()
    esc.level = 4
    session.add(esc)
    session.flush()
    sweep(session, today=AS_OF)
    assert session.get(Escalation, esc.id).level == 4  # the rules say 1 for custody today
    later = sweep(session, today=AS_OF + timedelta(days=60))
    assert later.raised > 0
    for e in session.exec(select(Escalation)):
        if session.get(Stay, e.stay_id).placement_type != "custody":
            assert e.level == 4  # 60 days there: the director is told
    kinds = {a.kind for a in session.exec(select(EscalationAction))}
    assert {"opened", "level"} <= kinds


def test_moving_somewhere_suitable_closes_the_escalation(session):
    _unsuitable_stays(session)
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
    manager = factories.user(session, role=Role.manager)
    view = get_escalation_or_raise(session, viewer=manager, escalation_id=esc.id, today=moved_on)
    assert view.closure == "moved to supported lodgings"  # words, never the stored code
    assert [a.note for a in view.history if a.kind == "closed"] == [view.closure]
    assert session.get(Escalation, esc.id).closure == "moved to supported_lodgings"
    assert esc.id not in {i.escalation_id for i in queue(session, today=moved_on)}
    assert summary.open == 2  # the others are still tracked


def test_an_escalation_opens_the_day_the_planner_sees_the_stay_not_its_start(session):
    """A council's first day: a stay 100 days in bed and breakfast gets its escalation
    today, with its first supervision due in 4 weeks, not overdue since long before the
    planner existed; its days there still count from the stay's start."""
    with clock.frozen(AS_OF):
        stay = factories.stay(
            session,
            placement_type=PlacementType.bed_and_breakfast,
            start_date=AS_OF - timedelta(days=100),
        )
        summary = sweep(session, today=AS_OF)
        item = next(
            i for i in queue(session, today=AS_OF) if i.young_person_id == stay.young_person_id
        )
    assert summary.supervision_overdue == 0
    assert session.get(Escalation, item.escalation_id).opened_on == AS_OF
    assert item.supervision_due == AS_OF + timedelta(days=28) and not item.supervision_overdue
    assert item.days == 100


def test_supervision_and_exit_plans_are_recorded_as_compare_and_set(session):
    _unsuitable_stays(session)
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


def test_board_report_is_pseudonymised_and_director_report_names_references(session):
    unsuitable = _unsuitable_stays(session)
    sweep(session, today=AS_OF - timedelta(days=40))  # the custody stay is seen 40 days ago
    sweep(session, today=AS_OF)
    escalations = session.exec(
        select(Escalation).where(col(Escalation.closed_on).is_(None)).order_by(Escalation.id)
    ).all()
    for esc in escalations:
        if esc.stay_id == unsuitable[2].id:
            continue  # escalated 40 days ago and never supervised: overdue
        record_action(
            session,
            escalation_id=esc.id,
            expected_version=esc.version,
            kind="supervision",
            on=AS_OF - timedelta(days=5),
            actor="manager",
        )
    references = [session.get(YoungPerson, s.young_person_id).reference for s in unsuitable]
    board = json.loads(build_report(session, audience="board", today=AS_OF, actor="m").content)
    text = json.dumps(board)
    assert "YP" not in text and "pa0" not in text
    assert not any(ref in text for ref in references)
    assert [r["case"] for r in board["rows"]] == list("ABC")
    assert board["totals"]["in_unsuitable_accommodation"] == 3
    assert board["totals"]["aged_16_17"] == 1
    assert board["totals"]["supervision_within_4_weeks_percent"] == round(100 * 2 / 3)
    director = json.loads(
        build_report(session, audience="director", today=AS_OF, actor="m").content
    )
    assert sorted(r["reference"] for r in director["rows"]) == sorted(references)
    assert {r["personal_adviser"] for r in director["rows"]} == {"pa01", ""}
    assert len(session.exec(select(AuditEvent).where(AuditEvent.action == "report")).all()) == 2


def test_the_scheduled_sweep_runs_as_a_recorded_job(sqlite_url):
    from planner.core.db import make_engine, unit_of_work
    from planner.core.migrate import upgrade

    engine = make_engine(sqlite_url)
    upgrade(engine)
    with unit_of_work(engine) as session:
        for ptype in (PlacementType.bed_and_breakfast, PlacementType.sofa_surfing):
            factories.stay(session, placement_type=ptype)
        factories.stay(session)  # suitable: not escalated
    run = execute(job_spec("escalations.daily_sweep"), engine)
    assert run.outcome == "succeeded"
    assert json.loads(run.detail)["open"] == 2
    report = execute(job_spec("reports.monthly_board"), engine)
    assert report.outcome == "succeeded" and json.loads(report.detail)["report"] == 1
    engine.dispose()


def test_an_earlier_supervision_entered_late_never_makes_the_last_one_older(session):
    _unsuitable_stays(session)
    sweep(session, today=AS_OF)
    item = queue(session, today=AS_OF)[0]
    later = record_action(
        session,
        escalation_id=item.escalation_id,
        expected_version=item.version,
        kind="supervision",
        on=AS_OF,
        actor="manager",
    )
    version = later.version  # the same row object is returned each time
    earlier = record_action(
        session,
        escalation_id=item.escalation_id,
        expected_version=version,
        kind="supervision",
        on=AS_OF - timedelta(days=10),
        actor="manager",
    )
    assert earlier.last_supervision_on == AS_OF  # the later one stays "last"
    assert earlier.version == version + 1  # the earlier one is still in the trail
    kinds = [
        a.on
        for a in session.exec(
            select(EscalationAction).where(
                EscalationAction.escalation_id == item.escalation_id,
                EscalationAction.kind == "supervision",
            )
        )
    ]
    assert sorted(kinds) == [AS_OF - timedelta(days=10), AS_OF]
    first = record_action(
        session,
        escalation_id=item.escalation_id,
        expected_version=earlier.version,
        kind="pathway_plan",
        on=AS_OF,
        actor="manager",
    )
    second = record_action(
        session,
        escalation_id=item.escalation_id,
        expected_version=first.version,
        kind="pathway_plan",
        on=AS_OF - timedelta(days=3),
        actor="manager",
    )
    assert second.pathway_plan_updated_on == AS_OF


def test_the_queue_sorts_filters_and_pages_keeping_most_urgent_first_by_default(session):
    unsuitable = _unsuitable_stays(session)
    sweep(session, today=AS_OF)
    manager = factories.user(session, role=Role.manager)
    people = {s.young_person_id: session.get(YoungPerson, s.young_person_id) for s in unsuitable}
    b_and_b, sofa, custody = (people[s.young_person_id].reference for s in unsuitable)

    def shown(params: ListParams, **filters) -> list[str]:
        found = escalation_queue_page(
            session, viewer=manager, params=params, today=AS_OF, **filters
        )
        return [i.reference for i in found.page.rows]

    urgent = ListParams("level", descending=True)
    assert shown(urgent) == [i.reference for i in queue(session, today=AS_OF)]
    assert shown(urgent)[0] == b_and_b  # level 4 first
    assert shown(ListParams("days")) == [sofa, b_and_b, custody]  # 3, 20 and 200 days there
    assert shown(ListParams("days", descending=True)) == [custody, b_and_b, sofa]
    assert shown(ListParams("adviser"))[-1] == custody  # no adviser: last either way
    assert shown(ListParams("adviser", descending=True))[-1] == custody
    assert shown(urgent, level=1) == [r for r in shown(urgent) if r != b_and_b]
    assert shown(urgent, adviser="pa01") == [b_and_b, sofa]
    assert shown(urgent, adviser="pa01", level=4) == [b_and_b]
    assert shown(urgent, adviser="nobody") == []
    second = escalation_queue_page(
        session, viewer=manager, params=ListParams("days", page=2, per_page=2), today=AS_OF
    )
    assert [i.reference for i in second.page.rows] == [custody]
    assert (second.page.total, second.page.pages) == (3, 2)
    assert second.advisers == ["pa01"]  # the filter's choices: the whole queue's advisers
