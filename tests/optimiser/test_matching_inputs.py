"""Inputs are refused with every bad cell named by record and field."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from matching_builders import AS_OF, person, run, vacancy

from optimiser import InputError, MatchSettings, prepare_inputs


def problems_of(people, vacancies):
    with pytest.raises(InputError) as caught:
        prepare_inputs(pd.DataFrame(people), pd.DataFrame(vacancies), MatchSettings(as_of=AS_OF))
    return caught.value.problems


def test_every_bad_cell_is_reported_with_record_field_value_and_expectation():
    found = problems_of(
        [person("YP1", gender="boy"), person("YP2", date_of_birth="01/02/2005")],
        [vacancy("V1", capacity="two", support_level="")],
    )
    described = {(p.table, p.row, p.record, p.field, p.value) for p in found}
    assert described == {
        ("people", 0, "YP1", "gender", "boy"),
        ("people", 1, "YP2", "date_of_birth", "01/02/2005"),
        ("vacancies", 0, "V1", "capacity", "two"),
        ("vacancies", 0, "V1", "support_level", ""),
    }
    gender = next(p for p in found if p.field == "gender")
    assert gender.expected == "one of male, female, non_binary, not_stated"
    assert "people row 0 (YP1), column 'gender': value 'boy'" in gender.describe()


def test_missing_columns_duplicate_ids_and_impossible_ranges_are_refused():
    people = pd.DataFrame([person("YP1"), person("YP1")]).drop(columns=["risk_flags"])
    vacancies = pd.DataFrame([vacancy("V1", min_age=21, max_age=18)])
    with pytest.raises(InputError) as caught:
        prepare_inputs(people, vacancies, MatchSettings(as_of=AS_OF))
    fields = {(p.field, p.expected) for p in caught.value.problems}
    assert ("risk_flags", "this column to be present") in fields
    assert ("person_id", "an id used only once") in fields


def test_vacancy_age_range_must_be_in_order():
    found = problems_of([person("YP1")], [vacancy("V1", min_age=21, max_age=18)])
    assert [(p.record, p.field) for p in found] == [("V1", "max_age")]


@pytest.mark.parametrize("word", ["true", "yes", "1", "TRUE", "Yes", 1, True])
def test_booleans_accept_true_yes_and_1(word):
    inputs = prepare_inputs(
        pd.DataFrame([person("YP1", has_pet=word)]),
        pd.DataFrame([vacancy("V1")]),
        MatchSettings(as_of=AS_OF),
    )
    assert bool(inputs.people["has_pet"][0]) is True


def test_lists_are_separated_by_semicolons_and_typed_values_are_accepted():
    inputs = prepare_inputs(
        pd.DataFrame(
            [
                person(
                    "YP1", excluded_areas=" Portland ; Weymouth;", date_of_birth=dt.date(2004, 1, 1)
                ),
                person("YP2", excluded_areas=["Bridport"], needed_by=pd.Timestamp("2024-06-01")),
            ]
        ),
        pd.DataFrame([vacancy("V1", capacity=2.0)]),
        MatchSettings(as_of=AS_OF),
    )
    assert inputs.people["excluded_areas"].tolist() == [("Portland", "Weymouth"), ("Bridport",)]
    assert inputs.vacancies["capacity"][0] == 2


def test_a_run_needs_a_time_limit_and_a_known_solver():
    with pytest.raises(ValueError, match="time_limit"):
        MatchSettings(as_of=AS_OF, time_limit_seconds=0)
    with pytest.raises(ValueError, match="solver"):
        MatchSettings(as_of=AS_OF, solver="gurobi")


def test_a_reservation_for_someone_not_listed_is_a_warning_not_an_error():
    result = run([person("YP1")], [vacancy("V1", reserved_for="YP77")])
    assert result.warnings == ("vacancy V1 is reserved for YP77, who is not in the people list",)
    assert result.proposals.empty


def test_a_together_group_of_one_is_refused_by_row_and_a_pair_is_accepted():
    found = problems_of(
        [
            person("YP1", together_group="sisters"),
            person("YP2"),
            person("YP3", together_group="twins"),
            person("YP4", together_group="sisters"),
            person("YP5", together_group="  "),  # blank: in no group
        ],
        [vacancy("V1")],
    )
    assert [(p.row, p.record, p.field, p.value) for p in found] == [
        (2, "YP3", "together_group", "twins")
    ]
    assert found[0].expected == "a group shared with at least one other young person"
