"""One clock: "today" is the date in the council's time zone, never the server's.

A council in England works in Europe/London. A server runs in UTC, so between midnight and
one in the morning in British Summer Time ``date.today()`` on that server is still
yesterday: days in B&B, supervision due dates, ages and "free now" would all be a day out.
Every part of the planner and the web service asks this module instead; the time zone is
``PLANNER_TIMEZONE`` (default Europe/London).

Tests freeze the clock with :func:`frozen` rather than sleeping or patching ``date``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Europe/London"


def _system_now() -> datetime:
    return datetime.now(UTC)


_source: Callable[[], datetime] = _system_now


@lru_cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def council_zone() -> ZoneInfo:
    """The council's time zone from the settings (an unknown name fails at start-up)."""
    from planner.core.settings import get_settings

    return _zone(get_settings().timezone or DEFAULT_TIMEZONE)


def now() -> datetime:
    """The current instant as an aware datetime in the council's time zone."""
    return _source().astimezone(council_zone())


def today() -> date:
    """Today's date where the council is: the "as of" of every list, count and report."""
    return now().date()


@contextmanager
def frozen(at: datetime | date) -> Iterator[None]:
    """Stop the clock at ``at`` (a date means noon that day in the council's time zone;
    a naive datetime is read in the council's time zone). For tests and reproducible runs."""
    global _source
    if isinstance(at, datetime):
        instant = at if at.tzinfo else at.replace(tzinfo=council_zone())
    else:
        instant = datetime.combine(at, time(12), tzinfo=council_zone())
    previous = _source
    _source = lambda: instant  # noqa: E731 - the frozen source is one value
    try:
        yield
    finally:
        _source = previous
