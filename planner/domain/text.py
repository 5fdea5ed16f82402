"""Free text typed by people: the one check every service applies to it."""

from __future__ import annotations

from datetime import date

from planner.core.errors import InvalidInput


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
