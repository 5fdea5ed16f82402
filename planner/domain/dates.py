"""Dates and ages: one birthday rule for everyone, 29 February included.

Someone born on 29 February has their birthday on 1 March in a common year: they have not
completed the year until 28 February is over. This is the rule in England and Wales (the
Family Law Reform Act 1969 s.9 makes a person attain an age at the start of the anniversary
of their birth, and there is no 29 February to be the anniversary), and it is the rule that
agrees with counting age by month and day (:func:`age_on`), so a leapling is 17 on
28 February and 18 on 1 March, whichever function is asked. The optimiser
(``optimiser.needs``) and the forecasts (``forecasts.ages``) apply the same rule to whole
frames; ``tests/domain/test_leap_day.py`` keeps the three in step.
"""

from __future__ import annotations

from datetime import date

from planner.domain.vocabulary import LegalStatus, PlacementType


def birthday(date_of_birth: date, years: int) -> date:
    """The day a young person turns ``years`` (29 February birthdays fall on 1 March in a
    common year): the dates the rules hang on - care ends at 18, staying put at 21, support
    at 25."""
    try:
        return date_of_birth.replace(year=date_of_birth.year + years)
    except ValueError:
        return date(date_of_birth.year + years, 3, 1)


def age_on(date_of_birth: date, day: date) -> int:
    """Whole years of age on ``day``: a year older on :func:`birthday`, not a day before."""
    before_birthday = (day.month, day.day) < (date_of_birth.month, date_of_birth.day)
    return day.year - date_of_birth.year - before_birthday


def in_care_on(in_care: bool, date_of_birth: date, day: date) -> bool:
    """Whether a young person is looked after on ``day``: the ``in_care`` flag, but only
    before their 18th birthday. Care ends at 18 (the import refuses the flag for anyone
    older), and nothing clears a flag recorded at 17 when the birthday passes, so from that
    day they are counted and shown as a care leaver, not as in care."""
    return in_care and age_on(date_of_birth, day) < 18


def in_care_after_18(placement_type: str | None, date_of_birth: date, day: date) -> date | None:
    """The 18th birthday of someone whose stay current on ``day`` is still foster or
    residential care (``in_care_other``) although they have turned 18; None otherwise.

    Care ends at 18, so the stay is out of date: where they live now has not been recorded.
    The record page and the overview say so, and the match run keeps the birthday as a
    deadline already passed, so they are never silently left out of matching (found by a
    walk through frozen days: from the day after the birthday such a young person simply
    dropped out of every match run)."""
    if placement_type != PlacementType.in_care_other:
        return None
    eighteenth = birthday(date_of_birth, 18)
    return eighteenth if eighteenth <= day else None


def legal_status_on(status: str, date_of_birth: date, day: date) -> LegalStatus:
    """The leaving-care status on ``day``: an eligible or relevant child becomes former
    relevant on their 18th birthday (Children (Leaving Care) Act 2000). The status is
    recorded once, at import or on an edit, and nothing changes it when the birthday
    passes, so the record, List 9 and the OC3 return read it through this rule."""
    recorded = LegalStatus(status)
    if recorded in (LegalStatus.eligible, LegalStatus.relevant) and (
        age_on(date_of_birth, day) >= 18
    ):
        return LegalStatus.former_relevant
    return recorded
