"""The staged objective on cases small enough to check by hand."""

from __future__ import annotations

import pandas as pd
from matching_builders import pairs, person, run, vacancy


def test_a_16_17_year_old_in_bed_and_breakfast_beats_an_adult_sofa_surfing():
    teen = person(
        "YP1",
        date_of_birth="2007-02-01",
        current_accommodation="bed_and_breakfast",
        unsuitable_since="2024-04-20",
    )
    adult = person(
        "YP2",
        date_of_birth="2001-02-01",
        current_accommodation="sofa_surfing",
        unsuitable_since="2023-05-01",
        preferred_areas="Weymouth",
    )
    result = run([adult, teen], [vacancy("V1", support_level="medium")])

    assert pairs(result) == {("YP1", "V1")}
    proposal = result.proposals.iloc[0]
    assert proposal["stage"] == "a"
    assert "moves out of unsuitable accommodation" in proposal["reasons"]
    reason = result.unmatched.set_index("person_id").loc["YP2", "reasons"]
    assert "V1 to YP1" in reason and "came first: more urgent" in reason


def test_the_number_moved_out_comes_before_urgency():
    # YP1 is the most urgent but can use either place; YP2 only V1. Both must move.
    most_urgent = person(
        "YP1",
        date_of_birth="2007-02-01",
        current_accommodation="bed_and_breakfast",
        preferred_areas="Weymouth",
    )
    other = person("YP2", current_accommodation="sofa_surfing", has_pet=True)
    result = run(
        [most_urgent, other],
        [vacancy("V1", pets_allowed=True), vacancy("V2", area="Portland")],
    )
    assert pairs(result) == {("YP1", "V2"), ("YP2", "V1")}
    assert result.counts["moved_out_of_unsuitable"] == 2


def test_among_maximum_moves_the_more_urgent_young_person_is_chosen():
    # V2 is reserved for YP3, so the maximum moved out is 2 (V1 and V2). Of YP1 and YP2, who
    # compete for V1, the under-18 goes. YP2 (adult in B&B) is more urgent than YP3 (adult
    # sofa surfing) but moving YP2 instead of YP3 would lower the number moved out.
    teen = person("YP1", date_of_birth="2007-02-01", current_accommodation="bed_and_breakfast")
    adult_bnb = person(
        "YP2", current_accommodation="bed_and_breakfast", unsuitable_since="2024-01-01"
    )
    adult_sofa = person("YP3", current_accommodation="sofa_surfing")
    result = run(
        [teen, adult_bnb, adult_sofa],
        [vacancy("V1"), vacancy("V2", reserved_for="YP3")],
    )
    assert pairs(result) == {("YP1", "V1"), ("YP3", "V2")}
    assert result.counts["moved_out_of_unsuitable"] == 2


def test_bed_and_breakfast_comes_before_other_unsuitable_accommodation():
    bnb = person("YP1", current_accommodation="bed_and_breakfast", unsuitable_since="2024-04-25")
    sofa = person("YP2", current_accommodation="sofa_surfing", unsuitable_since="2023-01-01")
    result = run([sofa, bnb], [vacancy("V1")])
    assert pairs(result) == {("YP1", "V1")}


def test_longer_in_unsuitable_accommodation_comes_before_shorter():
    short = person("YP1", current_accommodation="no_fixed_abode", unsuitable_since="2024-04-20")
    long = person(
        "YP2", current_accommodation="emergency_accommodation", unsuitable_since="2024-01-20"
    )
    result = run([short, long], [vacancy("V1")])
    assert pairs(result) == {("YP2", "V1")}
    # with a place each, the proposals are listed most urgent first, as the pages say
    both = run([short, long], [vacancy("V1"), vacancy("V2")])
    assert list(both.proposals["person_id"]) == ["YP2", "YP1"]


def test_a_declared_unsuitable_placement_counts_as_unsuitable():
    breaking_down = person("YP1", current_accommodation="supported_lodgings", suitable="no")
    asked = person("YP2", preferred_areas="Weymouth")
    result = run([asked, breaking_down], [vacancy("V1")])
    assert pairs(result) == {("YP1", "V1")}


def test_stage_a_comes_before_imminent_needs_and_fit():
    unsuitable = person("YP1", current_accommodation="sofa_surfing")
    imminent = person("YP2", needed_by="2024-05-10")
    asked = person("YP3", preferred_areas="Weymouth")
    result = run([asked, imminent, unsuitable], [vacancy("V1")])
    assert pairs(result) == {("YP1", "V1")}


