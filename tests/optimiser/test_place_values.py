"""The value of one more place agrees with adding the place to the vacancies and solving again.

For every kind of place a random small run has, the vacancy it copies is added once more to
the vacancies frame (a new id, one place) and the whole match is run again: the number moved
out of unsuitable accommodation, the number of imminent needs met on time and who gains must
be those `place_values` reports. This checks the re-solves and the reachability shortcut that
skips the kinds of place nobody left waiting could use.
"""

from __future__ import annotations

import datetime as dt
import random

import pandas as pd
import pytest
from matching_builders import AS_OF, person, run, vacancy

from optimiser.place_values import COPY_SUFFIX, place_values

AREAS = ["Weymouth", "Portland", "Dorchester"]
LEVELS = ["none", "low", "medium", "high"]
TYPES = ["supported_accommodation", "supported_lodgings", "council_flat"]


def day(offset: int) -> str:
    return (AS_OF + dt.timedelta(days=offset)).isoformat()


def _instance(seed: int, people_count: int = 14, vacancy_count: int = 7):
    rng = random.Random(seed)
    people = []
    for k in range(people_count):
        kind = rng.choice(["unsuitable", "unsuitable", "imminent", "imminent", "asked"])
        people.append(
            person(
                f"YP{k:02d}",
                date_of_birth=day(-rng.randint(16 * 365, 24 * 365)),
                gender=rng.choice(["male", "female"]),
                current_accommodation=(
                    rng.choice(["bed_and_breakfast", "sofa_surfing"])
                    if kind == "unsuitable"
                    else "supported_lodgings"
                ),
                unsuitable_since=day(-rng.randint(0, 300)) if kind == "unsuitable" else None,
                needed_by=day(rng.randint(5, 70)) if kind == "imminent" else None,
                support_need=rng.choice(LEVELS),
                area=rng.choice(AREAS),
                excluded_areas=rng.choice(["", "", "Portland"]),
                has_pet=rng.random() < 0.2,
            )
        )
    places = []
    for k in range(vacancy_count):
        places.append(
            vacancy(
                f"V{k:02d}",
                provision_id=f"P{k // 2}",
                placement_type=rng.choice(TYPES),
                area=rng.choice(AREAS),
                available_from=day(rng.randint(0, 60)),
                capacity=rng.choice([1, 1, 2]),
                min_age=rng.choice([16, 18]),
                gender=rng.choice(["any", "any", "female"]),
                support_level=rng.choice(LEVELS),
                pets_allowed=rng.random() < 0.3,
            )
        )
    return people, places


def _outcome(result) -> tuple[set[str], set[str]]:
    stage = result.proposals["stage"]
    return (
        set(result.proposals.loc[stage == "a", "person_id"]),
        set(result.proposals.loc[stage == "b", "person_id"]),
    )


def _check(people, places, *, exact_who: bool = True, **extra) -> pd.DataFrame:
    values = place_values(
        pd.DataFrame(people), pd.DataFrame(places), as_of=AS_OF, time_limit_seconds=20, **extra
    )
    base = run(people, places, **extra)
    base_out, base_met = _outcome(base)
    if base.status == "optimal":  # the run's own proposals save solving it again
        again = place_values(
            pd.DataFrame(people),
            pd.DataFrame(places),
            as_of=AS_OF,
            proposals=base.proposals,
            **extra,
        )
        pd.testing.assert_frame_equal(values, again)
    by_id = {p["vacancy_id"]: p for p in places}
    for row in values.to_dict(orient="records"):
        copy = dict(by_id[row["like_vacancy"]])
        copy.update(vacancy_id=copy["vacancy_id"] + COPY_SUFFIX, capacity=1)
        moved_out, met = _outcome(run(people, [*places, copy], **extra))
        assert row["more_moved_out"] == len(moved_out) - len(base_out), row
        assert row["more_on_time"] == len(met) - len(base_met), row
        if exact_who:  # with side constraints the sets are one optimum among several
            assert set(row["who_moved_out"]) == moved_out - base_out, row
            assert set(row["who_on_time"]) == met - base_met, row
    return values


@pytest.mark.parametrize("seed", range(12))
def test_place_values_agree_with_adding_the_place_and_solving_again(seed):
    people, places = _instance(seed)
    values = _check(people, places)
    assert len(values) == len(places)  # random rules: every vacancy is its own kind here
    ranked = list(zip(values["more_moved_out"], values["more_on_time"], strict=True))
    assert ranked == sorted(ranked, reverse=True)


