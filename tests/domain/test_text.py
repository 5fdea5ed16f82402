"""Machine-written text as people read it, and a day as people type it."""

from __future__ import annotations

from datetime import date

import pytest

from planner.domain.text import parse_day_words, plain_words


def test_codes_and_iso_dates_become_words():
    assert plain_words("purged: auth_session 37") == "purged: auth session 37"
    assert plain_words("role=personal_adviser") == "role=personal adviser"
    assert plain_words("supported_lodgings from 2027-01-27") == (
        "Supported lodgings from 27 January 2027"
    )
    assert plain_words("no codes here, 3 places") == "no codes here, 3 places"
    assert plain_words("2027-02-30 is not a day") == "2027-02-30 is not a day"


@pytest.mark.parametrize(
    "typed", ["27 3 2026", "27/03/2026", "27-3-2026", "27 March 2026", "27 mar 2026", "2026-03-27"]
)
def test_a_day_typed_as_people_write_it(typed):
    assert parse_day_words(typed) == date(2026, 3, 27)


@pytest.mark.parametrize("typed", ["", "31 2 2026", "27 3 26", "March 2026", "27 13 2026", "x"])
def test_what_is_not_a_day_is_none(typed):
    assert parse_day_words(typed) is None
