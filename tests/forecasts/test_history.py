"""The recorded occupancy by quarter behind the fan charts, on hand-countable stays."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from forecasts.history import HISTORY_COLUMNS, census_quarters, occupancy_by_quarter

NaT = pd.NaT


def _stays(rows):
    return pd.DataFrame(rows, columns=["person_id", "placement_type", "lot", "start", "end"])


def test_census_days_are_the_last_days_of_whole_quarters_up_to_the_snapshot():
    mid = census_quarters(date(2026, 11, 22), 3)
    assert list(mid["quarter_start"].dt.date) == [
        date(2026, 1, 1),
        date(2026, 4, 1),
        date(2026, 7, 1),
    ]
    assert list(mid["counted_on"].dt.date) == [
        date(2026, 3, 31),
        date(2026, 6, 30),
        date(2026, 9, 30),
    ]
    # a snapshot on a quarter's last day counts that quarter
    end = census_quarters(date(2024, 3, 31), 2)
    assert list(end["counted_on"].dt.date) == [date(2023, 12, 31), date(2024, 3, 31)]
    with pytest.raises(ValueError):
        census_quarters(date(2024, 3, 31), 0)


def test_stays_are_counted_where_they_are_open_on_each_census_day():
    stays = _stays(
        [
            # open across both census days
            ("a", "staying_put", "", "2023-01-10", NaT),
            # ends on the first census day: already moved out that day
            ("b", "staying_put", "", "2023-02-01", "2023-12-31"),
            # starts on the second census day: counted that day
            ("c", "staying_put", "", "2024-03-31", NaT),
            # a framework stay keeps its lot; another type's lot is dropped
            ("d", "supported_accommodation", "uasc", "2023-06-01", "2024-01-15"),
            ("e", "supported_lodgings", "care_leavers", "2023-06-01", NaT),
            # two overlapping stays of one young person in one type count once
            ("f", "council_flat", "", "2023-01-01", NaT),
            ("f", "council_flat", "", "2023-05-01", "2024-06-01"),
            # starts after the snapshot's quarters: never counted
            ("g", "council_flat", "", "2024-05-01", NaT),
        ]
    )
    out = occupancy_by_quarter(stays, as_of=date(2024, 3, 31), quarters=2)
    assert tuple(out.columns) == HISTORY_COLUMNS
    got = {
        (q.strftime("%Y-%m-%d"), t, lot): n
        for q, t, lot, n in zip(
            out["counted_on"], out["placement_type"], out["lot"], out["occupied"], strict=True
        )
    }
    assert got == {
        ("2023-12-31", "council_flat", ""): 1,
        ("2024-03-31", "council_flat", ""): 1,
        ("2023-12-31", "staying_put", ""): 1,
        ("2024-03-31", "staying_put", ""): 2,
        ("2023-12-31", "supported_accommodation", "uasc"): 1,
        ("2024-03-31", "supported_accommodation", "uasc"): 0,
        ("2023-12-31", "supported_lodgings", ""): 1,
        ("2024-03-31", "supported_lodgings", ""): 1,
    }


def test_no_stays_gives_no_rows_and_missing_columns_are_named():
    empty = occupancy_by_quarter(_stays([]), as_of=date(2024, 3, 31), quarters=4)
    assert empty.empty and tuple(empty.columns) == HISTORY_COLUMNS
    with pytest.raises(ValueError, match="end"):
        occupancy_by_quarter(_stays([]).drop(columns=["end"]), as_of=date(2024, 3, 31), quarters=4)
