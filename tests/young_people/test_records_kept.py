"""Young people's records kept in the planner: moves of any kind (now or planned), ended
stays, leaving the service, cancelling and re-dating a planned move, editing details. Each is
a compare-and-set on the young person's version, audited, scoped, and settles the escalation
in the same transaction."""

from __future__ import annotations

from datetime import date, timedelta

import factories
import pytest
from sqlmodel import select

from planner.core import clock
from planner.core.errors import FieldInvalid, Forbidden, NotFound, StaleRecord
from planner.domain import PlacementType, ProposalStatus, Role, VacancyStatus
from planner.escalations.queries import queue
from planner.escalations.service import sweep
from planner.models import AuditEvent, Escalation, Proposal, Stay, YoungPerson
from planner.young_people import service

TODAY = date(2026, 12, 1)


@pytest.fixture(autouse=True)
def frozen():
    with clock.frozen(TODAY):
        yield


def _audit(session, action):
    return session.exec(select(AuditEvent).where(AuditEvent.action == action)).all()


def _queue_people(session):
    return {i.young_person_id for i in queue(session, today=TODAY)}


def _move(session, person, **kw):
    session.refresh(person)
    kw.setdefault("start", TODAY)
    return service.record_move(
        session, young_person_id=person.id, expected_version=person.version, actor="t", **kw
    )


def test_a_move_into_bed_and_breakfast_opens_an_escalation_in_the_same_transaction(session):
    person = factories.young_person(session)
    factories.stay(session, young_person=person)
    assert person.id not in _queue_people(session)
    change = _move(session, person, placement_type_code="bed_and_breakfast")
    assert person.id in _queue_people(session)  # no sweep: settled by the move
    stays = session.exec(select(Stay).where(Stay.young_person_id == person.id)).all()
    assert {(s.end_date, s.end_reason) for s in stays} == {(TODAY, "moved"), (None, "")}
    session.refresh(person)
    assert person.version == change.version == 2
    (event,) = _audit(session, "move")
    assert event.entity_id == str(person.id) and "type=bed_and_breakfast" in event.detail
    assert person.reference not in event.detail


def test_a_move_out_of_bed_and_breakfast_closes_the_escalation(session):
    person = factories.young_person(session)
    bnb = factories.stay(
        session, young_person=person, placement_type=PlacementType.bed_and_breakfast
    )
    sweep(session)
    assert person.id in _queue_people(session)
    _move(session, person, placement_type_code="with_family")
    assert person.id not in _queue_people(session)
    esc = session.exec(select(Escalation).where(Escalation.stay_id == bnb.id)).one()
    assert esc.closed_on == TODAY and esc.closure == "moved to with_family"


def test_a_planned_move_keeps_them_escalated_until_its_day(session):
    person = factories.young_person(session)
    factories.stay(session, young_person=person, placement_type=PlacementType.bed_and_breakfast)
    sweep(session)
    move_day = TODAY + timedelta(days=5)
    change = _move(session, person, placement_type_code="other_suitable", start=move_day)
    assert change.planned
    assert person.id in _queue_people(session)
    with clock.frozen(move_day):
        sweep(session)
        assert person.id not in {i.young_person_id for i in queue(session)}


def test_a_move_into_custody_keeps_the_release_date(session):
    person = factories.young_person(session)
    factories.stay(session, young_person=person)
    release = TODAY + timedelta(days=90)
    change = _move(session, person, placement_type_code="custody", expected_end=release)
    assert session.get(Stay, change.stay_id).expected_end == release
    with pytest.raises(FieldInvalid) as refused:
        _move(
            session,
            person,
            placement_type_code="custody",
            start=TODAY + timedelta(days=2),
            expected_end=TODAY,
        )
    assert refused.value.fields == ["expected_end"]


