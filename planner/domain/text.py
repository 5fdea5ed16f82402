"""Free text typed by people: the one check every service applies to it."""

from __future__ import annotations

import re
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


def cell_words(value: object) -> str:
    """A saved report cell as a person reads it: a day kept as ``2024-03-14`` (so CSV and
    Excel sort it) reads "14 March 2024" on the page, in the paper and in the Markdown;
    anything else as it is, and nothing for none."""
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return day_words(date.fromisoformat(value))
        except ValueError:
            return value
    return "" if value is None else str(value)


def quarter_words(day: date, *, short: bool = False) -> str:
    """The calendar quarter holding ``day`` as people write it: "January to March 2027", or
    "Jan to Mar 2027" where room is short (a table's row, a chart's axis). Never "2027 Q1":
    in a council "Q1" is April to June, the first quarter of the financial year."""
    first = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    last = date(day.year, first.month + 2, 1)
    style = "%b" if short else "%B"
    return f"{first.strftime(style)} to {last.strftime(style)} {day.year}"


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


def code_words(code: object) -> str:
    """A recorded code as a label reads it: "non_binary" is "Non binary"."""
    return str(code).replace("_", " ").capitalize()


def within_sentence(label: str) -> str:
    """A label as it reads within a sentence: "Council flat" is "council flat", while a label
    that opens with an acronym keeps it ("UASC in care lot")."""
    text = str(label)
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


_CODE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
_ISO_DAY = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def plain_words(text: str) -> str:
    """Text a machine wrote (an audit event's detail, a job's summary, a forecast state) as
    people read it: a placement type or framework lot code by its label, any other code with
    underscores as words (``auth_session`` is "auth session"), an ISO date as
    :func:`day_words`. The pages use it (the ``plain`` filter) wherever such text is shown."""
    from planner.domain.vocabulary import Cohort, PlacementType

    def word(match: re.Match[str]) -> str:
        code = match.group(0)
        if code in PlacementType.__members__:
            return PlacementType(code).label
        if code in Cohort.__members__:
            return Cohort(code).label
        return code.replace("_", " ")

    def day(match: re.Match[str]) -> str:
        try:
            return day_words(date(*(int(g) for g in match.groups())))
        except ValueError:
            return match.group(0)

    return _ISO_DAY.sub(day, _CODE.sub(word, str(text)))


_MONTHS = {
    name: number
    for number in range(1, 13)
    for name in (
        date(2000, number, 1).strftime("%B").lower(),
        date(2000, number, 1).strftime("%b").lower(),
    )
}


def parse_day_words(text: str) -> date | None:
    """A day as people type it: "27 3 2026", "27/03/2026", "27 March 2026" or "27 Mar 2026"
    (an ISO "2026-03-27" too, from old links); None if it is not a day."""
    text = text.strip()
    iso = _ISO_DAY.fullmatch(text)
    parts = list(iso.groups()[::-1]) if iso else re.split(r"[\s/.,-]+", text)
    if len(parts) != 3:
        return None
    day_text, month_text, year_text = parts
    month = _MONTHS.get(month_text.lower()) if not month_text.isdigit() else int(month_text)
    if month is None or not day_text.isdigit() or not year_text.isdigit() or len(year_text) != 4:
        return None
    try:
        return date(int(year_text), month, int(day_text))
    except ValueError:
        return None
