"""Candidates for a vacancy, best places for a young person, the queue's best place, and an
officer's own proposal: small councils built with the factories, the optimiser's own rules.

Every young person here lives in bed and breakfast (so needs a move now) unless a test
says otherwise; every scheme is in the factories' one area.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from optimiser.fit import fit_words
from optimiser.rules import RULE_NAMES
from planner.core import clock
from planner.domain import PlacementType, Role
from planner.domain.text import day_words
from planner.escalations.rules import next_action
from planner.matching import candidates, service
from planner.matching.rules import RULE_WORDS
from planner.models import AuditEvent, Proposal
from tests import factories


def _in_bnb(session, **overrides):
    person = factories.young_person(session, **overrides)
    factories.stay(session, young_person=person, placement_type=PlacementType.bed_and_breakfast)
    return person


def _open_place(session, **provision):
    scheme = factories.provision(session, **provision)
    return factories.vacancy(session, place=factories.place(session, provision=scheme))


def test_every_rule_has_its_three_phrasings():
    assert set(RULE_WORDS) == set(RULE_NAMES)
    assert all(len(words) == 3 and all(words) for words in RULE_WORDS.values())
    assert [fit_words(p) for p in (100, 80, 79, 60, 40, 39, 0)] == [
        "very good fit",
        "very good fit",
        "good fit",
        "good fit",
        "fair fit",
        "poor fit",
        "poor fit",
    ]


def test_a_vacancy_ranks_its_candidates_by_fit_and_names_the_rule_that_rules_out_others(
    session,
):
    officer = factories.user(session, role=Role.housing_officer)
    vacancy = _open_place(session, pets_allowed=False)
    near = _in_bnb(session, preferred_areas=factories.AREA)
    far = _in_bnb(session, preferred_areas="Elsewhere")
    pet = _in_bnb(session, has_pet=True)

    result = candidates.vacancy_candidates(session, viewer=officer, vacancy_id=vacancy.id)

    assert [c.reference for c in result.candidates] == [near.reference, far.reference]
    first, second = result.candidates
    assert first.fit.points > second.fit.points  # a preferred area is worth 30 points
    assert first.why_here == "Best fit of everyone who could take this place."
    assert second.why_here.startswith(f"{first.fit.points - second.fit.points} points below")
    assert "area 30 fewer" in second.why_here
    assert first.fit.words == fit_words(first.fit.points)
    assert any(p == "in a preferred area: 30 of 30 points" for p in first.fit.parts)
    assert "in bed and breakfast" in first.situation
    assert result.excluded_counts == [("they have a pet and pets are not allowed", 1)]
    assert result.excluded_named == [
        (pet.reference, pet.id, "they have a pet and pets are not allowed")
    ]
    assert "No pets" in result.place_rules


def test_names_follow_the_viewers_record_scope(session):
    adviser = factories.user(session, role=Role.personal_adviser)
    commissioner = factories.user(session, role=Role.commissioner)
    vacancy = _open_place(session, pets_allowed=False)
    mine = _in_bnb(session, personal_adviser_id=adviser.id)
    _in_bnb(session)  # another adviser's
    _in_bnb(session, has_pet=True)  # another adviser's, ruled out

    theirs = candidates.vacancy_candidates(session, viewer=adviser, vacancy_id=vacancy.id)
    assert [c.reference for c in theirs.candidates] == [mine.reference]
    assert theirs.unseen_candidates == 1
    assert theirs.excluded_named == []  # ruled out, but not theirs to see by name
    assert theirs.excluded_counts == [("they have a pet and pets are not allowed", 1)]

    counts = candidates.vacancy_candidates(session, viewer=commissioner, vacancy_id=vacancy.id)
    assert counts.candidates == [] and counts.unseen_candidates == 2
    assert counts.excluded_named == []


def test_best_places_are_the_top_five_best_fit_first(session):
    officer = factories.user(session)
    person = _in_bnb(session, preferred_areas="Northtown")
    for _ in range(4):
        _open_place(session)
    best_area = _open_place(session, area="Northtown")
    _open_place(session, area="Northtown", gender_rule="male", reference="PR-MALE")
    _open_place(session)

    best = candidates.best_places(session, viewer=officer, young_person_id=person.id)

    assert best.needs_move and best.possible == 6 and best.open_vacancies == 7
    assert len(best.places) == 5
    assert best.places[0].vacancy_id == best_area.id
    points = [p.fit.points for p in best.places]
    assert points == sorted(points, reverse=True)
    assert best.blocking == [] and best.near_misses == []


def test_when_one_rule_rules_out_every_place_it_is_named_with_the_nearest_misses(session):
    officer = factories.user(session)
    person = _in_bnb(session, has_pet=True, needs_step_free=True)
    one = _open_place(session, pets_allowed=False, step_free=True)
    two = _open_place(session, pets_allowed=False, step_free=True)
    _open_place(session, pets_allowed=False, step_free=False)  # fails two rules: no near miss
    stairs = _open_place(session, pets_allowed=True, step_free=False)

    best = candidates.best_places(session, viewer=officer, young_person_id=person.id)

    assert best.places == [] and best.possible == 0
    assert best.blocking == []  # pets rule out three of four, stairs two: no single rule
    by_rule = {n.rule: n for n in best.near_misses}
    assert by_rule["pets"].words == "would fit if pets were allowed"
    assert {vid for vid, _ in by_rule["pets"].places} == {one.id, two.id}
    assert [vid for vid, _ in by_rule["step_free"].places] == [stairs.id]
    assert best.near_misses[0].rule == "pets"  # the rule with most near misses first
    assert dict(best.excluded_counts)["they have a pet and pets are not allowed"] == 3


def test_a_young_person_every_place_rules_out_by_pets_reads_none_no_place_allows_pets(session):
    officer = factories.user(session)
    person = _in_bnb(session, has_pet=True)
    other = _in_bnb(session)
    first = _open_place(session, pets_allowed=False)
    _open_place(session, pets_allowed=False)

    best = candidates.best_places(session, viewer=officer, young_person_id=person.id)
    assert best.blocking == ["no place allows pets"]
    assert [n.words for n in best.near_misses] == ["would fit if pets were allowed"]
    assert len(best.near_misses[0].places) == 2

    queue = candidates.queue_best(session, [person.reference, other.reference])
    assert queue[person.reference] == candidates.QueueBest(None, "none: no place allows pets")
    assert queue[other.reference].vacancy_id in {first.id, first.id + 1}
    assert "of 100" in queue[other.reference].words
    assert "Scheme" in queue[other.reference].words  # the provision's name, never its code


def test_best_places_outside_the_viewers_scope_is_not_found(session):
    adviser = factories.user(session, role=Role.personal_adviser)
    person = _in_bnb(session)
    _open_place(session)
    from planner.core.errors import NotFound

    with pytest.raises(NotFound):
        candidates.best_places(session, viewer=adviser, young_person_id=person.id)


def _moving_in_five_days(session, into: PlacementType | None = None):
    """A young person in bed and breakfast with a move planned in five days (to a place, or
    ``into`` a placement type), and an open place they could otherwise have."""
    person = factories.young_person(session)
    move_on = clock.today() + timedelta(days=5)
    factories.stay(
        session,
        young_person=person,
        placement_type=PlacementType.bed_and_breakfast,
        end_date=move_on,
    )
    target = _open_place(session)
    where = {"place": factories.place(session)} if into is None else {"placement_type": into}
    factories.stay(session, young_person=person, start_date=move_on, **where)
    return person, target


def test_a_planned_move_is_said_in_words_not_assessed(session):
    officer = factories.user(session)
    person, target = _moving_in_five_days(session)
    best = candidates.best_places(session, viewer=officer, young_person_id=person.id)
    assert best.note == "A move is already planned for them."
    assert target.id not in [p.vacancy_id for p in best.places]


def test_the_queue_names_a_planned_move_when_no_one_else_is_assessed(session):
    """The queue's only young person has a move planned for next week, so no one is left to
    assess: the queue must still say their move (not "no open vacancies", with places free),
    and someone with no current stay must not read as if there were no places either."""
    person, _ = _moving_in_five_days(session)
    nowhere = factories.young_person(session)  # no stay at all
    queue = candidates.queue_best(session, [person.reference, nowhere.reference])
    # somewhere suitable: the exit plan's column names the move, this cell says why none
    assert queue[person.reference].words == "none sought: a move is planned (see the exit plan)"
    assert queue[nowhere.reference].words == "none: no current stay on the records"


def test_the_queue_names_a_planned_move_into_other_unsuitable_accommodation(session):
    """A move from one bed and breakfast to another is no exit plan (the exit plan's column
    says "No exit plan"), so the best-place cell names it instead of hiding it."""
    person, _ = _moving_in_five_days(session, into=PlacementType.bed_and_breakfast)
    move_on = clock.today() + timedelta(days=5)
    words = candidates.queue_best(session, [person.reference])[person.reference].words
    moving = f"moving on {day_words(move_on)} (bed and breakfast)"
    assert words == f"none sought: {moving}, also unsuitable"


def test_an_officer_proposes_a_candidate_through_the_matching_service(session):
    vacancy = _open_place(session, pets_allowed=False)
    person = _in_bnb(session)
    pet = _in_bnb(session, has_pet=True)

    proposal = service.propose(
        session, vacancy_id=vacancy.id, young_person_id=person.id, actor="officer1"
    )
    assert proposal.status == "proposed" and proposal.stage == "a"
    assert "Proposed from the vacancy's candidates" in proposal.reasons
    assert "of 100" in proposal.reasons
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "propose")).one()
    assert event.entity_id == str(proposal.id) and event.actor == "officer1"

    with pytest.raises(service.InvalidDecision, match="already proposed"):
        service.propose(session, vacancy_id=vacancy.id, young_person_id=person.id, actor="o")
    with pytest.raises(
        service.InvalidDecision, match="cannot take this place: they have a pet and pets"
    ):
        service.propose(session, vacancy_id=vacancy.id, young_person_id=pet.id, actor="o")
    assert len(session.exec(select(Proposal)).all()) == 1

    # accepted like any proposal: the young person moves, the vacancy is filled
    service.accept_proposal(
        session,
        proposal_id=proposal.id,
        expected_version=proposal.version,
        actor="officer1",
        start=clock.today(),
    )
    with pytest.raises(service.InvalidDecision, match="no longer open"):
        service.propose(session, vacancy_id=vacancy.id, young_person_id=pet.id, actor="o")


def test_the_next_action_is_the_earliest_of_supervision_exit_plan_and_pathway_plan():
    today = clock.today()
    soon, later = today + timedelta(days=3), today + timedelta(days=9)
    assert next_action(supervision=later, exit_plan_target=None, pathway_plan_due=None) == (
        later,
        "supervision",
    )
    assert next_action(supervision=later, exit_plan_target=soon, pathway_plan_due=later) == (
        soon,
        "exit plan target",
    )
    assert next_action(supervision=later, exit_plan_target=None, pathway_plan_due=soon) == (
        soon,
        "pathway plan review",
    )
