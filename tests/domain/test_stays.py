"""One rule for "current on day D", in its three forms: a stay object, a SQL condition and
a pandas mask must agree, on both databases, on both sides of every boundary."""

from __future__ import annotations

from datetime import date, timedelta

import factories
import pandas as pd
from sqlmodel import select

from planner.domain.stays import current_mask, current_on, planned_on, stay_state
from planner.models import Stay

START = date(2026, 3, 1)
END = date(2026, 6, 1)
DAYS = [START - timedelta(days=1), START, END - timedelta(days=1), END, END + timedelta(1)]


def test_a_stay_is_planned_before_its_start_current_until_its_end_and_ended_from_it():
    stay = Stay(young_person_id=1, start_date=START, end_date=END)
    assert [stay_state(stay, d) for d in DAYS] == [
        "planned",
        "current",
        "current",
        "ended",
        "ended",
    ]
    open_ended = Stay(young_person_id=1, start_date=START)
    assert [stay_state(open_ended, d) for d in DAYS] == ["planned"] + ["current"] * 4


def test_the_sql_condition_and_the_pandas_mask_agree_with_the_rule(session):
    stays = [
        factories.stay(session, start_date=START, end_date=END),
        factories.stay(session, start_date=START),
    ]
    ids = [s.id for s in stays]
    frame = pd.DataFrame(
        {
            "start": pd.to_datetime([s.start_date for s in stays]),
            "end": pd.to_datetime([s.end_date for s in stays]),
        }
    )
    for day in DAYS:
        expected = {s.id for s in stays if stay_state(s, day) == "current"}
        found = set(
            session.exec(select(Stay.id).where(current_on(Stay, day), Stay.id.in_(ids)))  # type: ignore[union-attr]
        )
        assert found == expected, day
        planned = set(
            session.exec(select(Stay.id).where(planned_on(Stay, day), Stay.id.in_(ids)))  # type: ignore[union-attr]
        )
        assert planned == {s.id for s in stays if stay_state(s, day) == "planned"}, day
        mask = current_mask(frame["start"], frame["end"], day)
        assert {ids[i] for i in range(len(ids)) if mask.iloc[i]} == expected, day
