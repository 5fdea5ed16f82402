"""Dates and ages: one birthday rule for everyone, 29 February included."""

from __future__ import annotations

from datetime import date


def birthday(date_of_birth: date, years: int) -> date:
    """The day a young person turns ``years`` (29 February birthdays fall on 28 February):
    the dates the rules hang on - care ends at 18, staying put at 21, support at 25."""
    try:
        return date_of_birth.replace(year=date_of_birth.year + years)
    except ValueError:
        return date_of_birth.replace(year=date_of_birth.year + years, day=28)


def age_on(date_of_birth: date, day: date) -> int:
    """Whole years of age on ``day``."""
    before_birthday = (day.month, day.day) < (date_of_birth.month, date_of_birth.day)
    return day.year - date_of_birth.year - before_birthday
