"""`rule_failures` (every rule a pair breaks, for the candidate pages) agrees with
`assess_pairs` (what a match run uses): the same possible pairs and the same first rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matching_builders import AS_OF, person, vacancy

from optimiser.inputs import MatchSettings, prepare_inputs
from optimiser.needs import assess_needs
from optimiser.rules import RULE_NAMES, assess_pairs, build_area_index, rule_failures


def test_rule_failures_agree_with_the_match_runs_rules_and_keep_every_rule():
    people = [
        person("P1"),
        person("P2", has_pet=True, needs_step_free=True),
        person("P3", support_need="high", gender="male"),
        person("P4", date_of_birth="2008-03-01", excluded_areas="Portland"),
    ]
    vacancies = [
        vacancy("V1"),
        vacancy("V2", pets_allowed=False, step_free=False),
        vacancy("V3", support_level="high", gender="female", area="Portland"),
        vacancy("V4", min_age=21),
    ]
    inputs = prepare_inputs(
        pd.DataFrame(people), pd.DataFrame(vacancies), MatchSettings(as_of=AS_OF)
    )
    needs = assess_needs(inputs)
    areas = build_area_index(inputs)
    compatibility = assess_pairs(inputs, needs, areas)
    considered = compatibility.considered
    masks = rule_failures(inputs, needs, areas, considered)
    stacked = np.stack([masks[name] for name in RULE_NAMES])
    first = np.where(stacked.any(axis=0), stacked.argmax(axis=0) + 1, 0)
    assert np.array_equal(first, compatibility.first_rule)
    # P2 with a pet and needing step-free access breaks both rules at V2: both are kept
    p2 = int(np.flatnonzero(inputs.people["person_id"][considered] == "P2")[0])
    assert masks["pets"][p2, 1] and masks["step_free"][p2, 1]
    # one vacancy only: the same column
    one = rule_failures(inputs, needs, areas, considered, np.array([2]))
    assert all(np.array_equal(one[name][:, 0], masks[name][:, 2]) for name in RULE_NAMES)