def test_some_instances_have_a_valuable_place():
    """The random instances are not all trivially zero (the check above would prove little)."""
    gains = 0
    for seed in range(12):
        people, places = _instance(seed)
        values = place_values(pd.DataFrame(people), pd.DataFrame(places), as_of=AS_OF)
        gains += int((values["more_moved_out"] > 0).sum() + (values["more_on_time"] > 0).sum())
    assert gains > 0


def test_vacancies_of_one_kind_share_a_row_and_reserved_places_have_none():
    people = [person("YP1", current_accommodation="bed_and_breakfast"), person("YP2")]
    places = [
        vacancy("V1", available_from=day(10)),
        vacancy("V2", available_from=day(3)),
        vacancy("V3", reserved_for="YP2"),
    ]
    values = place_values(pd.DataFrame(people), pd.DataFrame(places), as_of=AS_OF)
    assert list(values["like_vacancy"]) == ["V2"]  # the one free soonest stands for the kind


@pytest.mark.parametrize("seed", range(3))
def test_with_side_constraints_the_figures_agree_too(seed):
    people, places = _instance(seed, people_count=10, vacancy_count=5)
    people[0]["together_group"] = people[1]["together_group"] = "sisters"
    for k, row in enumerate(places):
        row["lot"] = "framework" if k % 2 else "spot"
    lots = pd.DataFrame(
        [
            {"lot": "framework", "min_young_people": 1, "max_young_people": 3},
            {"lot": "spot", "min_young_people": 0, "max_young_people": 2},
        ]
    )
    _check(people, places, exact_who=False, lot_limits=lots)


def test_each_kind_of_place_is_represented_by_its_open_vacancy_free_soonest_then_by_id():
    from optimiser import MatchSettings, prepare_inputs
    from optimiser.place_values import profile_representatives

    inputs = prepare_inputs(
        pd.DataFrame([person("YP1")]),
        pd.DataFrame(
            [
                vacancy("V3", available_from=day(1)),
                vacancy("V2", available_from=day(2)),
                vacancy("V1", available_from=day(1)),
                vacancy("V0", available_from=day(1), reserved_for="YP1"),  # not a kind of place
                vacancy("V4", available_from=day(5), area="Portland"),
                vacancy("V5", step_free=True),  # free now: sooner than any date
                vacancy("V6", available_from=day(0), step_free=True),
            ]
        ),
        MatchSettings(as_of=AS_OF),
    )
    chosen = profile_representatives(inputs.vacancies)
    assert sorted(chosen["vacancy_id"]) == ["V1", "V4", "V5"]
    assert list(chosen.columns) == list(inputs.vacancies.columns)


@pytest.mark.parametrize("seed", [4, 5])
def test_the_run_s_own_needs_give_the_same_place_values(seed):
    """`planner match` hands the run's needs to the place values (they do not depend on the
    vacancies, to which the place values add their copies)."""
    from optimiser import MatchSettings, match_inputs, prepare_inputs
    from optimiser.place_values import place_values_inputs

    people, places = _instance(seed)
    inputs = prepare_inputs(
        pd.DataFrame(people), pd.DataFrame(places), MatchSettings(as_of=AS_OF, backend="flow")
    )
    result = match_inputs(inputs)
    assert result.status == "optimal" and result.needs is not None
    given = place_values_inputs(inputs, proposals=result.proposals, needs=result.needs)
    worked_out = place_values_inputs(inputs, proposals=result.proposals)
    pd.testing.assert_frame_equal(given, worked_out)
    assert given["more_moved_out"].sum() > 0  # a place would move someone out


@pytest.mark.parametrize("seed", range(6))
def test_the_run_s_own_pairs_give_the_same_place_values(seed):
    """`planner match` hands the run's pairs to the place values too, which then assess only
    the copies of each kind of place: the rules read one young person and one vacancy, so the
    merged pairs (and the figures) are those of assessing everything again. A decision that
    keeps a young person from a vacancy stays with that vacancy, not with its copy."""
    from optimiser import MatchSettings, match_inputs, prepare_inputs
    from optimiser.place_values import place_values_inputs

    people, places = _instance(seed, people_count=16, vacancy_count=8)
    excluded = pd.DataFrame(
        [{"person_id": "YP00", "vacancy_id": "V00", "reason": "declined"}],
    )
    inputs = prepare_inputs(
        pd.DataFrame(people),
        pd.DataFrame(places),
        MatchSettings(as_of=AS_OF, backend="flow"),
        excluded_pairs=excluded,
    )
    result = match_inputs(inputs)
    assert result.status == "optimal"
    given = place_values_inputs(
        inputs,
        proposals=result.proposals,
        needs=result.needs,
        compatibility=result.compatibility,
    )
    worked_out = place_values_inputs(inputs, proposals=result.proposals, needs=result.needs)
    pd.testing.assert_frame_equal(given, worked_out)
