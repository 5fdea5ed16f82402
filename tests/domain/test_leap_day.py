"""A young person born on 29 February has one birthday, whoever asks: the planner, the
optimiser and the forecasts all make them 18 on 1 March in a common year, never a day early
(care ending, staying put and the end of support hang on these dates)."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

from forecasts.ages import age_in_years
from optimiser.needs import _birthday as optimiser_birthday
from optimiser.needs import age_on as optimiser_age_on
from planner.domain import age_on, birthday

LEAPLING = date(2008, 2, 29)


def _ages(day: date) -> tuple[int, int, int]:
    dob = pd.Series(pd.to_datetime([LEAPLING]))
    return (
        age_on(LEAPLING, day),
        int(optimiser_age_on(dob.to_numpy("datetime64[D]"), day)[0]),
        int(age_in_years(dob, pd.Timestamp(day))[0]),
    )


@pytest.mark.parametrize(
    ("day", "age"),
    [
        (date(2026, 2, 27), 17),
        (date(2026, 2, 28), 17),
        (date(2026, 3, 1), 18),
        (date(2026, 3, 2), 18),
    ],
)
def test_a_leapling_turns_18_on_1_march_for_planner_optimiser_and_forecasts(day, age):
    assert _ages(day) == (age, age, age)


@pytest.mark.parametrize("years", [16, 18, 21, 25])
def test_every_birthday_is_the_same_day_everywhere_and_the_age_changes_on_it(years):
    day = birthday(LEAPLING, years)
    dob = pd.Series(pd.to_datetime([LEAPLING]))
    assert optimiser_birthday(dob.to_numpy("datetime64[D]"), years)[0] == day
    expected = date(2008 + years, 2, 29) if (2008 + years) % 4 == 0 else date(2008 + years, 3, 1)
    assert day == expected
    assert _ages(day) == (years, years, years)
    assert _ages(day - timedelta(days=1)) == (years - 1, years - 1, years - 1)
