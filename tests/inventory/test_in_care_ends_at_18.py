"""Care ends at 18 on the day, not when someone remembers to clear the flag.

A young person imported at 17 with ``in_care`` set keeps the flag in the database after
their birthday (the import refuses it only for someone already 18). From the birthday they
are a care leaver: counted as one in the status and overview, and their record says they
are no longer in care (so its care leaver contact section shows)."""

from __future__ import annotations

from datetime import date, timedelta

import factories

from planner.core import clock
from planner.domain import Role
from planner.inventory.status import summarise
from planner.young_people.queries import get_record

BIRTHDAY = date(2027, 1, 4)  # the 18th
EVE = BIRTHDAY - timedelta(days=1)


def _seventeen_in_care(session):
    person = factories.young_person(
        session, date_of_birth=date(2009, 1, 4), in_care=True, legal_status="eligible"
    )
    factories.stay(session, young_person=person, placement_type="in_care_other")
    return person


def test_the_status_counts_them_in_care_until_the_18th_birthday_and_a_care_leaver_from_it(
    session,
):
    _seventeen_in_care(session)
    eve, day = summarise(session, EVE).figures, summarise(session, BIRTHDAY).figures
    assert (eve["in_care_16_17"], eve["care_leavers"]) == (1, 0)
    assert (day["in_care_16_17"], day["care_leavers"]) == (0, 1)


def test_their_record_says_in_care_until_the_birthday_only(session):
    person = _seventeen_in_care(session)
    manager = factories.user(session, role=Role.manager)
    with clock.frozen(EVE):
        assert get_record(session, viewer=manager, young_person_id=person.id).in_care is True
    with clock.frozen(BIRTHDAY):
        assert get_record(session, viewer=manager, young_person_id=person.id).in_care is False


def test_still_recorded_in_care_after_18_the_record_and_the_status_say_so(session):
    """A stay in foster or residential care cannot go on past 18: from the birthday the
    record names the day care ended (its page warns that the deadline for a place has
    passed) and the status counts them, so someone puts the record right."""
    person = _seventeen_in_care(session)
    manager = factories.user(session, role=Role.manager)
    assert summarise(session, EVE).figures["in_care_after_18"] == 0
    assert summarise(session, BIRTHDAY).figures["in_care_after_18"] == 1
    with clock.frozen(EVE):
        assert get_record(session, viewer=manager, young_person_id=person.id).in_care_until is None
    for day in (BIRTHDAY, BIRTHDAY + timedelta(days=400)):
        with clock.frozen(day):
            record = get_record(session, viewer=manager, young_person_id=person.id)
            assert record.in_care_until == BIRTHDAY  # the day care ended, never moved on
