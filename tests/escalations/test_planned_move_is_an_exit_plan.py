"""A move out of unsuitable accommodation, planned or accepted for a later day, is the young
person's exit plan (planner.escalations.rules.has_exit_plan) on the queue, the escalation's
page, the manager's to-do, the sweep's summary and both exception reports. Until its day
they are still in unsuitable accommodation: still listed, still counted, still supervised.

Found by a walk through frozen days: a young person in B&B with a move agreed for next month
read "No exit plan" everywhere, was raised to the head of service for it, and was reported
to the director and the board as having none.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import factories
import pytest

from planner.core import clock
from planner.domain import PlacementType, Role
from planner.escalations.queries import get_escalation_or_raise, queue, to_do
from planner.escalations.rules import (
    PlannedMove,
    exit_plan_brief,
    exit_plan_words,
    has_exit_plan,
    report_summary,
)
from planner.escalations.service import build_report, record_action, sweep
from planner.matching.service import accept_proposal
from planner.young_people import service as young_people

TODAY = date(2026, 12, 1)
MOVE_DAY = date(2027, 1, 14)
MOVING = "Moving to Fellside House, Flat 2 on 14 January 2027"


@pytest.fixture(autouse=True)
def frozen():
    with clock.frozen(TODAY):
        yield


def _in_bnb(session, *, days: int = 10):
    person = factories.young_person(session, age=19)
    stay = factories.stay(
        session,
        young_person=person,
        placement_type=PlacementType.bed_and_breakfast,
        start_date=TODAY - timedelta(days=days),
    )
    return person, stay


def _accept_a_move(session, person, *, on: date = MOVE_DAY) -> None:
    fellside = factories.provision(session, name="Fellside House")
    place = factories.place(session, provision=fellside, label="Flat 2")
    proposal = factories.proposal(
        session, young_person=person, vacancy=factories.vacancy(session, place=place)
    )
    accept_proposal(session, proposal_id=proposal.id, expected_version=1, actor="t", start=on)


def test_the_rule_and_its_words():
    move = PlannedMove(
        on=MOVE_DAY, placement_type="supported_accommodation", place="Fellside House, Flat 2"
    )
    agreed, target = date(2026, 11, 20), date(2026, 12, 24)
    assert has_exit_plan(None, move) and has_exit_plan(agreed, None)
    assert not has_exit_plan(None, None)
    assert exit_plan_words(None, None, move) == MOVING
    assert (
        exit_plan_words(agreed, target, None) == "Agreed 20 November 2026, target 24 December 2026"
    )
    assert exit_plan_words(agreed, target, move) == (
        f"{MOVING} (exit plan agreed 20 November 2026, target 24 December 2026)"
    )
    assert exit_plan_words(None, None, None) == "No exit plan"
    assert exit_plan_brief(target, move) == MOVING
    assert exit_plan_brief(target, None) == "Target 24 December 2026"
    assert exit_plan_brief(None, None) == "No exit plan"
    tenancy = PlannedMove(on=MOVE_DAY, placement_type="independent_tenancy")
    assert exit_plan_brief(None, tenancy) == "Moving on 14 January 2027 (independent tenancy)"


def test_the_queue_keeps_them_with_the_move_as_their_exit_plan_until_its_day(session):
    person, _ = _in_bnb(session)
    _accept_a_move(session, person)
    summary = sweep(session, today=TODAY, actor="t")
    (item,) = [i for i in queue(session, today=TODAY) if i.young_person_id == person.id]
    # still in unsuitable accommodation: a planned move never hides anyone in B&B
    assert item.placement_type == PlacementType.bed_and_breakfast and item.days == 10
    assert item.has_exit_plan and item.planned_move.on == MOVE_DAY
    assert item.exit_plan_brief == item.exit_plan_words == MOVING
    assert item.exit_plan_agreed_on is None  # nothing recorded as agreed: the move is the plan
    # not raised to the head of service for having no exit plan after 7 days
    assert item.level == 2 and "exit plan" not in item.reason
    assert summary.without_exit_plan == 0
    manager = factories.user(session, role=Role.manager)
    assert to_do(session, viewer=manager, today=TODAY).no_exit_plan == 0
    # the day before the move they are still there; on its day they are gone
    the_day_before = MOVE_DAY - timedelta(days=1)
    assert person.id in {i.young_person_id for i in queue(session, today=the_day_before)}
    assert person.id not in {i.young_person_id for i in queue(session, today=MOVE_DAY)}


def test_without_a_move_or_an_agreed_plan_there_is_no_exit_plan(session):
    person, _ = _in_bnb(session)
    sweep(session, today=TODAY, actor="t")
    (item,) = [i for i in queue(session, today=TODAY) if i.young_person_id == person.id]
    assert not item.has_exit_plan and item.planned_move is None
    assert item.exit_plan_brief == item.exit_plan_words == "No exit plan"
    assert item.level == 3 and item.reason == "no exit plan after 7 days"


def _queued_after_a_move_into(session, placement_type_code: str):
    """The queue's item for a young person in bed and breakfast once a move into
    ``placement_type_code`` on MOVE_DAY is recorded today (and the sweep has run)."""
    person, _ = _in_bnb(session)
    young_people.record_move(
        session,
        young_person_id=person.id,
        expected_version=person.version,
        start=MOVE_DAY,
        placement_type_code=placement_type_code,
        actor="t",
    )
    sweep(session, today=TODAY, actor="t")
    (item,) = [i for i in queue(session, today=TODAY) if i.young_person_id == person.id]
    return item


def test_a_move_planned_into_other_unsuitable_accommodation_is_no_exit_plan(session):
    item = _queued_after_a_move_into(session, "emergency_accommodation")
    assert not item.has_exit_plan and item.exit_plan_brief == "No exit plan"


def test_a_move_recorded_for_a_later_day_counts_too(session):
    item = _queued_after_a_move_into(session, "independent_tenancy")
    assert item.has_exit_plan
    assert item.exit_plan_brief == "Moving on 14 January 2027 (independent tenancy)"


def test_the_escalations_page_says_where_they_are_moving_and_when(session):
    person, _ = _in_bnb(session)
    _accept_a_move(session, person)
    sweep(session, today=TODAY, actor="t")
    (item,) = [i for i in queue(session, today=TODAY) if i.young_person_id == person.id]
    record_action(
        session,
        escalation_id=item.escalation_id,
        expected_version=item.version,
        kind="exit_plan",
        on=date(2026, 11, 20),
        target=date(2026, 12, 24),
        actor="t",
    )
    manager = factories.user(session, role=Role.manager)
    view = get_escalation_or_raise(
        session, viewer=manager, escalation_id=item.escalation_id, today=TODAY
    )
    assert view.has_exit_plan and view.planned_move.on == MOVE_DAY
    assert view.exit_plan_words == (
        f"{MOVING} (exit plan agreed 20 November 2026, target 24 December 2026)"
    )
    # once the move's day has come the escalation is closed: the agreed plan is what was
    sweep(session, today=MOVE_DAY, actor="t")
    closed = get_escalation_or_raise(
        session, viewer=manager, escalation_id=item.escalation_id, today=MOVE_DAY
    )
    assert closed.closed_on == MOVE_DAY and closed.planned_move is None
    assert closed.exit_plan_words == "Agreed 20 November 2026, target 24 December 2026"


def test_both_reports_count_the_planned_move_as_an_exit_plan(session):
    moving, _ = _in_bnb(session)
    staying, _ = _in_bnb(session, days=3)
    _accept_a_move(session, moving)
    director = build_report(session, audience="director", today=TODAY, actor="t")
    board = build_report(session, audience="board", today=TODAY, actor="t")
    content = json.loads(director.content)
    assert content["totals"]["in_unsuitable_accommodation"] == 2  # the move is still to come
    assert content["totals"]["with_exit_plan"] == 1
    assert content["totals"]["with_exit_plan_percent"] == 50
    rows = {r["reference"]: r for r in content["rows"]}
    assert rows[moving.reference]["exit_plan"] == MOVING
    assert rows[staying.reference]["exit_plan"] == "No exit plan"
    cases = json.loads(board.content)["rows"]
    assert sorted(c["exit_plan"] for c in cases) == ["no", "yes"]
    summary = dict(report_summary(content["totals"], board=False, threshold=1))
    assert summary["With an exit plan (agreed, or a move planned)"] == "50%"


def test_a_report_saved_before_planned_moves_counted_keeps_its_own_words():
    """A saved report's share counted agreed plans only, and keeps saying so."""
    totals = {
        "in_unsuitable_accommodation": 2,
        "aged_16_17": 0,
        "by_level": {"team manager": 2},
        "supervision_within_4_weeks_percent": 100,
        "with_exit_plan_percent": 50,
        "longest_days": 10,
    }
    summary = dict(report_summary(totals, board=False, threshold=1))
    assert summary["With an agreed exit plan"] == "50%"
