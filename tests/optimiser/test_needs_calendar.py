"""The calendar arithmetic of `optimiser.needs` on arrays: a birthday, a provision's time limit
in months and an age must fall on the days the planner's rules say, month ends and 29
February included, or a deadline moves by a day and someone's stage with it."""

from __future__ import annotations

import datetime as dt
import random

import numpy as np
import pandas as pd

from optimiser.needs import _add_months, _birthday, age_on

AWKWARD = [
    dt.date(2004, 2, 29),  # a leap-day birthday
    dt.date(2000, 2, 29),
    dt.date(2023, 8, 31),  # + 18 months: 29 February 2025 does not exist
    dt.date(2023, 1, 31),
    dt.date(2022, 10, 31),
    dt.date(2023, 12, 31),
]


def _days() -> np.ndarray:
    rng = random.Random(2024)
    start = dt.date(1999, 1, 1)
    days = [start + dt.timedelta(days=rng.randrange(10_000)) for _ in range(2_000)] + AWKWARD
    return np.array(days, dtype="datetime64[D]")


def test_months_are_added_as_a_calendar_counts_them() -> None:
    days = _days()
    for months in (1, 6, 18, 24):
        expected = (pd.Series(days) + pd.DateOffset(months=months)).to_numpy("datetime64[D]")
        assert (_add_months(days, months) == expected).all(), months
    assert _add_months(np.array(["2023-08-31"], dtype="datetime64[D]"), 18)[0] == np.datetime64(
        "2025-02-28"
    )
    assert np.isnat(_add_months(np.array(["NaT"], dtype="datetime64[D]"), 18)).all()


def test_a_leap_day_birthday_falls_on_1_march_in_a_common_year() -> None:
    born = np.array(["2004-02-29", "2003-03-01", "2005-06-15"], dtype="datetime64[D]")
    assert _birthday(born, 21).tolist() == [
        dt.date(2025, 3, 1),
        dt.date(2024, 3, 1),
        dt.date(2026, 6, 15),
    ]
    assert _birthday(born[:1], 20)[0] == np.datetime64("2024-02-29")  # a leap year


def test_age_turns_on_the_birthday_itself() -> None:
    days = _days()
    for when in (dt.date(2024, 2, 29), dt.date(2024, 5, 1), dt.date(2023, 12, 31)):
        expected = [
            when.year - d.year - ((d.month, d.day) > (when.month, when.day)) for d in days.tolist()
        ]
        assert age_on(days, when).tolist() == expected


def test_a_date_far_in_the_future_is_not_a_deadline_today() -> None:
    """A council's record may mark an open-ended stay or limit with 9999-12-31. Dates go
    straight to days: through nanoseconds that date wraps round to 1816, which would make an
    open-ended stay a deadline long passed, and the young person overdue for a move."""
    import pandas as pd
    from matching_builders import AS_OF, person, run, vacancy

    from optimiser.inputs import MatchSettings, prepare_inputs
    from optimiser.needs import assess_needs

    people = [
        person(
            "YP1",
            current_accommodation="supported_accommodation",
            wants_move=False,
            limit_date="9999-12-31",
        ),
        person("YP2", needed_by="9999-12-31", wants_move=False),
        person("YP3", needed_by="2024-06-01", wants_move=False),
    ]
    inputs = prepare_inputs(
        pd.DataFrame(people), pd.DataFrame([vacancy("V1")]), MatchSettings(as_of=AS_OF)
    )
    needs = assess_needs(inputs).to_frame().set_index("person_id")
    assert needs.loc["YP1", "deadline"] == pd.Timestamp("9999-12-31")
    assert needs.loc["YP1", "deadline_reason"] == "time limit of the provision reached"
    assert needs.loc[["YP1", "YP2"], "need"].tolist() == ["no_move_needed"] * 2
    assert not needs.loc[["YP1", "YP2"], "overdue"].any()
    assert needs.loc["YP3", "need"] == "imminent"
    result = run(people, [vacancy("V1", available_from="2024-05-20")])
    assert result.proposals["person_id"].tolist() == ["YP3"]
    assert result.proposals["stage"].tolist() == ["b"]  # free before the deadline: on time


def test_a_run_with_no_young_people_finds_nothing_to_do() -> None:
    """A council's first run may come before anyone is recorded: no needs, no proposals, no
    error (the arrays of an empty list must still be booleans)."""
    import pandas as pd
    from matching_builders import AS_OF, person, vacancy

    from optimiser import match

    nobody = pd.DataFrame(columns=list(person("YP1")))
    result = match(nobody, pd.DataFrame([vacancy("V1")]), as_of=AS_OF)
    assert result.status == "optimal" and result.proposals.empty
    assert result.counts["young_people"] == 0
