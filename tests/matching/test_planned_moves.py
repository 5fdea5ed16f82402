"""A move accepted for a later day is a planned stay: until that day the young person is
still where they are - on the escalation queue, in the unsuitable counts, in the board's
report - and on that day the sweep makes the move current and closes the escalation. A move
that starts today closes the escalation at once, in the same transaction as the accept."""

from __future__ import annotations

import json
from datetime import date, timedelta

import factories
from sqlmodel import select

from planner.core import clock
from planner.domain import PlacementType, Role
from planner.domain.stays import stay_state
from planner.escalations.queries import queue
from planner.escalations.service import build_report, sweep
from planner.forecasting.inputs import frames_from_database
from planner.inventory.status import summarise
from planner.matching.service import accept_proposal, people_frame
from planner.models import Escalation, Stay
from planner.young_people.queries import get_record, list_young_people

ACCEPTED_ON = date(2027, 1, 10)
MOVE = ACCEPTED_ON + timedelta(days=60)


def _in_bed_and_breakfast(session, day: date):
    """A 19-year-old 46 days in bed and breakfast on ``day``, escalated by the sweep, and an
    accepted-in-waiting proposal of a supported accommodation place free from ``day``."""
    with clock.frozen(day):
        person = factories.young_person(session)
        bnb = factories.stay(
            session,
            young_person=person,
            placement_type=PlacementType.bed_and_breakfast,
            start_date=day - timedelta(days=46),
        )
        sweep(session)
        proposal = factories.proposal(session, young_person=person)
    return person, bnb, proposal


def _accept(session, proposal, start: date):
    return accept_proposal(
        session,
        proposal_id=proposal.id,
        expected_version=proposal.version,
        actor="officer",
        start=start,
    )


def _escalation(session, stay_id: int) -> Escalation:
    return session.exec(select(Escalation).where(Escalation.stay_id == stay_id)).one()


def _board_count(session) -> int:
    report = build_report(session, audience="board", actor="manager")
    return json.loads(report.content)["totals"]["in_unsuitable_accommodation"]


def _forecast_placement(session, reference: str) -> str:
    """Where the forecast's starting population has this young person today."""
    people = frames_from_database(session, clock.today())["people"]
    return str(people.set_index("person_id").loc[reference, "placement_type"])


def test_a_move_for_a_later_day_keeps_them_escalated_and_counted_until_that_day(session):
    person, bnb, proposal = _in_bed_and_breakfast(session, ACCEPTED_ON)
    with clock.frozen(ACCEPTED_ON):
        placement = _accept(session, proposal, MOVE)
        assert person.id in {i.young_person_id for i in queue(session)}
    new_stay = session.get(Stay, placement.stay_id)
    assert session.get(Stay, bnb.id).end_date == MOVE  # in B&B until the move

    with clock.frozen(MOVE - timedelta(days=1)):
        assert stay_state(new_stay, clock.today()) == "planned"
        sweep(session)
        assert [i.young_person_id for i in queue(session)] == [person.id]
        assert _escalation(session, bnb.id).closed_on is None
        assert summarise(session).figures["unsuitable"] == 1
        assert summarise(session).figures["bed_and_breakfast"] == 1
        assert _board_count(session) == 1
        # still where they are, but not offered other places: the planned move meets the need
        assert person.reference not in set(
            people_frame(session, clock.today()).get("person_id", [])
        )
        viewer = factories.user(session, role=Role.manager)
        record = get_record(session, viewer=viewer, young_person_id=person.id)
        assert record.current_stay and record.current_stay.placement_type == "bed_and_breakfast"
        assert record.planned_stay and record.planned_stay.start_date == MOVE
        listed = list_young_people(session, viewer=viewer, unsuitable_only=True)
        assert [r.reference for r in listed.rows] == [person.reference]
        assert _forecast_placement(session, person.reference) == "bed_and_breakfast"

    with clock.frozen(MOVE):
        sweep(session)
        assert stay_state(new_stay, clock.today()) == "current"
        esc = _escalation(session, bnb.id)
        assert esc.closed_on == MOVE
        assert esc.closure == "moved to supported_accommodation"
        assert queue(session) == []
        assert summarise(session).figures["unsuitable"] == 0
        assert _board_count(session) == 0
        assert _forecast_placement(session, person.reference) == "supported_accommodation"


def test_a_move_that_starts_today_closes_the_escalation_at_once(session):
    person, bnb, proposal = _in_bed_and_breakfast(session, ACCEPTED_ON)
    with clock.frozen(ACCEPTED_ON):
        assert person.id in {i.young_person_id for i in queue(session)}
        _accept(session, proposal, ACCEPTED_ON)  # no sweep after this
        assert queue(session) == []
        esc = _escalation(session, bnb.id)
        assert esc.closed_on == ACCEPTED_ON
        assert esc.closure == "moved to supported_accommodation"


def test_status_as_of_a_past_day_counts_that_days_stays(session):
    person = factories.young_person(session)
    factories.stay(
        session,
        young_person=person,
        placement_type=PlacementType.bed_and_breakfast,
        start_date=date(2021, 6, 1),
        end_date=date(2022, 3, 1),
    )
    factories.stay(session, young_person=person, start_date=date(2022, 3, 1))
    assert summarise(session, date(2022, 1, 1)).figures["unsuitable"] == 1
    assert summarise(session, date(2022, 2, 28)).figures["bed_and_breakfast"] == 1
    assert summarise(session, date(2022, 3, 1)).figures["unsuitable"] == 0
    assert summarise(session, date(2021, 5, 31)).figures["other_suitable"] == 0