def test_imminent_needs_earliest_deadline_first_on_places_free_in_time():
    early = person("YP1", needed_by="2024-05-20")
    late = person("YP2", needed_by="2024-07-01")
    later_still = person("YP3", needed_by="2024-07-20")
    result = run(
        [late, early, later_still],
        [vacancy("V1", available_from="2024-06-01"), vacancy("V2")],
    )
    # V1 is free after YP1's deadline, so YP1 must get V2; YP2 then takes V1 before YP3.
    assert pairs(result) == {("YP1", "V2"), ("YP2", "V1")}
    assert set(result.proposals["stage"]) == {"b"}
    assert result.counts["imminent_needs_met_on_time"] == 2


def test_an_overdue_deadline_comes_first_among_imminent_needs():
    """A deadline already passed (here the framework's 18 months, reached in March) cannot be
    met "on time" by any place; the young person needs one now, before anyone whose deadline
    is still to come. They used to drop to the best-fit stage and wait behind them."""
    overdue = person(
        "YP1", current_accommodation="supported_accommodation", stay_started="2022-09-01"
    )
    coming = person("YP2", needed_by="2024-05-20")
    result = run([coming, overdue], [vacancy("V1")])
    assert pairs(result) == {("YP1", "V1")}
    reasons = result.proposals.set_index("person_id").loc["YP1", "reasons"]
    assert "needed by 1 March 2024, a date already passed: a place within 12 weeks" in reasons
    assert "(passed: time limit of the provision reached)" in reasons
    assert result.counts["imminent_needs_met_on_time"] == 1
    # any place within the planning window meets an overdue need, so with a second place
    # free before YP2's deadline both are met; one free after the window does not count
    later = run([coming, overdue], [vacancy("V1", available_from="2024-05-15"), vacancy("V2")])
    assert set(later.proposals["stage"]) == {"b"} and len(later.proposals) == 2
    beyond = run([overdue], [vacancy("V1", available_from="2024-08-15")])
    assert list(beyond.proposals["stage"]) == ["c"]


def test_a_recorded_deadline_is_explained_in_the_callers_words():
    in_care = person(
        "YP1", date_of_birth="2006-06-01", needed_by="2024-06-01",
        needed_by_reason="turns 18 and leaves care",
    )  # fmt: skip
    recorded = person("YP2", needed_by="2024-06-10")
    result = run([in_care, recorded], [vacancy("V1"), vacancy("V2")])
    reasons = result.proposals.set_index("person_id")["reasons"]
    assert "needed by 1 June 2024 (turns 18 and leaves care)" in reasons["YP1"]
    assert "needed by 10 June 2024 (date recorded as needed by)" in reasons["YP2"]


def test_deadlines_are_derived_from_staying_put_and_the_framework_limit():
    turning_21 = person("YP1", current_accommodation="staying_put", date_of_birth="2003-06-15")
    framework = person(
        "YP2", current_accommodation="supported_accommodation", stay_started="2022-12-01"
    )
    not_yet = person("YP3", current_accommodation="staying_put", date_of_birth="2004-06-15")
    result = run([turning_21, framework, not_yet], [vacancy("V1"), vacancy("V2")])
    assert {p for p, _ in pairs(result)} == {"YP1", "YP2"}
    assert result.unmatched.set_index("person_id").loc["YP3", "need"] == "asked_to_move"


def test_best_fit_chooses_the_assignment_with_the_highest_total_score():
    in_portland = person("YP1", preferred_areas="Portland")
    in_weymouth = person("YP2", preferred_areas="Weymouth")
    result = run(
        [in_portland, in_weymouth],
        [vacancy("V1", area="Weymouth"), vacancy("V2", area="Portland")],
    )
    assert pairs(result) == {("YP1", "V2"), ("YP2", "V1")}
    stage_c = result.stages.set_index("stage").loc["c"]
    assert stage_c["value"] == result.proposals["score"].sum()
    assert stage_c["status"] == "optimal" and stage_c["model"] == "flow"  # exact, no LP


def test_score_components_add_up_and_the_sentence_names_them():
    result = run([person("YP1", preferred_areas="Weymouth")], [vacancy("V1")])
    proposal = result.proposals.iloc[0]
    parts = [c for c in result.proposals.columns if c.startswith("score_")]
    assert proposal[parts].sum() == proposal["score"]
    assert proposal["score_area"] == 30
    assert "in a preferred area;" in proposal["reasons"]
    assert f"Fit {round(proposal['score']) - 10} points out of 100" in proposal["reasons"]


def test_travel_time_to_education_counts_in_the_fit():
    travel = pd.DataFrame(
        {
            "from_area": ["Dorchester", "Dorchester"],
            "to_area": ["Weymouth", "Sherborne"],
            "minutes": [20, 60],
        }
    )
    student = person(
        "YP1", education_area="Dorchester", work_area="Dorchester", network_area="Dorchester"
    )
    result = run(
        [student],
        [vacancy("V1", area="Sherborne"), vacancy("V2", area="Weymouth")],
        travel_times=travel,
    )
    assert pairs(result) == {("YP1", "V2")}
    assert result.proposals.iloc[0]["travel_minutes"] == 20
    # a time from the travel table is stated as it is
    reasons = result.proposals.iloc[0]["reasons"]
    assert "20 minutes to education, work or network;" in reasons
    assert "assumed" not in reasons


