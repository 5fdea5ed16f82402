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
