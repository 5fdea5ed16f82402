"""Who needs a move, how urgently, and by when.

The staged objective needs two strict orders: urgency among young people in unsuitable
accommodation (under-18s first, then bed and breakfast, no fixed abode and emergency
accommodation, then the longest there, then the id so that ties never depend on the solver),
and deadlines among young people with an imminent need (earliest first, then the id).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from optimiser.inputs import MatchInputs, MatchSettings
from optimiser.vocabulary import MOST_URGENT_TYPES, UNSUITABLE_TYPES

NEED_UNSUITABLE = "unsuitable"
NEED_IMMINENT = "imminent"
NEED_ASKED = "asked_to_move"
NEED_NONE = "no_move_needed"
RECORDED_DATE = "date recorded as needed by"


def _birthday(dob: pd.Series, years: int) -> pd.Series:
    """The date a young person turns `years`: the planner's rule (planner.domain.dates), a
    29 February birthday falling on 1 March in a common year."""
    return pd.to_datetime(
        {
            "year": dob.dt.year + years,
            "month": dob.dt.month,
            "day": np.where((dob.dt.month == 2) & (dob.dt.day == 29), 28, dob.dt.day),
        },
        errors="coerce",
    ) + pd.to_timedelta(np.where((dob.dt.month == 2) & (dob.dt.day == 29), 1, 0), unit="D")


def age_on(dob: pd.Series, when: pd.Timestamp) -> np.ndarray:
    """Whole years of age on a date."""
    before_birthday = (dob.dt.month > when.month) | (
        (dob.dt.month == when.month) & (dob.dt.day > when.day)
    )
    return (when.year - dob.dt.year - before_birthday.astype(int)).to_numpy()


def provision_limit(people: pd.DataFrame, settings: MatchSettings) -> pd.Series:
    """The day each young person reaches the time limit of the provision they live in, or NaT.

    The limit is counted from ``provision_since``: the start of their time on the provision
    across consecutive stays in its places (a move to another room of the same scheme never
    restarts it), or ``stay_started`` when that is blank. A ``limit_date`` given by the
    caller (the provision's own maximum stay, or a stay's known end) is used as it is; without
    one, supported accommodation on the framework gets ``framework_max_months`` (18)."""
    since = people["provision_since"].fillna(people["stay_started"])
    framework = (since + pd.DateOffset(months=settings.framework_max_months)).where(
        people["current_accommodation"].eq("supported_accommodation")
    )
    return people["limit_date"].fillna(framework)


def assess_needs(inputs: MatchInputs) -> pd.DataFrame:
    """One row per young person (same order as `inputs.people`) with need, urgency and deadline."""
    people = inputs.people
    settings = inputs.settings
    as_of = pd.Timestamp(settings.as_of)
    accommodation = people["current_accommodation"]
    declared = people["suitable"]
    in_unsuitable = accommodation.isin(UNSUITABLE_TYPES) | declared.eq(False)
    since = people["unsuitable_since"].fillna(as_of)
    days = np.where(in_unsuitable, (as_of - since).dt.days.clip(lower=0), 0)
    age = age_on(people["date_of_birth"], as_of)

    candidates = {
        RECORDED_DATE: people["needed_by"],
        "staying put ends at 21": _birthday(
            people["date_of_birth"], settings.staying_put_end_age
        ).where(accommodation.eq("staying_put")),
        "time limit of the provision reached": provision_limit(people, settings),
        "release from custody": people["free_from"].where(accommodation.eq("custody")),
    }
    deadlines = pd.DataFrame(candidates)
    deadline = deadlines.min(axis=1)
    has_deadline = deadline.notna()
    reason = pd.Series("", index=people.index, dtype=object)
    if has_deadline.any():
        reason[has_deadline] = deadlines[has_deadline].idxmin(axis=1)
    # the caller's own words for a recorded date (the planner: "turns 18 and leaves care")
    told = people["needed_by_reason"]
    own_words = reason.eq(RECORDED_DATE) & told.notna() & told.astype(str).str.strip().ne("")
    reason[own_words] = told[own_words].astype(str).str.strip()
    horizon = as_of + pd.Timedelta(weeks=settings.imminent_weeks)
    imminent = has_deadline & (deadline <= horizon)
    wants = people["wants_move"].astype(bool)

    need = np.select(
        [in_unsuitable, imminent, wants], [NEED_UNSUITABLE, NEED_IMMINENT, NEED_ASKED], NEED_NONE
    )
    needs = pd.DataFrame(
        {
            "person_id": people["person_id"],
            "need": need,
            "age": age,
            "under_18": age < 18,
            "in_unsuitable": in_unsuitable.to_numpy(),
            "most_urgent_type": accommodation.isin(MOST_URGENT_TYPES).to_numpy()
            & in_unsuitable.to_numpy(),
            "days_unsuitable": days.astype(int),
            "deadline": deadline,
            "deadline_reason": reason,
            # a deadline already passed: the move is overdue (see `free_in_time`)
            "overdue": (has_deadline & (deadline < as_of)).to_numpy(),
        }
    )
    needs["tier"] = np.where(
        needs["in_unsuitable"],
        2 * (~needs["under_18"]).astype(int) + (~needs["most_urgent_type"]).astype(int),
        -1,
    )
    needs["urgency_rank"] = _rank(
        needs,
        needs["in_unsuitable"],
        ["tier", "days_unsuitable", "person_id"],
        [True, False, True],
    )
    needs["deadline_rank"] = _rank(
        needs, needs["need"].eq(NEED_IMMINENT), ["deadline", "person_id"], [True, True]
    )
    explicit = people["cohorts"].map(len) > 0
    derived = [
        ("care_leavers",)
        + (("uasc",) if uasc else ())
        + (("homeless_16_21",) if need in (NEED_UNSUITABLE, NEED_IMMINENT) else ())
        for uasc, need in zip(people["uasc"], need, strict=True)
    ]
    needs["cohorts"] = [
        given if use else made
        for given, made, use in zip(people["cohorts"], derived, explicit, strict=True)
    ]
    return needs


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
    today = np.datetime64(as_of, "ns")
    soon = today + np.timedelta64(7 * window_weeks, "D")
    due = np.where(deadline < today, soon, deadline)
    return ~np.isnat(deadline) & (available <= due)


def _rank(frame: pd.DataFrame, mask: pd.Series, by: list[str], ascending: list[bool]) -> np.ndarray:
    """0-based position in the strict order `by` among rows where `mask`; -1 elsewhere."""
    rank = np.full(len(frame), -1, dtype=np.int64)
    chosen = frame[mask.to_numpy()]
    if len(chosen):
        order = chosen.sort_values(by, ascending=ascending, kind="stable").index.to_numpy()
        rank[order] = np.arange(len(order))
    return rank
