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

import numpy as np
import pandas as pd

from forecasts.frames import ForecastInputError
from forecasts.scenarios import Scenario
from forecasts.vocabulary import FRAMEWORK, StateSpace, state_name

UNLIMITED = 1_000_000

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
        rows = rows.groupby("quarter_start")["places"].sum().sort_index()
        pos = np.searchsorted(rows.index.values, ends.values, side="right") - 1
        k = states.index(name)
        places[:, k] = rows.to_numpy()[np.clip(pos, 0, None)]
        limited[k] = True
    return places, limited


def build_plan(
    capacity: pd.DataFrame,
    states: StateSpace,
    as_of: pd.Timestamp,
    months: int,
    scenario: Scenario,
    runs: int,
    rng: np.random.Generator,
    rule: OverflowRule,
) -> CapacityPlan:
    """The planned places, with any ``places`` levers drawn per run."""
    places, limited = planned_places(capacity, states, as_of, months)
    places = places[None]
    levers = scenario.of_kind("places")
    if levers:
        places = np.repeat(places, runs, axis=0)
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
    fallback = np.full(states.size, -1, dtype=np.int16)
    for source, target in rule.chain().items():
        if source in states.names and target in states.names:
            fallback[states.index(source)] = states.index(target)
    return CapacityPlan(
        limited=limited,
        places=places,
        fallback=fallback,
        unsuitable=states.index(rule.unsuitable),
        max_tries=rule.max_tries,
    )


def _rank_within(groups: np.ndarray, priority: np.ndarray, tie: np.ndarray) -> np.ndarray:
    """Rank of each request within its group: by priority, then at random."""
    order = np.argsort(groups * 8.0 + priority + tie, kind="stable")
    sorted_groups = groups[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_groups)) + 1]
    first = np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order)) - first
    return rank


def allocate(
    *,
    plan: CapacityPlan,
    month: int,
    rng: np.random.Generator,
    stock: np.ndarray,
    state: np.ndarray,
    wanted: np.ndarray,
    movers: tuple[np.ndarray, ...],
    leavers: tuple[np.ndarray, np.ndarray],
    arrivals: tuple[np.ndarray, np.ndarray, np.ndarray],
    overflowed: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Apply the overflow rule to this month's moves; returns who goes where.

    ``state`` and ``wanted`` are the full (runs x people) arrays; ``wanted`` is updated in
    place. Young people whose voluntary move found no place are left out of the result.
    """
    r_mv, c_mv, s_mv, d_mv, forced_mv = movers
    r_ex, c_ex = leavers
    r_ar, c_ar, d_ar = arrivals
    runs, n_states = stock.shape
    limited = plan.limited
    places = plan.places[np.minimum(np.arange(runs), plan.places.shape[0] - 1), month]

    # who is waiting in unsuitable accommodation and not otherwise moving or leaving
    busy = np.zeros(state.shape, dtype=bool)
    busy[r_mv, c_mv] = True
    busy[r_ex, c_ex] = True
    r_wt, c_wt = np.nonzero((wanted >= 0) & ~busy)
    d_wt = wanted[r_wt, c_wt].astype(np.int16)
    wanted[r_ex, c_ex] = -1

    voluntary_mv = ~forced_mv
    certain = forced_mv | ~limited[d_mv]
    vacated = np.zeros((runs, n_states), dtype=np.int64)
    np.add.at(vacated, (r_ex, state[r_ex, c_ex]), 1)
    np.add.at(vacated, (r_mv[certain], s_mv[certain]), 1)
    free = np.where(limited, places - stock + vacated, UNLIMITED)

    r = np.concatenate([r_wt, r_mv, r_ar])
    c = np.concatenate([c_wt, c_mv, c_ar])
    first_choice = np.concatenate([d_wt, d_mv, d_ar]).astype(np.int16)
    priority = np.concatenate(
        [np.zeros(len(r_wt)), np.where(forced_mv, 1, 2), np.ones(len(r_ar))]
    ).astype(np.int8)
    is_waiting = np.r_[np.ones(len(r_wt), bool), np.zeros(len(r_mv) + len(r_ar), bool)]
    voluntary = np.r_[np.zeros(len(r_wt), bool), voluntary_mv, np.zeros(len(r_ar), bool)]
    tie = rng.random(len(r)) * 0.99

    final = np.full(len(r), -1, dtype=np.int16)
    choice = first_choice.copy()
    open_ = np.ones(len(r), dtype=bool)
    for attempt in range(plan.max_tries + 1):
        unlimited = open_ & (choice >= 0) & ~limited[np.maximum(choice, 0)]
        final[unlimited] = choice[unlimited]
        open_ &= ~unlimited
        asking = np.flatnonzero(open_ & (choice >= 0))
        if len(asking) == 0:
            break
        groups = r[asking].astype(np.int64) * n_states + choice[asking]
        room = free.reshape(-1)[groups]
        asked = np.bincount(groups, minlength=free.size)[groups]
        admitted = asked <= room  # enough places for everyone asking: no queue to sort
        crowded = np.flatnonzero(~admitted)
        if len(crowded):
            rank = _rank_within(groups[crowded], priority[asking][crowded], tie[asking][crowded])
            admitted[crowded] = rank < room[crowded]
        got = asking[admitted]
        final[got] = choice[got]
        np.subtract.at(free, (r[got], choice[got]), 1)
        open_[got] = False
        refused = asking[~admitted]
        stays = refused[voluntary[refused] | (is_waiting[refused] & (attempt >= plan.max_tries))]
        open_[stays] = False
        onward = refused[~voluntary[refused]]
        choice[onward] = plan.fallback[choice[onward]] if attempt < plan.max_tries else -1
    nowhere = open_ | ((final < 0) & ~voluntary & ~is_waiting)
    nowhere &= final < 0
    final[nowhere & ~is_waiting] = plan.unsuitable
    np.add.at(overflowed, r[nowhere & ~is_waiting], 1)

    going = final >= 0
    # waiting young people who stay unplaced keep waiting; everyone placed stops waiting
    wanted[r[going], c[going]] = -1
    new_wait = nowhere & ~is_waiting
    wanted[r[new_wait], c[new_wait]] = first_choice[new_wait]
    return r[going], c[going], final[going]
