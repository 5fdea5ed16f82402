"""Who needs a move, how urgently, and by when.

The staged objective needs two strict orders: urgency among young people in unsuitable
accommodation (under-18s first, then bed and breakfast, no fixed abode and emergency
accommodation, then the longest there, then the id so that ties never depend on the solver),
and deadlines among young people with an imminent need (earliest first, then the id).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from optimiser.inputs import MatchInputs, MatchSettings
from optimiser.table import Table
from optimiser.vocabulary import MOST_URGENT_TYPES, UNSUITABLE_TYPES

NEED_UNSUITABLE = "unsuitable"
NEED_IMMINENT = "imminent"
NEED_ASKED = "asked_to_move"
NEED_NONE = "no_move_needed"
RECORDED_DATE = "date recorded as needed by"


def day_parts(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month (1-12) and day of the month of datetime64[D] values (NaT: nonsense)."""
    months = days.astype("datetime64[M]")
    year = days.astype("datetime64[Y]").astype(np.int64) + 1970
    month = (months - days.astype("datetime64[Y]")).astype(np.int64) + 1
    day = (days - months).astype(np.int64) + 1
    return year, month, day


def as_days(column: np.ndarray) -> np.ndarray:
    """A date column as datetime64[D] (NaT where blank). Straight to days: through
    nanoseconds a date after 2262 (a "no end" of 9999-12-31) would wrap round to 1816."""
    return np.asarray(column).astype("datetime64[D]")


def _birthday(dob: np.ndarray, years: int) -> np.ndarray:
    """The date a young person turns `years` (datetime64[D]): the planner's rule
    (planner.domain.dates), a 29 February birthday falling on 1 March in a common year."""
    year, month, day = day_parts(dob)
    leap_day = (month == 2) & (day == 29)
    first = (year + years - 1970).astype("datetime64[Y]").astype("datetime64[M]") + (month - 1)
    return first.astype("datetime64[D]") + (np.where(leap_day, 28, day) - 1) + leap_day


def _add_months(days: np.ndarray, months: int) -> np.ndarray:
    """`days` plus whole months, a day past the end of the month falling on its last day (31
    August + 6 months is 28 or 29 February), as a calendar month is counted; NaT stays NaT."""
    target = days.astype("datetime64[M]") + months
    length = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(
        np.int64
    )
    day = (days - days.astype("datetime64[M]")).astype(np.int64)  # 0-based
    moved = target.astype("datetime64[D]") + np.minimum(day, length - 1)
    return np.where(np.isnat(days), days, moved)


def age_on(dob: np.ndarray, when: dt.date) -> np.ndarray:
    """Whole years of age on a date, from datetime64[D] dates of birth."""
    year, month, day = day_parts(dob)
    before_birthday = (month > when.month) | ((month == when.month) & (day > when.day))
    return when.year - year - before_birthday


def provision_limit(people: Table, settings: MatchSettings) -> np.ndarray:
    """The day each young person reaches the time limit of the provision they live in, or NaT
    (datetime64[D]).

    The limit is counted from ``provision_since``: the start of their time on the provision
    across consecutive stays in its places (a move to another room of the same scheme never
    restarts it), or ``stay_started`` when that is blank. A ``limit_date`` given by the
    caller (the provision's own maximum stay, or a stay's known end) is used as it is; without
    one, supported accommodation on the framework gets ``framework_max_months`` (18)."""
    since = as_days(people["provision_since"])
    since = np.where(np.isnat(since), as_days(people["stay_started"]), since)
    on_framework = people["current_accommodation"] == "supported_accommodation"
    framework = np.where(
        on_framework, _add_months(since, settings.framework_max_months), np.datetime64("NaT")
    )
    given = as_days(people["limit_date"])
    return np.where(np.isnat(given), framework, given)