def test_a_move_into_a_place_fills_its_vacancy_and_withdraws_open_proposals(session):
    person = factories.young_person(session)
    factories.stay(session, young_person=person)
    vacancy = factories.vacancy(session)
    rival = factories.proposal(session, vacancy=vacancy)
    change = _move(session, person, place_id=vacancy.place_id)
    session.refresh(vacancy)
    assert vacancy.status == VacancyStatus.filled and change.vacancy_id == vacancy.id
    assert session.get(Proposal, rival.id).status == ProposalStatus.withdrawn
    stay = session.get(Stay, change.stay_id)
    assert stay.placement_type == PlacementType.supported_accommodation
    assert stay.vacancy_id == vacancy.id


def test_a_move_into_an_occupied_place_is_refused(session):
    place = factories.place(session)
    factories.stay(session, place=place)
    person = factories.young_person(session)
    with pytest.raises(FieldInvalid) as refused:
        _move(session, person, place_id=place.id)
    assert refused.value.fields == ["place_id"]
    assert "occupied on 1 December 2026" in refused.value.message


def test_a_move_before_the_vacancy_is_free_names_the_start(session):
    vacancy = factories.vacancy(session, available_from=TODAY + timedelta(days=3))
    person = factories.young_person(session)
    with pytest.raises(FieldInvalid) as refused:
        _move(session, person, place_id=vacancy.place_id)
    assert refused.value.fields == ["start"] and "4 December 2026" in refused.value.message


def test_a_move_before_a_recorded_stay_names_that_stay(session):
    """A new council's first use: "A later stay is already recorded" did not say which."""
    person = factories.young_person(session)
    factories.stay(
        session,
        young_person=person,
        placement_type=PlacementType.council_flat,
        start_date=TODAY - timedelta(days=10),
    )
    with pytest.raises(FieldInvalid) as refused:
        _move(session, person, placement_type_code="with_family", start=TODAY - timedelta(days=20))
    assert refused.value.fields == ["start"]
    assert "A stay from 21 November 2026 (council flat) is already recorded" in (
        refused.value.message
    )


def test_a_stale_version_is_refused_and_two_edits_at_once_keep_one(session):
    person = factories.young_person(session)
    seen = person.version
    service.edit_details(
        session,
        young_person_id=person.id,
        expected_version=seen,
        changes={"has_pet": True},
        actor="a",
    )
    with pytest.raises(StaleRecord) as refused:
        service.edit_details(
            session,
            young_person_id=person.id,
            expected_version=seen,
            changes={"has_pet": False},
            actor="b",
        )
    assert refused.value.status_code == 409
    assert refused.value.message == "This record was changed by someone else; reload and try again."
    session.refresh(person)
    assert person.has_pet is True and person.version == seen + 1


def test_editing_details_checks_each_field_and_audits_names_only(session):
    person = factories.young_person(session)
    adviser = factories.user(session, role=Role.personal_adviser)
    service.edit_details(
        session,
        young_person_id=person.id,
        expected_version=1,
        changes={
            "risk_flags": ["arson", "exploitation"],
            "preferred_areas": "Weymouth; Portland",
            "support_need": "high",
            "pathway_plan_review_due": TODAY + timedelta(days=30),
            "personal_adviser": adviser.username,
            "asked_to_move": True,
        },
        actor="t",
    )
    session.refresh(person)
    assert person.risk_flags == "arson;exploitation"
    assert person.preferred_areas == "Weymouth;Portland"
    assert person.personal_adviser_id == adviser.id and person.asked_to_move
    (event,) = _audit(session, "edit")
    assert "arson" not in event.detail and "risk_flags" in event.detail
    for changes, field in (
        ({"support_need": "huge"}, "support_need"),
        ({"area": "a;b"}, "area"),
        ({"has_child": "yes"}, "has_child"),
        ({"date_of_birth": TODAY}, "date_of_birth"),
        ({"personal_adviser": "nobody"}, "personal_adviser"),
    ):
        session.refresh(person)
        with pytest.raises(FieldInvalid) as refused:
            service.edit_details(
                session,
                young_person_id=person.id,
                expected_version=person.version,
                changes=changes,
                actor="t",
            )
        assert refused.value.fields == [field]


