"""The pure packages cannot import the planner, so they keep copies of its vocabulary; these
tests are what keeps each copy equal to ``planner.domain``'s, so a placement type added to
the planner cannot be unknown to the optimiser or counted suitable by the forecasts."""

from __future__ import annotations

import pytest

import forecasts.vocabulary as forecasting
import optimiser.vocabulary as matching
from optimiser.inputs import _parse_bool as parse_optimiser_bool
from planner.domain import (
    MOST_URGENT_TYPES,
    SUITABLE_TYPES,
    UNSUITABLE_TYPES,
    Cohort,
    Gender,
    GenderRule,
    PlacementType,
    SupportLevel,
)
from planner.records.templates import CellError, Column


def _values(members) -> list[str]:
    return [m.value for m in members]


def test_placement_types_are_the_planners_in_its_order():
    assert list(matching.PLACEMENT_TYPES) == _values(PlacementType)
    assert sorted(forecasting.PLACEMENT_TYPES) == sorted(_values(PlacementType))
    assert set(matching.PLACEMENT_TYPE_LABELS) == set(_values(PlacementType))


def test_unsuitable_types_are_the_planners():
    assert set(matching.UNSUITABLE_TYPES) == set(_values(UNSUITABLE_TYPES))
    assert set(forecasting.UNSUITABLE_TYPES) == set(_values(UNSUITABLE_TYPES))
    assert set(forecasting.SUITABLE_TYPES) == set(_values(SUITABLE_TYPES))


def test_the_most_urgent_types_are_the_planners():
    assert set(matching.MOST_URGENT_TYPES) == set(_values(MOST_URGENT_TYPES))


def test_support_levels_cohorts_and_genders_are_the_planners():
    assert list(matching.SUPPORT_LEVELS) == _values(SupportLevel)
    assert list(matching.COHORTS) == _values(Cohort)
    assert list(matching.GENDERS) == _values(Gender)
    assert list(matching.VACANCY_GENDERS) == _values(GenderRule)


@pytest.mark.parametrize(
    "cell", ["yes", "No", "TRUE", "false", "Y", "n", "t", "F", "1", "0", " yes ", "maybe", "2"]
)
def test_a_yes_no_cell_reads_the_same_in_the_records_and_in_a_match_file(cell):
    column = Column("flag", "bool", "A yes/no column")
    try:
        planner_reads = column.parse(cell)
    except CellError:
        planner_reads = None
    try:
        optimiser_reads = parse_optimiser_bool(cell)
    except ValueError:
        optimiser_reads = None
    assert planner_reads == optimiser_reads
    assert (planner_reads is None) == (cell in {"maybe", "2"})