def assess_needs(inputs: MatchInputs) -> Table:
    """One row per young person (same order as `inputs.people`) with need, urgency and deadline.

    Worked out on arrays, a column at a time: a run assesses every young person once, and on
    the frames the same steps cost about five times as long (docs/performance.md)."""
    people = inputs.people
    settings = inputs.settings
    as_of = np.datetime64(settings.as_of, "D")
    accommodation = people["current_accommodation"]
    in_unsuitable = np.array([a in UNSUITABLE_TYPES for a in accommodation], dtype=bool)
    in_unsuitable |= np.array([told is False for told in people["suitable"].tolist()], dtype=bool)
    since = as_days(people["unsuitable_since"])
    stayed = (as_of - np.where(np.isnat(since), as_of, since)).astype(np.int64)
    days = np.where(in_unsuitable, np.maximum(stayed, 0), 0)
    dob = as_days(people["date_of_birth"])
    age = age_on(dob, settings.as_of)

    never = np.datetime64("NaT", "D")
    candidates = {  # in this order: a tie names the first
        RECORDED_DATE: as_days(people["needed_by"]),
        "staying put ends at 21": np.where(
            accommodation == "staying_put", _birthday(dob, settings.staying_put_end_age), never
        ),
        "time limit of the provision reached": provision_limit(people, settings),
        "release from custody": np.where(
            accommodation == "custody", as_days(people["free_from"]), never
        ),
    }
    stacked = np.stack(list(candidates.values()), axis=1)
    latest = np.iinfo(np.int64).max  # no date: never the earliest
    as_numbers = np.where(np.isnat(stacked), latest, stacked.astype(np.int64))
    first = as_numbers.argmin(axis=1)
    has_deadline = as_numbers[np.arange(len(people)), first] != latest
    deadline = np.where(has_deadline, stacked[np.arange(len(people)), first], never)
    names = np.array(list(candidates), dtype=object)
    reason = np.where(has_deadline, names[first], "").astype(object)
    # the caller's own words for a recorded date (the planner: "turns 18 and leaves care")
    for row, told in enumerate(people["needed_by_reason"].tolist()):
        if reason[row] == RECORDED_DATE and told is not None and str(told).strip():
            reason[row] = str(told).strip()
    horizon = as_of + np.timedelta64(7 * settings.imminent_weeks, "D")
    imminent = has_deadline & (deadline <= horizon)
    wants = people["wants_move"].astype(bool)

    need = np.select(
        [in_unsuitable, imminent, wants], [NEED_UNSUITABLE, NEED_IMMINENT, NEED_ASKED], NEED_NONE
    ).astype(object)
    under_18 = age < 18
    most_urgent = in_unsuitable & np.array(
        [a in MOST_URGENT_TYPES for a in accommodation], dtype=bool
    )
    tier = np.where(in_unsuitable, 2 * ~under_18 + ~most_urgent, -1).astype(np.int64)
    ids = people["person_id"]
    by_id = np.argsort(ids, kind="stable")  # the id breaks every tie
    id_order = np.empty(len(ids), dtype=np.int64)
    id_order[by_id] = np.arange(len(ids))
    explicit = [len(given) > 0 for given in people["cohorts"]]
    derived = [
        ("care_leavers",)
        + (("uasc",) if uasc else ())
        + (("homeless_16_21",) if need in (NEED_UNSUITABLE, NEED_IMMINENT) else ())
        for uasc, need in zip(people["uasc"], need, strict=True)
    ]
    return Table(
        {
            "person_id": ids,
            "need": need,
            "age": age,
            "under_18": under_18,
            "in_unsuitable": in_unsuitable,
            "most_urgent_type": most_urgent,
            "days_unsuitable": days.astype(np.int64),
            "deadline": deadline,
            "deadline_reason": reason,
            # a deadline already passed: the move is overdue (see `free_in_time`)
            "overdue": has_deadline & (deadline < as_of),
            "tier": tier,
            # most urgent first: the tier, then the longest there, then the id
            "urgency_rank": _rank(in_unsuitable, (id_order, -days, tier)),
            # earliest deadline first, then the id
            "deadline_rank": _rank(need == NEED_IMMINENT, (id_order, deadline.astype(np.int64))),
            "cohorts": [
                given if use else made
                for given, made, use in zip(people["cohorts"], derived, explicit, strict=True)
            ],
        }
    )


def free_in_time(
    deadline: np.ndarray, available: np.ndarray, as_of: dt.date, window_weeks: int
) -> np.ndarray:
    """Per pair: the vacancy is free in time for the young person's deadline (stage b).

    Free on or before the deadline. A deadline already passed (overdue: a provision's time
    limit reached, staying put ended, a release date gone by) can no longer be met on the
    day, so the move is needed as soon as possible: any vacancy free within the planning
    window (`window_weeks`, the weeks that make a need imminent) counts, and earliest
    deadline first puts the longest overdue first. Without this no place could ever be "in
    time" for an overdue young person: they fell to the best-fit stage and waited behind
    everyone whose deadline was still to come, when they need a place most.
    `deadline` and `available` are datetime64 arrays per pair (NaT: no deadline)."""
    today = np.datetime64(as_of, "D")
    soon = today + np.timedelta64(7 * window_weeks, "D")
    due = np.where(deadline < today, soon, deadline)
    return ~np.isnat(deadline) & (available <= due)


def _rank(mask: np.ndarray, keys: tuple[np.ndarray, ...]) -> np.ndarray:
    """0-based position in the strict order of `keys` (`np.lexsort`'s: the last key first)
    among rows where `mask`; -1 elsewhere."""
    rank = np.full(len(mask), -1, dtype=np.int64)
    chosen = np.flatnonzero(mask)
    order = chosen[np.lexsort(tuple(key[chosen] for key in keys))]
    rank[order] = np.arange(len(order))
    return rank
