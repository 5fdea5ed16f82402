"""Where a young person lives on a day: one rule (planner.young_people.lives), in a Python
form and a SQL form that must agree, read by the record, the list and its filter, and the
match run.

They live in the area of the stay current that day, else its place's provision's area,
else the home area on their record. Found by a walk through frozen days: a move agreed for
next month set the record's area on the day it was agreed, so the record said "Lives in
Cold Ridge" and the match run measured travel from Cold Ridge while the young person was
still in a B&B in Ashgill.
"""

from __future__ import annotations

from datetime import date, timedelta

import factories
import pytest
from sqlmodel import select

from planner.core import clock
from planner.domain import PlacementType, Role
from planner.domain.stays import stay_state
from planner.matching.service import accept_proposal, people_frame
from planner.models import Place, Provision, Stay, YoungPerson
from planner.young_people import service
from planner.young_people.lives import area_of, lives_in
from planner.young_people.queries import get_record, list_filters, list_young_people

TODAY = date(2026, 12, 1)
NEXT_MONTH = TODAY + timedelta(days=31)


@pytest.fixture(autouse=True)
def frozen():
    with clock.frozen(TODAY):
        yield


def _in_python(session, person: YoungPerson, day: date) -> str:
    """The Python form, from the rows in hand: the stay current on ``day`` and its provision."""
    stays = session.exec(select(Stay).where(Stay.young_person_id == person.id)).all()
    current = next((s for s in stays if stay_state(s, day) == "current"), None)
    provision_area = None
    if current is not None and current.place_id is not None:
        place = session.get(Place, current.place_id)
        provision_area = session.get(Provision, place.provision_id).area
    return area_of(current.area if current else None, provision_area, person.area)


def _everyone_lives_somewhere_else(session) -> dict[str, YoungPerson]:
    """One young person for each way the rule can go."""
    cold_ridge = factories.provision(session, area="Cold Ridge")
    eastfield = factories.provision(session, area="Eastfield")
    nowhere = factories.provision(session, area="")
    people = {
        "no stay yet": factories.young_person(session, area="Ashgill"),
        "stay's own area": factories.young_person(session, area="Ashgill"),
        "provision's area": factories.young_person(session, area="Ashgill"),
        "stay's area over the provision's": factories.young_person(session, area="Ashgill"),
        "stay with no area": factories.young_person(session, area="Ashgill"),
        "stay ended": factories.young_person(session, area="Ashgill"),
        "move planned": factories.young_person(session, area="Ashgill"),
        "first stay planned": factories.young_person(session, area="Ashgill"),
        "provision with no area": factories.young_person(session, area="Ashgill"),
        "nothing known": factories.young_person(session, area=""),
    }

    def stay(who: str, **fields):
        return factories.stay(session, young_person=people[who], **fields)

    stay("stay's own area", area="Bramley", placement_type=PlacementType.bed_and_breakfast)
    stay("provision's area", place=factories.place(session, provision=cold_ridge))
    stay(
        "stay's area over the provision's",
        place=factories.place(session, provision=cold_ridge),
        area="Fenwick",
    )
    stay("stay with no area", placement_type=PlacementType.sofa_surfing)
    stay("stay ended", area="Bramley", end_date=TODAY - timedelta(days=1))
    stay(
        "move planned",
        area="Dunmore",
        placement_type=PlacementType.bed_and_breakfast,
        end_date=NEXT_MONTH,
    )
    stay("move planned", place=factories.place(session, provision=eastfield), start_date=NEXT_MONTH)
    stay("first stay planned", area="Bramley", start_date=NEXT_MONTH)
    stay("provision with no area", place=factories.place(session, provision=nowhere))
    return people


EXPECTED = {
    TODAY: {
        "no stay yet": "Ashgill",
        "stay's own area": "Bramley",
        "provision's area": "Cold Ridge",
        "stay's area over the provision's": "Fenwick",
        "stay with no area": "Ashgill",
        "stay ended": "Ashgill",
        "move planned": "Dunmore",
        "first stay planned": "Ashgill",
        "provision with no area": "Ashgill",
        "nothing known": "",
    },
    NEXT_MONTH: {
        "no stay yet": "Ashgill",
        "stay's own area": "Bramley",
        "provision's area": "Cold Ridge",
        "stay's area over the provision's": "Fenwick",
        "stay with no area": "Ashgill",
        "stay ended": "Ashgill",
        "move planned": "Eastfield",
        "first stay planned": "Bramley",
        "provision with no area": "Ashgill",
        "nothing known": "",
    },
}


@pytest.mark.parametrize("day", [TODAY, NEXT_MONTH], ids=["today", "next month"])
def test_the_python_and_sql_forms_agree(session, day):
    people = _everyone_lives_somewhere_else(session)
    in_sql = lives_in(session, day, [p.id for p in people.values()])
    in_python = {who: _in_python(session, p, day) for who, p in people.items()}
    assert {who: in_sql[p.id] for who, p in people.items()} == in_python == EXPECTED[day]
    # every person, or a few: the same answer
    everyone = lives_in(session, day)
    assert all(everyone[p.id] == in_sql[p.id] for p in people.values())


