"""Mix limits, lot minimums and maximums, together groups: the MIP path of the stages."""

from __future__ import annotations

import pandas as pd
import pytest
from matching_builders import pairs, person, run, vacancy


def test_a_mix_limit_caps_young_people_with_a_risk_flag_in_one_provision():
    people = [
        person("YP1", risk_flags="exploitation", preferred_areas="Weymouth"),
        person("YP2", risk_flags="exploitation", preferred_areas="Weymouth"),
        person("YP3"),
    ]
    house = [vacancy("V1", provision_id="H1"), vacancy("V2", provision_id="H1")]
    limits = pd.DataFrame(
        [{"provision_id": "H1", "risk_flag": "exploitation", "max_young_people": 1}]
    )
    result = run(people, house, mix_limits=limits)
    flagged = {p for p, _ in pairs(result)} & {"YP1", "YP2"}
    assert len(flagged) == 1
    assert len(result.proposals) == 2
    assert set(result.stages["model"]) == {"mip"}


def test_a_lot_maximum_limits_proposals_into_the_lot():
    people = [person(f"YP{k}") for k in range(3)]
    lot = [vacancy(f"V{k}", lot="framework_lot_2") for k in range(3)]
    limits = pd.DataFrame(
        [{"lot": "framework_lot_2", "min_young_people": 0, "max_young_people": 2}]
    )
    result = run(people, lot, lot_limits=limits)
    assert len(result.proposals) == 2
    assert result.status == "optimal"


def test_an_impossible_lot_minimum_is_reported_as_infeasible_not_raised():
    limits = pd.DataFrame([{"lot": "uasc", "min_young_people": 2, "max_young_people": None}])
    result = run([person("YP1", uasc=True)], [vacancy("V1", cohort="uasc")], lot_limits=limits)
    assert result.status == "infeasible"
    assert result.proposals.empty


def test_a_lot_minimum_can_take_priority_over_best_fit():
    people = [person("YP1", preferred_areas="Portland")]
    vacancies = [
        vacancy("V1", area="Portland"),
        vacancy("V2", area="Weymouth", lot="care_leavers_lot"),
    ]
    limits = pd.DataFrame(
        [{"lot": "care_leavers_lot", "min_young_people": 1, "max_young_people": 1}]
    )
    result = run(people, vacancies, lot_limits=limits)
    assert pairs(result) == {("YP1", "V2")}
    without = run(people, vacancies)
    assert pairs(without) == {("YP1", "V1")}


def test_a_together_group_goes_to_one_provision():
    siblings = [
        person("YP1", together_group="family_7", preferred_areas="Portland"),
        person("YP2", together_group="family_7"),
    ]
    vacancies = [
        vacancy("V1", provision_id="Portland_flat", area="Portland"),
        vacancy("V2", provision_id="Lodgings", capacity=2),
    ]
    result = run(siblings, vacancies)
    assert pairs(result) == {("YP1", "V2"), ("YP2", "V2")}


def test_a_together_group_stays_unplaced_rather_than_split():
    siblings = [person("YP1", together_group="g"), person("YP2", together_group="g")]
    result = run(siblings, [vacancy("V1", provision_id="A"), vacancy("V2", provision_id="B")])
    assert pairs(result) == set()


def test_urgency_still_comes_first_with_side_constraints():
    teen = person("YP1", date_of_birth="2007-02-01", current_accommodation="bed_and_breakfast")
    adult = person(
        "YP2",
        current_accommodation="sofa_surfing",
        unsuitable_since="2023-01-01",
        risk_flags="arson",
    )
    pair = [person("YP3", together_group="g"), person("YP4", together_group="g")]
    limits = pd.DataFrame([{"provision_id": "H1", "risk_flag": "arson", "max_young_people": 1}])
    result = run([adult, teen, *pair], [vacancy("V1", provision_id="H1")], mix_limits=limits)
    assert pairs(result) == {("YP1", "V1")}
    assert result.stages.iloc[0]["stage"] == "a"


def _side_instance(seed: int):
    import numpy as np

    rng = np.random.default_rng(seed)
    areas = ["Weymouth", "Portland"]
    people = [
        person(
            f"YP{k:02d}",
            current_accommodation=str(rng.choice(["bed_and_breakfast", "supported_lodgings"])),
            unsuitable_since=f"2024-0{int(rng.integers(1, 4))}-01",
            suitable=bool(rng.random() < 0.5),
            needed_by="2024-05-20" if rng.random() < 0.3 else None,
            risk_flags="arson" if rng.random() < 0.4 else "",
            preferred_areas=str(rng.choice(areas)),
            together_group="G1" if k in (0, 1) and seed % 2 else None,
        )
        for k in range(int(rng.integers(4, 12)))
    ]
    places = [
        vacancy(
            f"V{k:02d}",
            provision_id=f"P{k // 2}",
            area=str(rng.choice(areas)),
            capacity=int(rng.integers(1, 3)),
            lot=str(rng.choice(["lot_1", "lot_2"])),
            weekly_cost=int(rng.choice([200, 300])),
        )
        for k in range(int(rng.integers(2, 7)))
    ]
    mix = pd.DataFrame([{"provision_id": "P0", "risk_flag": "arson", "max_young_people": 1}])
    lots = pd.DataFrame([{"lot": "lot_2", "min_young_people": 0, "max_young_people": 1}])
    return people, places, mix, lots


