"""The recorded past of each placement type: how many young people lived there, by quarter.

The fan charts put the forecast beside what actually happened, counted the same way the
forecast counts (a census at the quarter's last day, like the demand figures at the
quarter's last month-end). A stay is open on a day ``d`` when ``start <= d < end`` (or it has
no end yet): the day someone moves out they are counted at their new address. A young
person with overlapping stays in one type is counted once.

Pure: a stays frame in (the ``stays`` contract of ``docs/forecasts.md``), a frame out.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from forecasts.vocabulary import normalise_lot

HISTORY_COLUMNS = ("quarter_start", "counted_on", "placement_type", "lot", "occupied")


def _quarter_start(day: pd.Timestamp) -> pd.Timestamp:
    return pd.Timestamp(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def census_quarters(as_of: date, quarters: int) -> pd.DataFrame:
    """The last ``quarters`` whole calendar quarters that ended on or before ``as_of``:
    ``quarter_start`` and ``counted_on`` (the quarter's last day), oldest first."""
    if quarters < 1:
        raise ValueError("quarters must be at least 1")
    day = pd.Timestamp(as_of).normalize()
    current = _quarter_start(day)
    # the quarter containing as_of counts only if as_of is its last day
    last_end = current + pd.offsets.QuarterEnd(0)
    newest = current if last_end <= day else current - pd.DateOffset(months=3)
    starts = pd.date_range(end=newest, periods=quarters, freq="QS")
    ends = starts + pd.offsets.QuarterEnd(0)
    return pd.DataFrame({"quarter_start": starts, "counted_on": ends})


def occupancy_by_quarter(stays: pd.DataFrame, *, as_of: date, quarters: int = 12) -> pd.DataFrame:
    """Young people in each placement type and lot on the last day of each of the last
    ``quarters`` whole quarters up to ``as_of``.

    ``stays`` needs ``person_id``, ``placement_type``, ``lot``, ``start``, ``end`` (NaT while
    open). Returns one row per quarter and every (placement type, lot) seen in the stays,
    zeros included, with the columns of :data:`HISTORY_COLUMNS`; the lot is kept only for
    framework places, as in the forecasts.
    """
    missing = [c for c in ("person_id", "placement_type", "lot", "start", "end") if c not in stays]
    if missing:
        raise ValueError(f"stays is missing column(s) {', '.join(missing)}")
    census = census_quarters(as_of, quarters)
    frame = stays[["person_id", "placement_type", "lot", "start", "end"]].copy()
    frame["placement_type"] = frame["placement_type"].astype(str)
    frame["lot"] = [
        normalise_lot(t, lot) for t, lot in zip(frame["placement_type"], frame["lot"], strict=True)
    ]
    frame["start"] = pd.to_datetime(frame["start"])
    frame["end"] = pd.to_datetime(frame["end"])
    keys = frame[["placement_type", "lot"]].drop_duplicates().sort_values(["placement_type", "lot"])
    grid = census.merge(keys, how="cross")
    if frame.empty:
        return grid.assign(occupied=0)[list(HISTORY_COLUMNS)]
    pairs = census.merge(frame, how="cross")
    open_then = (pairs["start"] <= pairs["counted_on"]) & (
        pairs["end"].isna() | (pairs["end"] > pairs["counted_on"])
    )
    counts = (
        pairs[open_then]
        .groupby(["quarter_start", "placement_type", "lot"])["person_id"]
        .nunique()
        .rename("occupied")
        .reset_index()
    )
    out = grid.merge(counts, on=["quarter_start", "placement_type", "lot"], how="left")
    out["occupied"] = out["occupied"].fillna(0).astype(int)
    return out[list(HISTORY_COLUMNS)].reset_index(drop=True)