def test_a_personal_adviser_edits_only_their_own_young_people(session):
    adviser = factories.user(session, role=Role.personal_adviser)
    mine = factories.young_person(session, personal_adviser_id=adviser.id)
    theirs = factories.young_person(session)
    service.edit_details(
        session,
        young_person_id=mine.id,
        expected_version=1,
        changes={"has_pet": True},
        viewer=adviser,
    )
    with pytest.raises(NotFound):
        service.edit_details(
            session,
            young_person_id=theirs.id,
            expected_version=1,
            changes={"has_pet": True},
            viewer=adviser,
        )
    with pytest.raises(Forbidden):  # cannot hand their young person to someone else
        service.edit_details(
            session,
            young_person_id=mine.id,
            expected_version=2,
            changes={"personal_adviser": ""},
            viewer=adviser,
        )
    commissioner = factories.user(session, role=Role.commissioner)
    with pytest.raises(Forbidden):
        service.edit_details(
            session,
            young_person_id=mine.id,
            expected_version=2,
            changes={"has_pet": False},
            viewer=commissioner,
        )


def test_ending_a_stay_and_leaving_the_service(session):
    person = factories.young_person(session)
    bnb = factories.stay(
        session, young_person=person, placement_type=PlacementType.bed_and_breakfast
    )
    sweep(session)
    proposal = factories.proposal(session, young_person=person)
    service.leave_service(
        session,
        young_person_id=person.id,
        expected_version=1,
        on=TODAY,
        reason="moved_away",
        actor="t",
    )
    session.refresh(bnb)
    assert bnb.end_date == TODAY and bnb.end_reason == "left_service"
    assert session.get(YoungPerson, person.id).left_service_on == TODAY
    assert session.get(Proposal, proposal.id).status == ProposalStatus.withdrawn
    esc = session.exec(select(Escalation).where(Escalation.stay_id == bnb.id)).one()
    assert esc.closure == "left the service"
    with pytest.raises(FieldInvalid) as refused:
        service.leave_service(
            session,
            young_person_id=person.id,
            expected_version=2,
            on=TODAY,
            reason="nonsense",
        )
    assert refused.value.fields == ["reason"]

    other = factories.young_person(session)
    stay = factories.stay(session, young_person=other)
    service.end_stay(
        session,
        young_person_id=other.id,
        expected_version=1,
        on=TODAY,
        reason="evicted",
        actor="t",
    )
    session.refresh(stay)
    assert stay.end_date == TODAY and stay.end_reason == "evicted" and stay.version == 2
    assert _audit(session, "end_stay")


def test_cancelling_a_planned_move_reopens_the_vacancy_and_the_previous_stay(session):
    person = factories.young_person(session)
    old = factories.stay(session, young_person=person)
    vacancy = factories.vacancy(session)
    proposal = factories.proposal(session, young_person=person, vacancy=vacancy)
    from planner.matching.service import accept_proposal

    move_day = TODAY + timedelta(days=10)
    placement = accept_proposal(
        session, proposal_id=proposal.id, expected_version=1, actor="t", start=move_day
    )
    session.refresh(person)
    with pytest.raises(FieldInvalid):  # one planned move at a time
        _move(session, person, placement_type_code="with_family", start=move_day)
    session.refresh(person)
    service.cancel_move(
        session,
        young_person_id=person.id,
        expected_version=person.version,
        reason="young_person_declined",
        actor="t",
    )
    assert session.get(Stay, placement.stay_id) is None
    session.refresh(old)
    assert old.end_date is None
    session.refresh(vacancy)
    assert vacancy.status == VacancyStatus.open
    assert session.get(Proposal, proposal.id).status == ProposalStatus.cancelled
    (event,) = _audit(session, "cancel_move")
    assert f"vacancy_reopened={vacancy.id}" in event.detail
    session.refresh(person)
    with pytest.raises(FieldInvalid):  # nothing planned any more
        service.cancel_move(
            session, young_person_id=person.id, expected_version=person.version, reason="other"
        )


