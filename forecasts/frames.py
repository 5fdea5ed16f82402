"""The input frames of a forecast, checked once at the door.

Why: the planner's database service, the synthetic council and the tests all build the same
three frames (``people``, ``stays``, ``capacity``). Checking their columns and types here, with
messages in the domain's words, keeps every later module free of defensive code.

Contract (column names are fixed; the database service produces exactly these):

- ``people``: one row per young person now: ``person_id``, ``date_of_birth``, ``gender``,
  ``uasc``, ``in_care``, ``placement_type``, ``lot``, ``stay_start``.
- ``stays``: the whole history: ``person_id``, ``placement_type``, ``lot``, ``start``, ``end``
  (NaT while current), ``suitable``. Optional ``date_of_birth`` and ``uasc`` columns describe
  young people who are no longer in ``people``; without them such stays cannot be placed in an
  age band and are left out of the estimates (counted in the trace).
- ``capacity``: planned places: ``placement_type``, ``lot``, ``quarter_start``, ``places``,
  and optionally ``block`` (how many of them are block-contracted: paid for whether filled or
  not; without it every place is costed only while used).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from forecasts.vocabulary import normalise_lot, state_name

PEOPLE_COLUMNS = (
    "person_id",
    "date_of_birth",
    "gender",
    "uasc",
    "in_care",
    "placement_type",
    "lot",
    "stay_start",
)
STAYS_COLUMNS = ("person_id", "placement_type", "lot", "start", "end", "suitable")
CAPACITY_COLUMNS = ("placement_type", "lot", "quarter_start", "places")


class ForecastInputError(ValueError):
    """The frames given to a forecast do not follow the contract."""


def _require(frame: pd.DataFrame, columns: tuple[str, ...], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ForecastInputError(f"{name} lacks columns {missing}")


def with_state(frame: pd.DataFrame) -> pd.Series:
    """The model's state name for each row (placement type plus lot for framework places)."""
    return pd.Series(
        [
            state_name(t, normalise_lot(t, lot))
            for t, lot in zip(frame["placement_type"], frame["lot"], strict=True)
        ],
        index=frame.index,
        dtype=object,
    )


@dataclass(frozen=True)
class CouncilData:
    """Everything a forecast reads about one council, as of one date."""

    people: pd.DataFrame
    stays: pd.DataFrame
    capacity: pd.DataFrame
    as_of: pd.Timestamp
    child_population: int

    @classmethod
    def build(
        cls,
        *,
        people: pd.DataFrame,
        stays: pd.DataFrame,
        capacity: pd.DataFrame | None,
        as_of,
        child_population: int,
    ) -> CouncilData:
        """Check the frames and normalise their types (dates, booleans, lots)."""
        _require(people, PEOPLE_COLUMNS, "people")
        _require(stays, STAYS_COLUMNS, "stays")
        if capacity is None:
            capacity = pd.DataFrame(columns=list(CAPACITY_COLUMNS))
        _require(capacity, CAPACITY_COLUMNS, "capacity")
        as_of = pd.Timestamp(as_of)
        people = people.copy()
        people["person_id"] = people["person_id"].astype(str)
        for col in ("date_of_birth", "stay_start"):
            people[col] = pd.to_datetime(people[col])
        for col in ("uasc", "in_care"):
            people[col] = people[col].fillna(False).astype(bool)
        if people["person_id"].duplicated().any():
            raise ForecastInputError("people has more than one row for a young person")
        if people["date_of_birth"].isna().any():
            raise ForecastInputError("people has young people without a date of birth")
        people["state"] = with_state(people)
        stays = stays.copy()
        stays["person_id"] = stays["person_id"].astype(str)
        stays["start"] = pd.to_datetime(stays["start"])
        stays["end"] = pd.to_datetime(stays["end"])
        stays = stays[stays["start"] <= as_of]
        stays["state"] = with_state(stays)
        capacity = capacity.copy()
        capacity["quarter_start"] = pd.to_datetime(capacity["quarter_start"])
        capacity["state"] = with_state(capacity) if len(capacity) else pd.Series(dtype=object)
        capacity["places"] = capacity["places"].astype(int)
        if "block" in capacity.columns:  # optional: places paid for whether filled or not
            capacity["block"] = capacity["block"].fillna(0).astype(int)
        if (capacity["places"] < 0).any():
            raise ForecastInputError("capacity has a negative number of places")
        return cls(people, stays, capacity, as_of, int(child_population))