def test_a_travel_time_not_in_the_table_is_said_to_be_assumed():
    # no travel table: between Dorchester and Weymouth the run's default (45 minutes)
    student = person(
        "YP1", education_area="Dorchester", work_area="Dorchester", network_area="Dorchester"
    )
    result = run([student], [vacancy("V1", area="Weymouth")])
    reasons = result.proposals.iloc[0]["reasons"]
    assert "45 minutes to education, work or network (assumed: the travel table has no time" in (
        reasons
    )
    # the same area needs no table: no travel, nothing assumed
    local = run([person("YP1")], [vacancy("V1", area="Weymouth")])
    assert "0 minutes to education, work or network;" in local.proposals.iloc[0]["reasons"]


def test_capacity_is_respected_and_shared_places_are_used():
    people = [person(f"YP{k}") for k in range(5)]
    result = run(people, [vacancy("V1", capacity=3)])
    assert len(result.proposals) == 3
    assert result.counts["unmatched_needing_a_move"] == 2


def test_alternatives_say_what_choosing_them_would_cost():
    teen = person("YP1", date_of_birth="2007-02-01", current_accommodation="bed_and_breakfast")
    asked = person("YP2", preferred_areas="Weymouth")
    result = run([teen, asked], [vacancy("V1")])
    alternative = result.alternatives.query("kind == 'vacancy' and vacancy_id == 'V1'").iloc[0]
    assert alternative["person_id"] == "YP2"
    assert alternative["replaces"] == "YP1"
    assert "stay in unsuitable accommodation" in alternative["consequence"]


def test_unmet_need_is_counted_by_placement_type_and_area():
    people = [
        person("YP1", current_accommodation="bed_and_breakfast", area="Portland"),
        person("YP2", current_accommodation="bed_and_breakfast", area="Portland"),
        person("YP3", support_need="high", area="Bridport", has_pet=True),
    ]
    result = run(people, [vacancy("V1", area="Portland")])
    unmet = result.unmet_need.set_index(["placement_type", "area", "need"])["young_people"]
    assert unmet.to_dict() == {
        ("supported_lodgings", "Portland", "unsuitable"): 1,
        ("supported_accommodation", "Bridport", "asked_to_move"): 1,
    }


def test_the_same_input_gives_the_same_output_in_any_row_order():
    people = [
        person(
            f"YP{k}",
            area=("Weymouth", "Portland")[k % 2],
            current_accommodation=("sofa_surfing" if k % 3 == 0 else "supported_lodgings"),
            unsuitable_since="2024-03-01",
        )
        for k in range(12)
    ]
    vacancies = [vacancy(f"V{k}", area=("Weymouth", "Portland")[k % 2]) for k in range(6)]
    first = run(people, vacancies)
    again = run(people, vacancies)
    shuffled = run(people[::-1], vacancies[::-1])
    pd.testing.assert_frame_equal(first.proposals, again.proposals)
    pd.testing.assert_frame_equal(first.unmatched, again.unmatched)
    pd.testing.assert_frame_equal(first.alternatives, again.alternatives)
    pd.testing.assert_frame_equal(first.proposals, shuffled.proposals)


def test_highs_gives_the_same_staged_optimum_as_cbc():
    people = [
        person(
            f"YP{k}",
            current_accommodation=("bed_and_breakfast", "sofa_surfing", "staying_put")[k % 3],
            area=("Weymouth", "Portland", "Dorchester")[k % 3],
            date_of_birth=f"200{k % 8}-03-01",
        )
        for k in range(15)
    ]
    vacancies = [
        vacancy(f"V{k}", area=("Weymouth", "Portland")[k % 2], min_age=16 + k % 3) for k in range(7)
    ]
    cbc = run(people, vacancies, solver="cbc")
    highs = run(people, vacancies, solver="highs")
    assert cbc.counts["moved_out_of_unsuitable"] == highs.counts["moved_out_of_unsuitable"]
    assert list(cbc.stages["value"]) == list(highs.stages["value"])
    assert highs.status == "optimal"


def test_unmatched_reasons_name_the_rules_in_words_not_codes():
    """The reasons are read on the matching page and in `planner proposals --unmatched`; the
    rule codes ("parent_and_child 1", "not_free 1") stay in the excluded_by_rule column."""
    import re

    parent = person("YP1", has_child=True, has_pet=True)
    result = run([parent], [vacancy("V1"), vacancy("V2", gender="male")])
    row = result.unmatched.set_index("person_id").loc["YP1"]
    assert "has a pet and pets are not allowed: 2" in row["reasons"]
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", row["reasons"]), row["reasons"]
    assert "pets 2" in row["excluded_by_rule"]
