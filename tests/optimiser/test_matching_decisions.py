"""Decisions remembered and the time limit of a provision, in the pure model.

A pair a person declined (or found not suitable on review) is an input of later runs, never
a suggestion made again; and a young person reaching the time limit of a scheme is never
offered another room of the same scheme, which would only look like a move."""

from __future__ import annotations

import pandas as pd
import pytest
from matching_builders import AS_OF, pairs, person, run, vacancy

DECLINED = "declined by the provider on 3 December 2026"


def excluded(*rows: tuple[str, str, str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["person_id", "vacancy_id", "reason"])


@pytest.mark.parametrize("backend", ["pulp", "arrays"])
def test_an_excluded_pair_is_never_proposed_even_when_it_is_the_best_fit(backend):
    people = [person("YP1", preferred_areas="Weymouth")]
    places = [vacancy("V1"), vacancy("V2", area="Dorchester", weekly_cost=900)]

    before = run(people, places, backend=backend)
    after = run(people, places, backend=backend, excluded_pairs=excluded(("YP1", "V1", DECLINED)))

    assert pairs(before) == {("YP1", "V1")}
    assert pairs(after) == {("YP1", "V2")}


def test_an_excluded_pair_is_never_proposed_with_side_constraints():
    people = [person("YP1", together_group="G"), person("YP2", together_group="G")]
    places = [vacancy("V1", provision_id="P"), vacancy("V2", provision_id="P")]

    result = run(people, places, excluded_pairs=excluded(("YP1", "V1", DECLINED)))

    assert pairs(result) == {("YP1", "V2"), ("YP2", "V1")}


def test_the_unmatched_reasons_name_the_decision_that_keeps_them_from_a_vacancy():
    people = [person("YP1", current_accommodation="bed_and_breakfast", unsuitable_since=AS_OF)]

    result = run(people, [vacancy("V1")], excluded_pairs=excluded(("YP1", "V1", DECLINED)))

    assert result.proposals.empty
    reason = result.unmatched.set_index("person_id").at["YP1", "reasons"]
    assert f"V1: {DECLINED}" in reason
    assert "2026-12-03" not in reason


def test_the_alternatives_name_the_decision_but_not_a_pair_another_rule_excludes():
    people = [person("YP1"), person("YP2", has_pet=True)]
    places = [vacancy("V1"), vacancy("V2")]
    decisions = excluded(("YP1", "V1", DECLINED), ("YP2", "V1", "declined by the young person"))

    result = run(people, places, excluded_pairs=decisions)

    named = result.alternatives[result.alternatives["kind"] == "decision"]
    assert named[["vacancy_id", "person_id"]].values.tolist() == [["V1", "YP1"]]
    assert DECLINED in named["consequence"].iloc[0]
    # YP2 has a pet and V1 allows none: the rule, not the decision, keeps them apart
    unmatched = result.unmatched.set_index("person_id").at["YP2", "reasons"]
    assert "declined by the young person" not in unmatched
    assert "has a pet and pets are not allowed: 2" in unmatched


def test_an_exclusion_naming_a_vacancy_not_in_the_run_changes_nothing():
    people = [person("YP1")]

    result = run(people, [vacancy("V1")], excluded_pairs=excluded(("YP1", "V9", DECLINED)))

    assert pairs(result) == {("YP1", "V1")}
    assert "decision" not in set(result.alternatives["kind"])


def _reaching_the_limit(**fields: object) -> dict[str, object]:
    """A young person in a room of scheme RIV whose 18 months there (across two rooms) end
    within the imminent horizon."""
    return person(
        "YP1",
        current_accommodation="supported_accommodation",
        current_provision_id="RIV",
        stay_started="2024-01-10",  # the second room
        provision_since="2022-12-01",  # the first room: 18 months end on 1 June 2024
        wants_move=False,
        **fields,
    )


def test_a_young_person_reaching_the_limit_is_not_offered_a_room_of_the_same_scheme():
    places = [vacancy("V1", provision_id="RIV"), vacancy("V2", provision_id="OTHER")]

    result = run([_reaching_the_limit()], places)

    assert pairs(result) == {("YP1", "V2")}
    assert result.proposals["need"].tolist() == ["imminent"]
    counts = result.exclusions.set_index("rule")["vacancies"]
    assert counts["same_provision"] == 1


def test_only_the_same_scheme_offers_nothing_and_the_reason_says_so():
    result = run([_reaching_the_limit()], [vacancy("V1", provision_id="RIV")])

    assert result.proposals.empty
    assert (
        "a place in the provision whose time limit they are reaching: 1"
        in (result.unmatched.at[0, "reasons"])
    )
    assert result.unmatched.at[0, "excluded_by_rule"] == "same_provision 1"  # files keep codes


def test_time_on_the_provision_counts_from_the_first_room_not_the_second():
    # from the second room alone the limit would be 10 July 2025: no need to move yet
    alone = person(
        "YP1",
        current_accommodation="supported_accommodation",
        current_provision_id="RIV",
        stay_started="2024-01-10",
        wants_move=False,
    )
    assert run([alone], [vacancy("V2")]).proposals.empty
    assert len(run([_reaching_the_limit()], [vacancy("V2")]).proposals) == 1


def test_the_provisions_own_limit_date_is_honoured():
    # a 24-month scheme: 18 months from provision_since would be imminent, 24 months is not
    later = _reaching_the_limit(limit_date="2024-12-01")
    assert run([later], [vacancy("V2")]).proposals.empty
    sooner = person(
        "YP1",
        current_accommodation="supported_lodgings",
        current_provision_id="LOD",
        stay_started="2024-04-01",
        limit_date="2024-06-30",
        wants_move=False,
    )
    result = run([sooner], [vacancy("V1", provision_id="LOD"), vacancy("V2")])
    assert pairs(result) == {("YP1", "V2")}
