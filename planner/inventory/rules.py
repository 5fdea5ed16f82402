"""The pure rules of the inventory: no database, just the records' values.

A vacancy can be declared free before its place or its provision opens (a block of flats
still being converted, a new host's room). Nobody can move in until all three allow it, so
every list, count, match run and decision asks :func:`free_from` rather than reading
``available_from`` on its own.
"""

from __future__ import annotations

from datetime import date
from typing import Protocol


class _Vacancy(Protocol):
    available_from: date


class _Opens(Protocol):
    opens_on: date | None


def free_from(vacancy: _Vacancy, place: _Opens, provision: _Opens) -> date:
    """The first day a young person can move into this vacancy: the latest of the day the
    vacancy is free, the day its place opens and the day its provision opens."""
    return max(
        vacancy.available_from,
        place.opens_on or date.min,
        provision.opens_on or date.min,
    )


def is_free_on(vacancy: _Vacancy, place: _Opens, provision: _Opens, day: date) -> bool:
    """Whether a young person could move in on ``day`` (free now, rather than later)."""
    return free_from(vacancy, place, provision) <= day
