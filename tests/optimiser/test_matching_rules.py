"""Every hard rule removes the pairs it should, and says so."""

from __future__ import annotations

import pytest
from matching_builders import pairs, person, run, vacancy

# (rule, changes to the young person, changes to the vacancy)
CASES = [
    ("reserved", {}, {"reserved_for": "YP9"}),
    ("age", {"date_of_birth": "1998-01-01"}, {}),
    ("age", {}, {"min_age": 21}),
    ("gender", {"gender": "male"}, {"gender": "female"}),
    ("gender", {"gender": "non_binary"}, {"gender": "female"}),
    ("cohort", {"uasc": False}, {"cohort": "uasc"}),
    ("ofsted", {"date_of_birth": "2007-03-01"}, {"ofsted_registered": False}),
    ("support", {"support_need": "high"}, {"support_level": "medium"}),
    ("step_free", {"needs_step_free": True}, {"step_free": False}),
    ("parent_and_child", {"has_child": True}, {}),
    ("parent_and_child", {}, {"parent_and_child": True}),
    ("pets", {"has_pet": True}, {"pets_allowed": False}),
    ("excluded_area", {"excluded_areas": "Weymouth;Portland"}, {}),
    ("not_free", {"current_accommodation": "custody", "free_from": "2024-07-01"}, {}),
    ("not_free", {"current_accommodation": "custody"}, {}),
    ("risk", {"risk_flags": "arson;exploitation"}, {"excluded_risks": "arson"}),
]


@pytest.mark.parametrize(("rule", "person_fields", "vacancy_fields"), CASES)
def test_each_rule_excludes_the_pair_and_names_itself(rule, person_fields, vacancy_fields):
    result = run([person("YP1", **person_fields)], [vacancy("V1", **vacancy_fields)])

    assert pairs(result) == set()
    excluded = result.compatibility.excluded_pairs()
    assert excluded.to_dict(orient="records") == [
        {"person_id": "YP1", "vacancy_id": "V1", "rule": rule}
    ]
    row = result.unmatched.set_index("person_id").loc["YP1"]
    assert f"{rule} 1" in row["excluded_by_rule"]
    assert row["possible_vacancies"] == 0


def test_the_default_pair_is_compatible():
    result = run([person("YP1")], [vacancy("V1")])
    assert pairs(result) == {("YP1", "V1")}


def test_rules_pass_when_the_vacancy_meets_the_need():
    result = run(
        [
            person("YP1", uasc=True, has_pet="yes", needs_step_free="1", risk_flags="arson"),
            person("YP2", has_child=True, current_accommodation="custody", free_from="2024-06-01"),
            person("YP3", date_of_birth="2007-03-01", support_need="high"),
            person("YP4", gender="male"),
        ],
        [
            vacancy("V1", cohort="uasc", pets_allowed=True, step_free=True, excluded_risks="drugs"),
            vacancy("V2", parent_and_child=True, available_from="2024-06-01"),
            vacancy("V3", support_level="high", ofsted_registered=True),
            vacancy("V4", gender="male", reserved_for="YP4"),
        ],
    )
    assert pairs(result) == {("YP1", "V1"), ("YP2", "V2"), ("YP3", "V3"), ("YP4", "V4")}


def test_age_is_taken_on_the_vacancys_date():
    # Turns 18 on 2024-06-10: too young for an 18+ flat free now, old enough for one free later.
    young = person("YP1", date_of_birth="2006-06-10")
    now = run([young], [vacancy("V1", min_age=18)])
    later = run([young], [vacancy("V1", min_age=18, available_from="2024-06-10")])
    assert pairs(now) == set()
    assert pairs(later) == {("YP1", "V1")}


def test_homeless_lot_is_for_young_people_at_risk_aged_16_to_21():
    at_risk = person("YP1", current_accommodation="sofa_surfing", date_of_birth="2004-01-01")
    settled = person("YP2")
    too_old = person("YP3", current_accommodation="sofa_surfing", date_of_birth="2001-01-01")
    result = run(
        [at_risk, settled, too_old],
        [vacancy(f"V{k}", cohort="homeless_16_21") for k in range(3)],
    )
    assert {p for p, _ in pairs(result)} == {"YP1"}


def test_a_travel_limit_removes_far_vacancies_unless_preferred():
    import pandas as pd

    travel = pd.DataFrame(
        {
            "from_area": ["Weymouth", "Weymouth"],
            "to_area": ["Sherborne", "Bridport"],
            "minutes": [70, 40],
        }
    )
    result = run(
        [person("YP1"), person("YP2", preferred_areas="Sherborne")],
        [vacancy("V1", area="Sherborne"), vacancy("V2", area="Sherborne")],
        travel_times=travel,
        max_travel_minutes=60,
    )
    assert pairs(result) == {("YP2", "V1")} or pairs(result) == {("YP2", "V2")}
    assert "too_far 2" in result.unmatched.set_index("person_id").loc["YP1", "excluded_by_rule"]


def test_people_in_suitable_accommodation_with_no_need_are_not_considered():
    result = run([person("YP1", wants_move=False)], [vacancy("V1")])
    assert pairs(result) == set()
    row = result.unmatched.set_index("person_id").loc["YP1"]
    assert row["need"] == "no_move_needed"
