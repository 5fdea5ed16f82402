"""Planned places, and the overflow rule of the capacity-constrained pass.

The overflow rule (stated once, applied every month, in this order):

1. Places freed by young people who leave, whose stay a rule ends, or who move to a type with
   no place limit are free this month. A place freed by a move *into* a limited type becomes
   free next month (the mover keeps it until their own move is confirmed), so no service is
   ever above its planned places because of the rule itself.
2. Requests for a limited type are served in priority order, ties broken at random:
   first young people already in unsuitable accommodation for want of a place, then those who
   must move (a rule ended their stay) and new arrivals, then voluntary movers.
3. A voluntary mover who finds no place **waits** where they are (blocking).
4. Anyone else who finds no place tries the **next suitable type** in ``fallback`` (e.g.
   staying close -> supported lodgings -> framework care-leavers lot), and if none has room,
   goes to **unsuitable accommodation** (bed and breakfast by default), keeps asking each
   month for the type they wanted, and is counted as "in unsuitable accommodation for want of
   a place" until placed.

Types without planned places (independent tenancy, with family, custody...) are unlimited.
Capacity is a step function of the calendar quarter: a month uses the places planned for the
latest ``quarter_start`` on or before it (the earliest row before the first quarter).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from forecasts.frames import ForecastInputError
from forecasts.kernels import (  # the engine's constants live with its compiled passes
    UNLIMITED,
    first_eligible_of,
    overflow_admit,
    overflow_requests,
)
from forecasts.scenarios import Scenario
from forecasts.vocabulary import (
    FRAMEWORK,
    UNSUITABLE_TYPES,
    PracticeRules,
    StateSpace,
    split_state,
    state_name,
)

WEEKS_PER_MONTH = 365.25 / 12 / 7

DEFAULT_FALLBACK: dict[str, str] = {
    "staying_close": "supported_lodgings",
    "staying_put": "supported_lodgings",
    "supported_lodgings": state_name(FRAMEWORK, "care_leavers"),
    state_name(FRAMEWORK, "uasc"): "in_care_other",
    state_name(FRAMEWORK, "care_leavers"): "supported_lodgings",
    state_name(FRAMEWORK, "homeless_16_21"): state_name(FRAMEWORK, "care_leavers"),
}


@dataclass(frozen=True)
class OverflowRule:
    """Where young people go when the type they need is full."""

    fallback: dict[str, str] | None = None  # next suitable type to try; None = the default
    unsuitable: str = "bed_and_breakfast"  # where they go when nothing has room
    max_tries: int = 3
    # how long a young person may wait for a place before they count as in unsuitable
    # accommodation "for want of a place" (monthly steps: a wait that began in one month
    # passes 4 weeks at the next month-end)
    max_wait_weeks: float = 4.0

    def max_wait_months(self) -> float:
        return self.max_wait_weeks / WEEKS_PER_MONTH

    def chain(self) -> dict[str, str]:
        return DEFAULT_FALLBACK if self.fallback is None else self.fallback


@dataclass(frozen=True)
class CapacityPlan:
    """Places per run, month and state; ``limited`` marks states with planned places."""

    limited: np.ndarray  # (S,) bool
    places: np.ndarray  # (R or 1, M, S) int32; UNLIMITED where not limited
    fallback: np.ndarray  # (S,) int16, -1 = none
    unsuitable: int
    max_tries: int
    # entry rules per state, in months of age: no one enters younger than entry_min or at or
    # above entry_max (the fallback chain skips a type the young person may not enter)
    entry_min: np.ndarray | None = None  # (S,) int32
    entry_max: np.ndarray | None = None  # (S,) int32
    is_unsuitable: np.ndarray | None = None  # (S,) bool
    max_wait_months: float = 4.0 / WEEKS_PER_MONTH
    # places paid for whether filled or not (block contracts, and places a scenario adds),
    # per run, month and state; the rest of a type's places are paid only when used (spot)
    block: np.ndarray | None = None  # (R or 1, M, S) int64

    def eligible(self, choice: np.ndarray, age_months: np.ndarray) -> np.ndarray:
        """Whether each young person (of the given age) may enter each chosen state."""
        if self.entry_min is None or self.entry_max is None:
            return choice >= 0
        at = np.maximum(choice, 0)
        return (
            (choice >= 0) & (age_months >= self.entry_min[at]) & (age_months < self.entry_max[at])
        )

    def first_eligible(self, choice: np.ndarray, age_months: np.ndarray) -> np.ndarray:
        """The choice itself if the young person may enter it, else the next type along the
        fallback chain they may enter, else -1 (read from ``first_eligible_table``, as the
        overflow rule reads it)."""
        return first_eligible_of(
            np.asarray(choice, dtype=np.int64),
            np.asarray(age_months, dtype=np.int64),
            self.first_eligible_table,
        )

    @cached_property
    def first_eligible_table(self) -> np.ndarray:
        """For each state and age in months, the first type along the fallback chain from
        that state that a young person of that age may enter (-1: none). Every age at or
        above the highest entry age behaves as that age, so the table stops there (one
        column when the plan has no entry rules); worked out once per plan instead of
        walking the chain for every request every month."""
        top = 0
        if self.entry_min is not None and self.entry_max is not None:
            top = int(max(self.entry_min.max(initial=0), self.entry_max.max(initial=0))) + 1
        ages = np.arange(top + 1)
        n = len(self.fallback)
        table = np.full((n, len(ages)), -1, dtype=np.int16)
        for state in range(n):
            choice = np.full(len(ages), state, dtype=np.int16)
            for _ in range(n + 1):
                bad = (choice >= 0) & ~self.eligible(choice, ages)
                if not bad.any():
                    break
                choice[bad] = self.fallback[choice[bad]]
            choice[(choice >= 0) & ~self.eligible(choice, ages)] = -1
            table[state] = choice
        return table


def month_ends(as_of: pd.Timestamp, months: int) -> pd.DatetimeIndex:
    """The date each simulated month ends (month m covers as_of+m .. as_of+m+1 months)."""
    return pd.DatetimeIndex([as_of + pd.DateOffset(months=m + 1) for m in range(months)])


def quarter_of(dates: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """First day of the calendar quarter of each date."""
    return dates.to_period("Q").start_time


def planned_places(
    capacity: pd.DataFrame, states: StateSpace, as_of: pd.Timestamp, months: int
) -> tuple[np.ndarray, np.ndarray]:
    """(M, S) places from the capacity frame, and the (S,) mask of limited states."""
    ends = month_ends(as_of, months)
    places = np.full((months, states.size), UNLIMITED, dtype=np.int64)
    limited = np.zeros(states.size, dtype=bool)
    for name, rows in capacity.groupby("state"):
        if name not in states.names:
            raise ForecastInputError(f"capacity names an unknown placement type {name!r}")
        if split_state(str(name))[0] in UNSUITABLE_TYPES:
            continue  # never plan places of unsuitable accommodation (B&B stays unlimited)
        rows = rows.groupby("quarter_start")["places"].sum().sort_index()
        pos = np.searchsorted(rows.index.values, ends.values, side="right") - 1
        k = states.index(name)
        places[:, k] = rows.to_numpy()[np.clip(pos, 0, None)]
        limited[k] = True
    return places, limited


def planned_block_places(
    capacity: pd.DataFrame, states: StateSpace, as_of: pd.Timestamp, months: int
) -> np.ndarray:
    """(M, S) block-contracted places from the capacity frame's optional ``block`` column
    (0 where it is absent: every place is then costed only when used)."""
    block = np.zeros((months, states.size), dtype=np.int64)
    if "block" not in capacity.columns or capacity.empty:
        return block
    ends = month_ends(as_of, months)
    for name, rows in capacity.groupby("state"):
        if split_state(str(name))[0] in UNSUITABLE_TYPES or name not in states.names:
            continue
        rows = rows.groupby("quarter_start")["block"].sum().sort_index()
        pos = np.searchsorted(rows.index.values, ends.values, side="right") - 1
        block[:, states.index(name)] = rows.to_numpy()[np.clip(pos, 0, None)]
    return block


def build_plan(
    capacity: pd.DataFrame,
    states: StateSpace,
    as_of: pd.Timestamp,
    months: int,
    scenario: Scenario,
    runs: int,
    rng: np.random.Generator,
    rule: OverflowRule,
    rules: PracticeRules | None = None,
) -> CapacityPlan:
    """The planned places, with any ``places`` levers drawn per run. Places a scenario adds
    are commissioned places: paid for whether filled or not, like a block contract."""
    places, limited = planned_places(capacity, states, as_of, months)
    places = places[None]
    block = planned_block_places(capacity, states, as_of, months)[None]
    levers = scenario.of_kind("places")
    if levers:
        places = np.repeat(places, runs, axis=0)
        block = np.repeat(block, runs, axis=0)
        ends = month_ends(as_of, months)
        for lever in levers:
            k = states.index(lever.state)
            if not limited[k]:
                raise ForecastInputError(
                    f"scenario {scenario.name!r} adds places to {lever.state!r}, "
                    "which has no planned capacity to add to"
                )
            start = pd.Timestamp(lever.start) if lever.start is not None else as_of
            after = np.asarray(ends >= start)
            extra = lever.draw(runs, rng).astype(np.int64)
            places[:, after, k] = np.clip(places[:, after, k] + extra[:, None], 0, None)
            block[:, after, k] = np.clip(block[:, after, k] + extra[:, None], 0, None)
    fallback = np.full(states.size, -1, dtype=np.int16)
    for source, target in rule.chain().items():
        if source in states.names and target in states.names:
            fallback[states.index(source)] = states.index(target)
    rules = rules or PracticeRules()
    entry_min = np.array(
        [round(rules.rule(n).entry_min_age * 12) for n in states.names], dtype=np.int32
    )
    entry_max = np.array(
        [round(rules.rule(n).entry_max_age * 12) for n in states.names], dtype=np.int32
    )
    return CapacityPlan(
        limited=limited,
        places=places,
        fallback=fallback,
        unsuitable=states.index(rule.unsuitable),
        max_tries=rule.max_tries,
        entry_min=entry_min,
        entry_max=entry_max,
        is_unsuitable=states.mask(lambda n: split_state(n)[0] in UNSUITABLE_TYPES),
        max_wait_months=rule.max_wait_months(),
        block=np.minimum(block, places),
    )


def allocate(
    *,
    plan: CapacityPlan,
    month: int,
    rng: np.random.Generator,
    stock: np.ndarray,
    state: np.ndarray,
    wanted: np.ndarray,
    age: np.ndarray,
    wait_from: np.ndarray,
    movers: tuple[np.ndarray, ...],
    leavers: tuple[np.ndarray, np.ndarray],
    arrivals: tuple[np.ndarray, np.ndarray, np.ndarray],
    overflowed: np.ndarray,
    waiting: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """Apply the overflow rule to this month's moves; returns who goes where.

    ``state``, ``wanted``, ``age`` (months) and ``wait_from`` (the month each wait began)
    are the full (runs x people) arrays; ``wanted`` and ``wait_from`` are updated in place.
    Every young person who asks for a limited type and finds no place (after the fallback
    types they may enter) waits: those who must move (a rule ended their stay, or they have
    just arrived) in unsuitable accommodation, those who chose to move where they are. Both
    keep asking each month for the type they wanted. Places go first to those waiting in
    unsuitable accommodation, then to those who must move and arrivals, then to those who
    choose to move (and those waiting where they are), at random within each. Young people
    who stay where they are are left out of the result; its last item is who waits after
    this month, (run, column) in row-major order, which the caller may pass back as
    ``waiting`` next month (valid while the columns do not move) to save a scan of
    ``wanted``. The steps are compiled (``forecasts.kernels.overflow_requests`` and
    ``overflow_admit``); the random tie-breaks are drawn here, one per request.
    """
    r_mv, c_mv, s_mv, d_mv, forced_mv = movers
    runs = stock.shape[0]
    places = plan.places[np.minimum(np.arange(runs), plan.places.shape[0] - 1), month]
    unsuitable = (
        plan.is_unsuitable
        if plan.is_unsuitable is not None
        else np.ones(len(plan.limited), dtype=bool)
    )
    none = np.zeros(0, dtype=np.int64)
    r_wt, c_wt = waiting if waiting is not None else (none, none)
    requests = overflow_requests(
        state,
        wanted,
        age,
        wait_from,
        waiting is None,
        r_wt,
        c_wt,
        np.stack([r_mv, c_mv, s_mv.astype(np.int64), d_mv.astype(np.int64)]),
        forced_mv,
        np.stack(leavers).astype(np.int64, copy=False),
        np.stack([arrivals[0], arrivals[1], arrivals[2].astype(np.int64)]),
        plan.limited,
        unsuitable,
        places,
        stock,
    )
    tie = rng.random(len(requests[0])) * 0.99
    go, r_w, c_w = overflow_admit(
        month,
        requests,
        tie,
        plan.limited,
        plan.fallback,
        plan.first_eligible_table,
        plan.max_tries,
        plan.unsuitable,
        overflowed,
        wanted,
        wait_from,
    )
    return go[0], go[1], go[2].astype(np.int16), (r_w, c_w)
