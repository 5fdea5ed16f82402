"""The matching model: optimal, explained proposals of vacancies to young people.

A pure package: frames in, frames out. It reads no files, no database and no network, and
imports nothing from `planner` or `api` (an import-linter contract checks this).

    from optimiser import match
    result = match(people, vacancies, as_of=date(2024, 5, 1), solver="cbc")
"""

from optimiser.inputs import (
    PEOPLE_COLUMNS,
    VACANCY_COLUMNS,
    InputError,
    InputProblem,
    MatchInputs,
    MatchSettings,
    prepare_inputs,
)
from optimiser.match_run import MatchResult, match, match_inputs
from optimiser.rules import RULES

__all__ = [
    "PEOPLE_COLUMNS",
    "RULES",
    "VACANCY_COLUMNS",
    "InputError",
    "InputProblem",
    "MatchInputs",
    "MatchResult",
    "MatchSettings",
    "match",
    "match_inputs",
    "prepare_inputs",
]