def test_re_dating_a_planned_move_moves_both_dates(session):
    person = factories.young_person(session)
    old = factories.stay(
        session, young_person=person, placement_type=PlacementType.bed_and_breakfast
    )
    sweep(session)
    change = _move(
        session, person, placement_type_code="council_flat", start=TODAY + timedelta(days=10)
    )
    for new_day in (TODAY + timedelta(days=20), TODAY + timedelta(days=3)):
        session.refresh(person)
        service.redate_move(
            session,
            young_person_id=person.id,
            expected_version=person.version,
            start=new_day,
            reason="place_not_ready",
            actor="t",
        )
        session.refresh(old)
        planned = session.get(Stay, change.stay_id)
        session.refresh(planned)
        assert planned.start_date == new_day and old.end_date == new_day
    assert person.id in _queue_people(session)
    session.refresh(person)
    service.redate_move(  # brought forward to today: current now, escalation closed now
        session,
        young_person_id=person.id,
        expected_version=person.version,
        start=TODAY,
        reason="circumstances_changed",
    )
    assert person.id not in _queue_people(session)
    with pytest.raises(FieldInvalid) as refused:
        session.refresh(person)
        service.redate_move(
            session,
            young_person_id=person.id,
            expected_version=person.version,
            start=TODAY + timedelta(days=1),
            reason="other",
        )
    assert refused.value.fields == ["young_person"]


def test_a_place_held_for_someone_else_is_refused(session):
    holder = factories.young_person(session)
    place = factories.place(session, reserved_for_id=holder.id)
    factories.vacancy(session, place=place)
    other = factories.young_person(session)
    with pytest.raises(FieldInvalid) as refused:
        _move(session, other, place_id=place.id)
    assert refused.value.fields == ["place_id"] and "held for another" in refused.value.message
    change = _move(session, holder, place_id=place.id)
    assert change.vacancy_id is not None


def test_refusals_of_ending_and_leaving(session):
    person = factories.young_person(session)
    factories.stay(session, young_person=person)
    _move(session, person, placement_type_code="with_family", start=TODAY + timedelta(days=4))
    session.refresh(person)
    for call, field in (
        (
            lambda v: service.end_stay(
                session, young_person_id=person.id, expected_version=v, on=TODAY, reason="evicted"
            ),
            "on",
        ),
        (
            lambda v: service.leave_service(
                session,
                young_person_id=person.id,
                expected_version=v,
                on=TODAY + timedelta(days=1),
                reason="other",
            ),
            "on",
        ),
    ):
        session.refresh(person)
        with pytest.raises(FieldInvalid) as refused:
            call(person.version)
        assert refused.value.fields == [field]


def test_cancelling_a_planned_move_leaves_them_living_where_they_are(session):
    """Where they live is read from the stay current on the day (planner.young_people.lives),
    so neither agreeing a move nor calling it off writes an area: after a cancelled move into
    Cold Ridge they still live in Ashgill (found on a walk through time: the record said
    'Lives in Cold Ridge' while they were in a B&B in Ashgill, and matching measured their
    travel from Cold Ridge)."""
    from planner.matching.service import accept_proposal
    from planner.young_people.queries import get_record

    person = factories.young_person(session, area="Ashgill")
    factories.stay(session, young_person=person, area="Ashgill", placement_type="bed_and_breakfast")
    far = factories.provision(session, area="Cold Ridge")
    vacancy = factories.vacancy(session, place=factories.place(session, provision=far))
    proposal = factories.proposal(session, young_person=person, vacancy=vacancy)
    accept_proposal(
        session,
        proposal_id=proposal.id,
        expected_version=1,
        actor="t",
        start=TODAY + timedelta(days=10),
    )
    session.refresh(person)
    service.cancel_move(
        session,
        young_person_id=person.id,
        expected_version=person.version,
        reason="place_not_ready",
        actor="t",
    )
    session.refresh(person)
    assert person.area == "Ashgill"
    manager = factories.user(session, role=Role.manager)
    assert get_record(session, viewer=manager, young_person_id=person.id).area == "Ashgill"
