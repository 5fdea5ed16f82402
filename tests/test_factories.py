"""The builders in tests/factories.py make rows the schema accepts, on both databases, and
the partial unique indexes still guard what they are there for."""

from __future__ import annotations

from datetime import date, timedelta

import factories
import pytest
import sqlalchemy as sa
from sqlmodel import select

from planner.core import clock
from planner.domain import PlacementType, ProposalStatus, Role, VacancyStatus, age_on
from planner.models import Escalation, Proposal, Stay, Vacancy, YoungPerson

DAY = date(2024, 3, 31)


def test_every_builder_makes_a_row_the_schema_accepts(session):
    with clock.frozen(DAY):
        person = factories.young_person(session)
        officer = factories.user(session)
        scheme = factories.provision(session)
        room = factories.place(session, provision=scheme)
        home = factories.stay(session, young_person=person, place=room)
        free = factories.vacancy(session)
        run = factories.match_run(session)
        offer = factories.proposal(session, match_run=run, vacancy=free)
        esc = factories.escalation(session)
    session.expire_all()  # read back what the database holds, not the objects built
    assert age_on(session.get(YoungPerson, person.id).date_of_birth, DAY) == 19
    assert officer.id and officer.role == Role.housing_officer and officer.active
    assert room.provision_id == scheme.id
    stored = session.get(Stay, home.id)
    assert stored.end_date is None and stored.start_date < DAY and stored.suitable
    assert stored.placement_type == PlacementType.supported_accommodation  # the scheme's
    vacancy = session.get(Vacancy, free.id)
    assert vacancy.status == VacancyStatus.open and vacancy.available_from == DAY
    stored_offer = session.get(Proposal, offer.id)
    assert stored_offer.status == ProposalStatus.proposed and stored_offer.match_run_id == run.id
    escalated = session.get(Stay, session.get(Escalation, esc.id).stay_id)
    assert escalated.placement_type == PlacementType.bed_and_breakfast
    assert not escalated.suitable and escalated.end_date is None


def test_two_calls_give_distinct_references(session):
    assert len({factories.young_person(session).reference for _ in range(2)}) == 2
    assert len({factories.provision(session).reference for _ in range(2)}) == 2
    assert len({factories.place(session).reference for _ in range(2)}) == 2
    assert len({factories.user(session).username for _ in range(2)}) == 2


def test_overrides_reach_the_row(session):
    with clock.frozen(DAY):
        person = factories.young_person(session, age=17, reference="YP-mine", area="Weymouth")
        ended = factories.stay(session, young_person=person, end_date=DAY - timedelta(days=1))
        planned = factories.stay(
            session,
            young_person=person,
            placement_type="supported_lodgings",
            start_date=DAY + timedelta(days=14),
        )
    assert person.reference == "YP-mine" and age_on(person.date_of_birth, DAY) == 17
    assert ended.end_date == DAY - timedelta(days=1)
    assert planned.start_date > DAY and planned.suitable


def test_the_database_still_refuses_a_second_current_stay_or_open_vacancy(session):
    room = factories.place(session)
    factories.stay(session, place=room)
    with pytest.raises(sa.exc.IntegrityError), session.begin_nested():
        factories.stay(session, place=room)  # one young person in a place at a time
    person = factories.young_person(session)
    factories.stay(session, young_person=person)
    with pytest.raises(sa.exc.IntegrityError), session.begin_nested():
        factories.stay(session, young_person=person)  # one current stay each
    free = factories.place(session)
    factories.vacancy(session, place=free)
    with pytest.raises(sa.exc.IntegrityError), session.begin_nested():
        factories.vacancy(session, place=free)  # one open vacancy per place
    assert len(session.exec(select(Stay).where(Stay.end_date.is_(None))).all()) == 2
