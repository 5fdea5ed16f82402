"""When a stay is planned, current or ended: one rule for every list, count, report, match
run, escalation and forecast.

A stay is *current* on day D when it has started on or before D and has not ended by D
(``start_date <= D`` and ``end_date`` is empty or after D); it is *planned* on D when it
starts after D, and *ended* otherwise. A move accepted for next month is a planned stay
until that day; the stay it replaces ends on the move date, so until then the young person
is still where they are (still in bed and breakfast, still escalated, still counted).

The rule is written once, in three forms that must agree (``tests/domain/test_stays.py``):
:func:`stay_state` for one stay in Python, :func:`current_on` as a SQL condition for
queries that filter or count in the database, and :func:`current_mask` for pandas frames
(the forecasts' inputs).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal, Protocol

import pandas as pd
import sqlalchemy as sa

StayState = Literal["planned", "current", "ended"]


class HasDates(Protocol):
    @property
    def start_date(self) -> date: ...

    @property
    def end_date(self) -> date | None: ...


def state_between(start: date, end: date | None, day: date) -> StayState:
    """The state on ``day`` of a stay from ``start`` to ``end`` (None: no end recorded)."""
    if start > day:
        return "planned"
    if end is None or end > day:
        return "current"
    return "ended"


def stay_state(stay: HasDates, day: date) -> StayState:
    """Whether ``stay`` is planned, current or ended on ``day``."""
    return state_between(stay.start_date, stay.end_date, day)


def is_current(stay: HasDates, day: date) -> bool:
    return stay_state(stay, day) == "current"


def current_on(table: Any, day: date) -> sa.ColumnElement[bool]:
    """:func:`stay_state` ``== "current"`` as a SQL condition on a stay table (or alias) with
    ``start_date`` and ``end_date`` columns: ``select(Stay).where(current_on(Stay, day))``."""
    return sa.and_(table.start_date <= day, not_ended_on(table, day))


def planned_on(table: Any, day: date) -> sa.ColumnElement[bool]:
    """:func:`stay_state` ``== "planned"`` as a SQL condition (a move not yet made)."""
    return table.start_date > day  # type: ignore[no-any-return]


def not_ended_on(table: Any, day: date) -> sa.ColumnElement[bool]:
    """:func:`stay_state` ``!= "ended"`` as a SQL condition: current or planned on ``day``
    (a stay that would overlap anything starting that day)."""
    return sa.or_(table.end_date.is_(None), table.end_date > day)


def current_mask(start: pd.Series, end: pd.Series, day: date) -> pd.Series:
    """:func:`stay_state` ``== "current"`` for columns of start and end dates (datetimes)."""
    when = pd.Timestamp(day)
    return (start <= when) & (end.isna() | (end > when))
