"""Free text typed by people: the one check every service applies to it."""

from __future__ import annotations

from planner.core.errors import InvalidInput


def check_text(value: str, what: str = "A value") -> str:
    """``value`` unchanged, or :class:`InvalidInput` if it holds a control character.

    PostgreSQL refuses NUL in text outright (a server error, not a refusal), and control
    characters in search terms or names only ever come from tools or attacks.
    """
    if any(ord(c) < 32 and c not in "\t" for c in value):
        raise InvalidInput(f"{what} contains characters that are not allowed.")
    return value