@pytest.mark.parametrize("seed", range(6))
def test_the_array_mip_steps_equal_the_pulp_reference_on_random_instances(seed):
    people, places, mix, lots = _side_instance(seed)
    fast = run(people, places, mix_limits=mix, lot_limits=lots)
    reference = run(people, places, mix_limits=mix, lot_limits=lots, backend="pulp")
    assert fast.backend == "arrays" and reference.backend == "pulp"
    assert fast.status == reference.status == "optimal"
    assert list(fast.stages["value"]) == list(reference.stages["value"])
    again = run(people, places, mix_limits=mix, lot_limits=lots)
    pd.testing.assert_frame_equal(fast.proposals, again.proposals)  # deterministic
    # the hash tie-break makes the answer the solver's no longer: HiGHS on arrays and CBC on
    # the PuLP model return the same proposals, not just the same step values
    assert fast.stages.iloc[-1]["tie_break"] == reference.stages.iloc[-1]["tie_break"] == "hash"
    assert pairs(fast) == pairs(reference)


def _crowded_instance(seed: int):
    """More young people than places, pairs of siblings, single and shared places in each
    provision, a mix limit, a lot maximum and a lot minimum: the column generation prices
    in pairs over several rounds, the reduced-cost fixing leaves pairs out, and the group
    rows (a pair never fits one single place) bind, as at county size."""
    import numpy as np

    rng = np.random.default_rng(100 + seed)
    areas = ["Weymouth", "Portland", "Dorchester"]
    count = int(rng.integers(18, 30))
    people = [
        person(
            f"YP{k:02d}",
            date_of_birth=str(rng.choice(["2007-02-01", "2004-01-15", "2002-06-30"])),
            current_accommodation=str(
                rng.choice(["bed_and_breakfast", "sofa_surfing", "supported_lodgings"])
            ),
            unsuitable_since=f"2024-0{int(rng.integers(1, 4))}-0{int(rng.integers(1, 9))}",
            needed_by="2024-05-2" + str(int(rng.integers(0, 9))) if rng.random() < 0.3 else None,
            risk_flags="arson" if rng.random() < 0.25 else "",
            preferred_areas=str(rng.choice(areas)),
            area=str(rng.choice(areas)),
            support_need=str(rng.choice(["none", "low", "medium"])),
            together_group=f"G{k // 2}" if k < 8 else None,
            wants_move=True,
        )
        for k in range(count)
    ]
    places = [
        vacancy(
            f"V{k:02d}",
            provision_id=f"P{k // 3}",
            area=str(rng.choice(areas)),
            capacity=int(rng.choice([1, 1, 2, 3])),
            lot=str(rng.choice(["lot_1", "lot_2", "lot_3"])),
            support_level=str(rng.choice(["low", "medium", "high"])),
            weekly_cost=int(rng.choice([200, 300, 450])),
        )
        for k in range(int(rng.integers(8, 14)))
    ]
    mix = pd.DataFrame(
        [{"provision_id": f"P{k}", "risk_flag": "arson", "max_young_people": 1} for k in (0, 2)]
    )
    lots = pd.DataFrame(
        [
            {"lot": "lot_2", "min_young_people": 0, "max_young_people": 2},
            {"lot": "lot_3", "min_young_people": 1, "max_young_people": None},
        ]
    )
    return people, places, mix, lots


@pytest.mark.parametrize("seed", range(8))
def test_crowded_instances_with_siblings_equal_the_pulp_reference_step_by_step(seed):
    people, places, mix, lots = _crowded_instance(seed)
    fast = run(people, places, mix_limits=mix, lot_limits=lots)
    reference = run(people, places, mix_limits=mix, lot_limits=lots, backend="pulp")
    assert fast.status == reference.status
    assert list(fast.stages["value"]) == list(reference.stages["value"])
    if fast.status == "optimal":
        assert pairs(fast) == pairs(reference)
        placed = dict(pairs(fast))
        provision = {v["vacancy_id"]: v["provision_id"] for v in places}
        for k in range(0, 8, 2):  # siblings: both in one provision, or neither placed
            a, b = placed.get(f"YP{k:02d}"), placed.get(f"YP{k + 1:02d}")
            assert (a is None) == (b is None)
            if a is not None:
                assert provision[a] == provision[b]


def test_a_pair_of_siblings_never_shares_a_single_place():
    """The LP relaxation would put each sibling half into the one single place of a provision
    (the group row tightened in `optimiser.side` forbids it); the answer must be whole."""
    siblings = [
        person("YP1", together_group="g", current_accommodation="bed_and_breakfast"),
        person("YP2", together_group="g", current_accommodation="bed_and_breakfast"),
        person("YP3", current_accommodation="sofa_surfing"),
    ]
    vacancies = [
        vacancy("V1", provision_id="A", capacity=1),
        vacancy("V2", provision_id="B", capacity=1),
        vacancy("V3", provision_id="B", capacity=1),
    ]
    fast = run(siblings, vacancies)
    reference = run(siblings, vacancies, backend="pulp")
    assert pairs(fast) == pairs(reference)
    assert {p for p, _ in pairs(fast)} == {"YP1", "YP2", "YP3"}
    assert {v for p, v in pairs(fast) if p in ("YP1", "YP2")} == {"V2", "V3"}
