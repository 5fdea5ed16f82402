"""The inventory kept in the planner: vacancies declared by hand or from a stay's notice,
held, withdrawn and reopened; provisions and places added and closed. Each change is a
compare-and-set on the record's version, audited, and refused with the field at fault."""

from __future__ import annotations

from datetime import date, timedelta

import factories
import pytest
from sqlmodel import select

from planner.core import clock
from planner.core.errors import FieldInvalid, Forbidden, StaleRecord
from planner.domain import ProposalStatus, Role, VacancyStatus
from planner.inventory import service
from planner.models import AuditEvent, Place, Proposal, Provision, Stay, Vacancy, YoungPerson
from planner.young_people import service as records

TODAY = date(2026, 12, 1)


@pytest.fixture(autouse=True)
def frozen():
    with clock.frozen(TODAY):
        yield


def _actions(session, entity):
    return [e.action for e in session.exec(select(AuditEvent).where(AuditEvent.entity == entity))]


def test_declaring_a_vacancy_by_hand(session):
    place = factories.place(session)
    saved = service.declare_vacancy(session, place_id=place.id, available_from=TODAY, actor="t")
    assert session.get(Vacancy, saved.id).status == VacancyStatus.open
    with pytest.raises(FieldInvalid) as refused:  # one open vacancy per place
        service.declare_vacancy(session, place_id=place.id, available_from=TODAY)
    assert refused.value.fields == ["place_id"]
    occupied = factories.place(session)
    factories.stay(session, place=occupied)
    with pytest.raises(FieldInvalid) as refused:
        service.declare_vacancy(session, place_id=occupied.id, available_from=TODAY)
    assert refused.value.fields == ["available_from"]
    assert _actions(session, "vacancy") == ["declare"]


def test_a_vacancy_from_a_stays_notice_is_free_the_day_after(session):
    place = factories.place(session)
    stay = factories.stay(session, place=place)
    last_day = TODAY + timedelta(days=27)
    saved = service.declare_from_notice(
        session, stay_id=stay.id, expected_version=1, last_day=last_day, actor="t"
    )
    vacancy = session.get(Vacancy, saved.id)
    assert vacancy.available_from == last_day + timedelta(days=1)
    session.refresh(stay)
    assert stay.expected_end == last_day and stay.end_reason == "notice" and stay.version == 2
    # someone can now move in on the day the place is free
    person = factories.young_person(session)
    change = records.record_move(
        session,
        young_person_id=person.id,
        expected_version=1,
        start=last_day + timedelta(days=1),
        place_id=place.id,
    )
    assert change.planned and change.vacancy_id == vacancy.id
    with pytest.raises(StaleRecord):
        service.declare_from_notice(session, stay_id=stay.id, expected_version=1, last_day=TODAY)


def test_hold_withdraw_and_reopen(session):
    vacancy = factories.vacancy(session)
    person = factories.young_person(session)
    proposal = factories.proposal(session, vacancy=vacancy)
    held = service.hold_vacancy(
        session, vacancy_id=vacancy.id, expected_version=1, young_person_id=person.id
    )
    assert session.get(Place, vacancy.place_id).reserved_for_id == person.id
    with pytest.raises(StaleRecord):
        service.withdraw_vacancy(
            session, vacancy_id=vacancy.id, expected_version=1, reason="repairs"
        )
    with pytest.raises(FieldInvalid) as refused:
        service.withdraw_vacancy(
            session, vacancy_id=vacancy.id, expected_version=held.version, reason="because"
        )
    assert refused.value.fields == ["reason"]
    withdrawn = service.withdraw_vacancy(
        session, vacancy_id=vacancy.id, expected_version=held.version, reason="repairs"
    )
    session.refresh(vacancy)
    assert vacancy.status == VacancyStatus.withdrawn
    assert session.get(Proposal, proposal.id).status == ProposalStatus.withdrawn
    assert session.get(Place, vacancy.place_id).reserved_for_id is None
    service.reopen_vacancy(session, vacancy_id=vacancy.id, expected_version=withdrawn.version)
    session.refresh(vacancy)
    assert vacancy.status == VacancyStatus.open
    assert _actions(session, "vacancy") == ["hold", "withdraw", "reopen"]


def test_only_roles_that_manage_the_inventory_may(session):
    place = factories.place(session)
    for role in (Role.personal_adviser, Role.commissioner, Role.administrator):
        with pytest.raises(Forbidden):
            service.declare_vacancy(
                session,
                place_id=place.id,
                available_from=TODAY,
                viewer=factories.user(session, role=role),
            )
    officer = factories.user(session, role=Role.housing_officer)
    service.declare_vacancy(session, place_id=place.id, available_from=TODAY, viewer=officer)
    event = session.exec(select(AuditEvent).where(AuditEvent.entity == "vacancy")).one()
    assert event.actor == officer.username


