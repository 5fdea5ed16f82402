"""Decisions remembered: a declined pair is not proposed again while the reason holds.

Each test builds its records with the factories, runs matching on the records, declines a
proposal as an officer would, and runs matching again - on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from datetime import date, timedelta

import factories
import pytest
from sqlmodel import select

from planner.core import clock
from planner.domain import DeclineReason, PlacementType
from planner.matching.service import (
    InvalidDecision,
    current_exclusions,
    decline_proposal,
    lift_exclusion,
    list_proposals,
    people_frame,
    run_matching,
)
from planner.models import AuditEvent, YoungPerson

AS_OF = date(2024, 3, 31)
LATER = AS_OF + timedelta(days=7)
PAIR_REASONS = ["young_person_declined", "provider_declined", "not_suitable_on_review", "other"]
WORDS = {
    "young_person_declined": "declined by the young person on 31 March 2024",
    "provider_declined": "declined by the provider on 31 March 2024",
    "not_suitable_on_review": "found not suitable on review on 31 March 2024",
    "other": "declined on 31 March 2024",
}


def _one_in_bed_and_breakfast(session, vacancies: int = 2) -> YoungPerson:
    """A care leaver 40 days in bed and breakfast, and ``vacancies`` open places, each in
    a scheme of its own in their area."""
    with clock.frozen(AS_OF):
        person = factories.young_person(session)
        factories.stay(
            session,
            young_person=person,
            placement_type=PlacementType.bed_and_breakfast,
            start_date=AS_OF - timedelta(days=40),
        )
        for _ in range(vacancies):
            factories.vacancy(session)
    return person


def _pairs(session, run) -> set[tuple[int, int]]:
    return {(p.young_person_id, p.vacancy_id) for p in list_proposals(session, match_run_id=run.id)}


def _decline_first(session, reason: str):
    run = run_matching(session, actor="officer", as_of=AS_OF)
    (proposal,) = list_proposals(session, match_run_id=run.id)
    with clock.frozen(AS_OF):
        decline_proposal(
            session,
            proposal_id=proposal.id,
            expected_version=proposal.version,
            actor="officer",
            reason=reason,
            note="",
        )
    return proposal


@pytest.mark.parametrize("reason", PAIR_REASONS)
def test_a_declined_pair_is_never_proposed_again(session, reason):
    person = _one_in_bed_and_breakfast(session)
    declined = _decline_first(session, reason)

    again = run_matching(session, actor="officer", as_of=LATER)

    pairs = _pairs(session, again)
    assert (declined.young_person_id, declined.vacancy_id) not in pairs
    assert {p for p, _ in pairs} == {person.id}  # offered the other place instead
    (exclusion,) = current_exclusions(session, LATER)
    assert exclusion.words == WORDS[reason]
    assert json.loads(again.summary)["decisions"] == {
        "pairs_excluded": 1,
        "young_people_withdrawn": 0,
    }


def test_no_longer_needed_withdraws_the_young_person_until_they_ask_to_move_again(session):
    person = _one_in_bed_and_breakfast(session)
    with clock.frozen(AS_OF):
        factories.stay(session)  # someone settled, so the run has a young person to read
    _decline_first(session, DeclineReason.no_longer_needed)

    again = run_matching(session, actor="officer", as_of=LATER)

    assert not list_proposals(session, match_run_id=again.id)
    assert person.reference not in {u["person_id"] for u in json.loads(again.unmatched)}
    assert json.loads(again.summary)["decisions"]["young_people_withdrawn"] == 1
    assert session.get(YoungPerson, person.id).asked_to_move is False
    (exclusion,) = current_exclusions(session, LATER)
    assert exclusion.vacancy_id is None
    assert exclusion.words == "no longer needs a move on 31 March 2024"

    person.asked_to_move = True  # the young person asks to move again
    session.add(person)
    session.flush()
    back = run_matching(session, actor="officer", as_of=LATER)
    assert {p for p, _ in _pairs(session, back)} == {person.id}


def test_placed_elsewhere_needs_no_exclusion(session):
    _one_in_bed_and_breakfast(session, vacancies=1)
    declined = _decline_first(session, DeclineReason.placed_elsewhere)

    again = run_matching(session, actor="officer", as_of=LATER)

    assert current_exclusions(session, LATER) == []
    assert _pairs(session, again) == {(declined.young_person_id, declined.vacancy_id)}


def test_the_unmatched_reasons_and_alternatives_name_the_decision(session):
    person = _one_in_bed_and_breakfast(session, vacancies=1)
    declined = _decline_first(session, DeclineReason.provider_declined)

    again = run_matching(session, actor="officer", as_of=LATER)

    assert not list_proposals(session, match_run_id=again.id)
    (unmatched,) = [u for u in json.loads(again.unmatched) if u["person_id"] == person.reference]
    assert (
        f"V{declined.vacancy_id}: declined by the provider on 31 March 2024"
        in (unmatched["reasons"])
    )
    (named,) = [a for a in json.loads(again.alternatives) if a["kind"] == "decision"]
    assert named["person_id"] == person.reference
    assert "declined by the provider on 31 March 2024" in named["consequence"]
    assert "2024-03-31" not in unmatched["reasons"] + named["consequence"]


def test_lifting_the_exclusion_brings_the_pair_back_and_is_audited(session):
    _one_in_bed_and_breakfast(session, vacancies=1)
    declined = _decline_first(session, DeclineReason.young_person_declined)

    lift_exclusion(session, declined.id, "manager", "They have changed their mind")

    assert current_exclusions(session, LATER) == []
    again = run_matching(session, actor="officer", as_of=LATER)
    assert _pairs(session, again) == {(declined.young_person_id, declined.vacancy_id)}
    event = session.exec(
        select(AuditEvent).where(
            AuditEvent.action == "lift_exclusion", AuditEvent.entity_id == str(declined.id)
        )
    ).one()
    assert event.actor == "manager" and "changed their mind" not in event.detail
    with pytest.raises(InvalidDecision, match="already lifted by manager"):
        lift_exclusion(session, declined.id, "manager", "again")


def test_only_a_remembered_decline_can_be_lifted_and_a_reason_is_needed(session):
    _one_in_bed_and_breakfast(session, vacancies=1)
    run = run_matching(session, actor="officer", as_of=AS_OF)
    (proposal,) = list_proposals(session, match_run_id=run.id)
    with pytest.raises(InvalidDecision, match="not declined"):
        lift_exclusion(session, proposal.id, "manager", "why not")
    declined = _decline_first(session, DeclineReason.other)
    with pytest.raises(InvalidDecision, match="Say why"):
        lift_exclusion(session, declined.id, "manager", "  ")


def test_a_change_that_matters_to_the_young_person_brings_the_pair_back(session):
    person = _one_in_bed_and_breakfast(session, vacancies=1)
    declined = _decline_first(session, DeclineReason.provider_declined)
    pair = (declined.young_person_id, declined.vacancy_id)

    person.area = "Dorchester"  # where they live is not what the provider declined
    session.add(person)
    session.flush()
    assert pair not in _pairs(session, run_matching(session, actor="officer", as_of=LATER))

    person.needs_step_free = False
    person.risk_flags = "self_harm"  # a new risk: the provider's decision is about another person
    session.add(person)
    session.flush()
    assert _pairs(session, run_matching(session, actor="officer", as_of=LATER)) == {pair}


def test_a_change_to_the_provisions_rules_brings_the_pair_back(session):
    _one_in_bed_and_breakfast(session, vacancies=1)
    declined = _decline_first(session, DeclineReason.provider_declined)
    from planner.models import Place, Provision, Vacancy

    vacancy = session.get(Vacancy, declined.vacancy_id)
    provision = session.get(Provision, session.get(Place, vacancy.place_id).provision_id)
    provision.pets_allowed = True
    session.add(provision)
    session.flush()

    assert current_exclusions(session, LATER) == []


def _two_rooms_of_one_scheme(session, first_days: int, second_days: int):
    """A care leaver who lived ``first_days`` in room 5 of a framework scheme and has now
    been ``second_days`` in room 6 of it (moved on the day room 5 ended); room 7 of the same
    scheme and a place in another scheme are open."""
    with clock.frozen(AS_OF):
        scheme = factories.provision(session)
        other = factories.provision(session)
        person = factories.young_person(session)
        moved = AS_OF - timedelta(days=second_days)
        factories.stay(
            session,
            young_person=person,
            place=factories.place(session, provision=scheme, reference="SA-RIV-05"),
            start_date=moved - timedelta(days=first_days),
            end_date=moved,
        )
        factories.stay(
            session,
            young_person=person,
            place=factories.place(session, provision=scheme, reference="SA-RIV-06"),
            start_date=moved,
            expected_end=moved + timedelta(days=540),  # 18 months from the second room
        )
        same = factories.vacancy(session, place=factories.place(session, provision=scheme))
        elsewhere = factories.vacancy(session, place=factories.place(session, provision=other))
    return person, scheme, same, elsewhere


def test_the_framework_limit_counts_across_rooms_and_the_same_scheme_is_not_offered(session):
    person, scheme, same, elsewhere = _two_rooms_of_one_scheme(session, 400, 150)

    row = people_frame(session, AS_OF).set_index("person_id").loc[person.reference]
    assert row["current_provision_id"] == scheme.reference
    assert row["provision_since"] == AS_OF - timedelta(days=550)
    run = run_matching(session, actor="officer", as_of=AS_OF)

    assert _pairs(session, run) == {(person.id, elsewhere.id)}
    (proposal,) = list_proposals(session, match_run_id=run.id)
    assert proposal.need == "imminent"
    assert (person.id, same.id) not in _pairs(session, run)


def test_one_room_well_within_the_limit_needs_no_move(session):
    person, *_ = _two_rooms_of_one_scheme(session, 0, 150)  # 150 days on the scheme in all

    frame = people_frame(session, AS_OF).set_index("person_id")
    assert frame.loc[person.reference, "provision_since"] == AS_OF - timedelta(days=150)
    run = run_matching(session, actor="officer", as_of=AS_OF)
    assert not list_proposals(session, match_run_id=run.id)


def test_the_provisions_own_limit_is_honoured(session):
    person, scheme, _, elsewhere = _two_rooms_of_one_scheme(session, 400, 150)
    scheme.max_stay_months = 24  # 550 days is well within 24 months
    session.add(scheme)
    session.flush()

    row = people_frame(session, AS_OF).set_index("person_id").loc[person.reference]
    assert row["limit_date"] == date(2024, 3, 31) - timedelta(days=550) + timedelta(days=730)
    run = run_matching(session, actor="officer", as_of=AS_OF)
    assert not list_proposals(session, match_run_id=run.id)
