"""The deadlines the planner works out from its records before a match run, and their words.

A young person in care must move by their 18th birthday only where their placement ends
then (foster or residential care, or a place for under-18s) and nothing is tied to them
after 18; supported lodgings and the framework's supported accommodation take them on.
Found by a new council's first use: every in-care 17-year-old in a 16-21 scheme was "needed
by" their birthday, described as a "date recorded as needed by".

Someone still recorded in foster or residential care after their 18th birthday keeps that
birthday as their deadline, passed: care ended then, so the move is overdue. Found by a walk
through frozen days: from the day after the birthday the deadline was silently dropped, so
they left every match run's imminent needs and read as needing no move at all.
"""

from __future__ import annotations

from datetime import date

import factories

from planner.core import clock
from planner.domain import PlacementType, birthday
from planner.domain.text import day_words
from planner.matching.service import list_proposals, people_frame, run_matching
from planner.models import YoungPerson

AS_OF = date(2026, 11, 30)


TURNS_18_SOON = date(2008, 12, 30)  # 18 on 30 December 2026: a month after the run


def _in_care(session, *, age: int, placement: PlacementType, max_age: int = 21):
    born = {"date_of_birth": TURNS_18_SOON} if age == 17 else {}
    person = factories.young_person(session, age=age, on=AS_OF, in_care=True, **born)
    if placement == PlacementType.in_care_other:
        factories.stay(session, young_person=person, placement_type=placement, start_date=AS_OF)
    else:
        scheme = factories.provision(session, placement_type=placement, max_age=max_age)
        where = factories.place(session, provision=scheme)
        factories.stay(session, young_person=person, place=where, start_date=AS_OF)
    return person


def test_foster_or_residential_care_ends_at_18_and_says_so(session):
    with clock.frozen(AS_OF):
        person = _in_care(session, age=17, placement=PlacementType.in_care_other)
        registered = factories.provision(session, ofsted_registered=True)  # for under-18s
        factories.vacancy(session, place=factories.place(session, provision=registered))
        row = people_frame(session, AS_OF).set_index("person_id").loc[person.reference]
        assert row["needed_by"] == birthday(person.date_of_birth, 18)
        assert row["needed_by_reason"] == "turns 18 and leaves care"
        assert row["current_accommodation"] == "in_care_other"
        run = run_matching(session, actor="officer", as_of=AS_OF)
        (proposal,) = list_proposals(session, match_run_id=run.id)
    assert "in care (foster or residential)" in proposal.reasons
    assert "(turns 18 and leaves care)" in proposal.reasons
    assert "other suitable accommodation" not in proposal.reasons
    assert "date recorded" not in proposal.reasons


def test_a_scheme_that_takes_them_after_18_sets_no_deadline(session):
    with clock.frozen(AS_OF):
        framework = _in_care(session, age=17, placement=PlacementType.supported_accommodation)
        lodgings = _in_care(session, age=17, placement=PlacementType.supported_lodgings)
        under_18s = _in_care(
            session, age=17, placement=PlacementType.supported_accommodation, max_age=17
        )
        frame = people_frame(session, AS_OF).set_index("person_id")
    assert frame.loc[framework.reference, "needed_by"] is None
    assert frame.loc[lodgings.reference, "needed_by"] is None
    assert frame.loc[under_18s.reference, "needed_by"] == birthday(under_18s.date_of_birth, 18)


def test_still_in_foster_or_residential_care_after_18_the_deadline_shows_as_passed(session):
    with clock.frozen(AS_OF):
        stale = _in_care(session, age=19, placement=PlacementType.in_care_other)
        unflagged = _in_care(session, age=19, placement=PlacementType.in_care_other)
        unflagged.in_care = False  # the flag cleared, the stay not brought up to date
        session.add(unflagged)
        session.flush()
        frame = people_frame(session, AS_OF).set_index("person_id")
        for person in (stale, unflagged):
            row = frame.loc[person.reference]
            assert row["needed_by"] == birthday(person.date_of_birth, 18) < AS_OF
            assert row["needed_by_reason"] == "turned 18 and left care"
        factories.vacancy(session)  # one place: the run proposes it for a move overdue
        run = run_matching(session, actor="officer", as_of=AS_OF)
        (proposal,) = list_proposals(session, match_run_id=run.id)
    assert proposal.stage == "b"  # a deadline to meet, not the best fit for no need
    chosen = session.get(YoungPerson, proposal.young_person_id)
    eighteenth = day_words(birthday(chosen.date_of_birth, 18))
    assert f"needed by {eighteenth} (passed: turned 18 and left care)" in proposal.reasons
    assert "a date already passed" in proposal.reasons


def test_in_a_scheme_that_takes_them_after_18_a_past_birthday_sets_no_deadline(session):
    with clock.frozen(AS_OF):
        framework = _in_care(session, age=19, placement=PlacementType.supported_accommodation)
        frame = people_frame(session, AS_OF).set_index("person_id")
    assert frame.loc[framework.reference, "needed_by"] is None