def test_provisions_and_places_added_and_closed(session):
    saved = service.add_provision(
        session,
        reference="PR-NEW-1",
        name="Harbour lodgings",
        placement_type="supported_lodgings",
        details={"area": "Weymouth", "min_age": 17, "weekly_cost": "210.50", "pets_allowed": True},
        actor="t",
    )
    provision = session.get(Provision, saved.id)
    assert provision.min_age == 17 and provision.pets_allowed
    for kwargs, field in (
        ({"reference": "PR-NEW-1"}, "reference"),
        ({"placement_type": "bed_and_breakfast"}, "placement_type"),
        ({"details": {"min_age": 30}}, "min_age"),
        ({"details": {"colour": "red"}}, "colour"),
    ):
        values = {"reference": "PR-NEW-2", "name": "X", "placement_type": "council_flat"} | kwargs
        with pytest.raises(FieldInvalid) as refused:
            service.add_provision(session, **values)
        assert refused.value.fields == [field]
    place = service.add_place(
        session, provision_id=saved.id, reference="PL-NEW-1", opens_on=TODAY + timedelta(days=7)
    )
    vacancy = session.exec(select(Vacancy).where(Vacancy.place_id == place.id)).one()
    assert vacancy.available_from == TODAY + timedelta(days=7)
    # someone moves in; the place cannot close while they live there
    person = factories.young_person(session)
    records.record_move(
        session,
        young_person_id=person.id,
        expected_version=1,
        start=TODAY + timedelta(days=7),
        place_id=place.id,
    )
    close_on = TODAY + timedelta(days=60)
    with pytest.raises(FieldInvalid) as refused:
        service.close_place(
            session, place_id=place.id, expected_version=1, closes_on=close_on, reason="host_left"
        )
    assert refused.value.fields == ["closes_on"] and "30 January 2027" in refused.value.message
    with pytest.raises(FieldInvalid):
        service.close_provision(
            session,
            provision_id=saved.id,
            expected_version=1,
            closes_on=close_on,
            reason="contract_ended",
        )
    stay = session.exec(select(Stay).where(Stay.place_id == place.id)).one()
    stay.end_date = close_on
    session.flush()
    closed = service.close_place(
        session, place_id=place.id, expected_version=1, closes_on=close_on, reason="host_left"
    )
    assert closed.version == 2 and session.get(Place, place.id).closes_on == close_on
    service.close_provision(
        session,
        provision_id=saved.id,
        expected_version=1,
        closes_on=close_on,
        reason="contract_ended",
    )
    assert session.get(Provision, saved.id).closes_on == close_on
    assert _actions(session, "provision") == ["create", "close"]
    assert _actions(session, "place") == ["create", "close"]


def test_closing_a_place_withdraws_its_open_vacancy_and_a_conversion_opens_another(session):
    vacancy = factories.vacancy(session)
    target = factories.provision(session)
    moved = service.convert_place(
        session,
        place_id=vacancy.place_id,
        expected_version=1,
        to_provision_id=target.id,
        on=TODAY + timedelta(days=30),
        new_reference="PL-CONV-1",
    )
    session.refresh(vacancy)
    assert vacancy.status == VacancyStatus.withdrawn
    new_place = session.get(Place, moved.id)
    assert new_place.provision_id == target.id and new_place.opens_on == TODAY + timedelta(days=30)
    assert session.exec(select(Vacancy).where(Vacancy.place_id == moved.id)).one().status == "open"


def test_accepting_a_move_before_a_notice_ends_ends_the_stay_on_the_move(session):
    from planner.matching.service import accept_proposal

    home = factories.place(session)
    stay = factories.stay(session, place=home)
    service.declare_from_notice(
        session, stay_id=stay.id, expected_version=1, last_day=TODAY + timedelta(days=20)
    )
    person = session.get(Stay, stay.id).young_person_id
    proposal = factories.proposal(
        session, young_person=session.get(YoungPerson, person), vacancy=factories.vacancy(session)
    )
    accept_proposal(
        session,
        proposal_id=proposal.id,
        expected_version=1,
        actor="t",
        start=TODAY + timedelta(days=5),
    )
    session.refresh(stay)
    assert stay.end_date == TODAY + timedelta(days=5)