def test_the_record_the_list_and_its_filter_read_the_one_rule(session):
    people = _everyone_lives_somewhere_else(session)
    manager = factories.user(session, role=Role.manager)
    ids = {p.id: who for who, p in people.items()}
    for day in (TODAY, NEXT_MONTH):
        with clock.frozen(day):
            expected = EXPECTED[day]
            for who, person in people.items():
                record = get_record(session, viewer=manager, young_person_id=person.id)
                assert record.area == expected[who], (day, who)
                assert record.home_area == person.area  # never moved by a stay
            rows = list_young_people(session, viewer=manager, today=day, per_page=100).rows
            assert {ids[r.id]: r.area for r in rows if r.id in ids} == expected
            for area in ("Ashgill", "Dunmore", "Eastfield"):
                found = list_young_people(session, viewer=manager, today=day, area=area).rows
                shown = {ids[r.id] for r in found if r.id in ids}
                assert shown == {who for who, a in expected.items() if a == area}, (day, area)
            _, areas = list_filters(session, viewer=manager)
            assert {a for a in expected.values() if a} <= set(areas)
            assert ("Dunmore" in areas) == (day == TODAY)


def _in_bnb_with_a_move_next_month(session):
    person = factories.young_person(session, area="Ashgill")
    factories.stay(
        session, young_person=person, area="Ashgill", placement_type=PlacementType.bed_and_breakfast
    )
    cold_ridge = factories.provision(session, area="Cold Ridge")
    vacancy = factories.vacancy(session, place=factories.place(session, provision=cold_ridge))
    proposal = factories.proposal(session, young_person=person, vacancy=vacancy)
    accept_proposal(
        session, proposal_id=proposal.id, expected_version=1, actor="officer", start=NEXT_MONTH
    )
    session.refresh(person)
    return person


def test_a_move_planned_for_next_month_changes_where_they_live_on_its_day_only(session):
    person = _in_bnb_with_a_move_next_month(session)
    manager = factories.user(session, role=Role.manager)
    # today: still in the B&B in Ashgill, on the record, the list and its filter
    assert person.area == "Ashgill"  # accepting the move wrote nothing to the record
    assert get_record(session, viewer=manager, young_person_id=person.id).area == "Ashgill"
    cold = list_young_people(session, viewer=manager, area="Cold Ridge").rows
    assert person.id not in {r.id for r in cold}
    # the match run: their planned move meets their need, so today's run leaves them out;
    # the day before the move, a run still reads where they are
    today = people_frame(session, TODAY)
    assert today.empty or person.reference not in set(today["person_id"])
    the_day_before = NEXT_MONTH - timedelta(days=1)
    with clock.frozen(the_day_before):
        assert get_record(session, viewer=manager, young_person_id=person.id).area == "Ashgill"
    # on the move's day, with nothing written that day: Cold Ridge everywhere
    with clock.frozen(NEXT_MONTH):
        assert get_record(session, viewer=manager, young_person_id=person.id).area == "Cold Ridge"
        cold = list_young_people(session, viewer=manager, area="Cold Ridge").rows
        assert person.id in {r.id for r in cold}
        frame = people_frame(session, NEXT_MONTH).set_index("person_id")
        assert frame.loc[person.reference, "area"] == "Cold Ridge"
    session.refresh(person)
    assert person.area == "Ashgill"  # their home area: a move never changes it


def test_the_match_run_reads_where_they_live_today_not_a_move_called_off(session):
    """Called off the same day, the move leaves nothing behind: today's run measures travel
    from the B&B in Ashgill, as it would have before the move was agreed."""
    person = _in_bnb_with_a_move_next_month(session)
    service.cancel_move(
        session,
        young_person_id=person.id,
        expected_version=person.version,
        reason="place_not_ready",
        actor="officer",
    )
    frame = people_frame(session, TODAY).set_index("person_id")
    assert frame.loc[person.reference, "area"] == "Ashgill"
    later = people_frame(session, NEXT_MONTH).set_index("person_id")
    assert later.loc[person.reference, "area"] == "Ashgill"


def test_the_match_run_reads_a_stays_area_over_the_home_area(session):
    """The run's people read the one rule: the current stay's area, else its provision's."""
    people = _everyone_lives_somewhere_else(session)
    frame = people_frame(session, TODAY).set_index("person_id")
    for who, person in people.items():
        if person.reference in frame.index:  # those with a stay current today
            assert frame.loc[person.reference, "area"] == EXPECTED[TODAY][who], who
    assert people["stay's area over the provision's"].reference in frame.index
    assert people["provision's area"].reference in frame.index
