"""Free text typed by people: the one check every service applies to it."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from planner.core.errors import FieldInvalid, InvalidInput


def check_text(value: str, what: str = "A value") -> str:
    """``value`` unchanged, or :class:`InvalidInput` if it holds a control character.

    PostgreSQL refuses NUL in text outright (a server error, not a refusal), and control
    characters in search terms or names only ever come from tools or attacks.
    """
    if any(ord(c) < 32 and c not in "\t" for c in value):
        raise InvalidInput(f"{what} contains characters that are not allowed.")
    return value


def day_words(day: date) -> str:
    """A date as people write it, "3 December 2026": never an ISO date in text people read
    (a message, a reason, an explanation), which is easy to misread as a code."""
    return f"{day.day} {day:%B %Y}"


# The days a form may record: a date outside them is a typing slip (a year 0226 or 20266).
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


def check_day(day: date | None, field: str, what: str) -> date:
    """A day a form needs (``field``, named so the page can highlight it), within reason."""
    if day is None:
        raise FieldInvalid(field, f"Enter the {what}.")
    if not EARLIEST <= day <= LATEST:
        raise FieldInvalid(field, f"The {what} must be between 2000 and 2100.")
    return day


def check_choice(value: str, choices: type[StrEnum], field: str, what: str) -> str:
    """One of ``choices``' codes (a reason, a type), or a refusal that lists them."""
    allowed = [c.value for c in choices]  # type: ignore[attr-defined]
    if value not in allowed:
        raise FieldInvalid(field, f"Choose the {what}: one of {', '.join(allowed)}.")
    return value
