"""A synthetic council with known rates: for tests, benchmarks and the recovery check.

Why a generator of its own, written differently from the engine: it lives in continuous time
(exact days, exponential waiting times, rules applied on the exact birthday or day of the 18th
month), so when the monthly model recovers its rates and meets nominal coverage on its data,
that is evidence about the model, not an echo of the same code.

The default world is calibrated loosely to the demo council of the domain notes (about 590
care leavers and 60 young people aged 16-17 in care; 30 staying put, ~21 supported lodgings,
12 staying close, framework lots of 15/30/40, ~25 council flats, a handful unsuitable, ~50
former UASC). ``scale`` multiplies arrivals and places (ten times the council for benchmarks).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecasts.backtest import people_at
from forecasts.vocabulary import FRAMEWORK, UNSUITABLE_TYPES, PracticeRules, split_state

SA_UASC, SA_CL, SA_HOMELESS = (
    f"{FRAMEWORK}/{lot}" for lot in ("uasc", "care_leavers", "homeless_16_21")
)


def _default_hazards() -> dict[str, float]:
    return {
        "in_care_other": 0.02,
        "staying_put": 0.02,
        "supported_lodgings": 0.045,
        "staying_close": 0.03,
        SA_UASC: 0.02,
        SA_CL: 0.05,
        SA_HOMELESS: 0.04,
        "council_flat": 0.045,
        "independent_tenancy": 0.012,
        "with_family": 0.03,
        "other_suitable": 0.04,
        "bed_and_breakfast": 0.3,
        "emergency_accommodation": 0.25,
        "sofa_surfing": 0.2,
        "no_fixed_abode": 0.3,
        "custody": 0.12,
    }


def _default_destinations() -> dict[str, dict[str, float]]:
    move_on = {
        "council_flat": 0.15,
        "independent_tenancy": 0.5,
        "supported_lodgings": 0.08,
        "with_family": 0.1,
        "other_suitable": 0.07,
        "emergency_accommodation": 0.04,
        "bed_and_breakfast": 0.02,
        "sofa_surfing": 0.02,
        "left": 0.02,
    }
    return {
        "in_care_other": {
            "staying_put": 0.4,
            "supported_lodgings": 0.08,
            "staying_close": 0.15,
            SA_CL: 0.18,
            "with_family": 0.15,
            "council_flat": 0.05,
            "other_suitable": 0.06,
            "left": 0.04,
        },
        "staying_put": {
            "independent_tenancy": 0.55,
            "council_flat": 0.15,
            "supported_lodgings": 0.1,
            "with_family": 0.15,
            "left": 0.05,
        },
        "supported_lodgings": {
            "independent_tenancy": 0.6,
            "council_flat": 0.15,
            "with_family": 0.1,
            SA_CL: 0.05,
            "left": 0.1,
        },
        "staying_close": {
            "independent_tenancy": 0.55,
            "council_flat": 0.2,
            "supported_lodgings": 0.1,
            "with_family": 0.1,
            "left": 0.05,
        },
        SA_UASC: {
            SA_CL: 0.45,
            "supported_lodgings": 0.2,
            "council_flat": 0.15,
            "independent_tenancy": 0.2,
        },
        SA_CL: move_on,
        SA_HOMELESS: move_on,
        "council_flat": {
            "independent_tenancy": 0.6,
            "with_family": 0.1,
            "left": 0.25,
            "emergency_accommodation": 0.05,
        },
        "independent_tenancy": {
            "left": 0.6,
            "council_flat": 0.1,
            "with_family": 0.1,
            "sofa_surfing": 0.08,
            "custody": 0.04,
            "emergency_accommodation": 0.08,
        },
        "with_family": {
            "left": 0.5,
            "independent_tenancy": 0.3,
            "sofa_surfing": 0.1,
            "council_flat": 0.1,
        },
        "other_suitable": {"independent_tenancy": 0.5, "left": 0.3, "council_flat": 0.2},
        "bed_and_breakfast": {
            SA_CL: 0.3,
            "supported_lodgings": 0.2,
            "council_flat": 0.2,
            "independent_tenancy": 0.2,
            "with_family": 0.1,
        },
        "emergency_accommodation": {
            SA_CL: 0.3,
            "council_flat": 0.3,
            "independent_tenancy": 0.3,
            "with_family": 0.1,
        },
        "sofa_surfing": {
            "with_family": 0.3,
            "independent_tenancy": 0.3,
            SA_HOMELESS: 0.2,
            "bed_and_breakfast": 0.2,
        },
        "no_fixed_abode": {
            "emergency_accommodation": 0.5,
            "bed_and_breakfast": 0.2,
            "independent_tenancy": 0.3,
        },
        "custody": {
            "emergency_accommodation": 0.3,
            "independent_tenancy": 0.3,
            "with_family": 0.2,
            "bed_and_breakfast": 0.2,
        },
    }


@dataclass(frozen=True)
class ArrivalProfile:
    """Who arrives in a stream: first state probabilities and age range (years)."""

    rate_per_month: float
    states: dict[str, float]
    age_range: tuple[float, float]
    in_care: bool
    uasc: bool


def _default_arrivals() -> dict[str, ArrivalProfile]:
    return {
        "new_in_care": ArrivalProfile(4.6, {"in_care_other": 1.0}, (16.0, 17.9), True, False),
        "new_leavers": ArrivalProfile(
            6.5,
            {
                SA_HOMELESS: 0.5,
                SA_CL: 0.1,
                "supported_lodgings": 0.1,
                "independent_tenancy": 0.2,
                "with_family": 0.15,
                "other_suitable": 0.1,
                "sofa_surfing": 0.05,
            },
            (17.0, 20.5),
            False,
            False,
        ),
        "uasc": ArrivalProfile(
            1.2, {SA_UASC: 0.75, "in_care_other": 0.25}, (16.0, 17.6), True, True
        ),
        "returner": ArrivalProfile(
            0.6,
            {
                "independent_tenancy": 0.4,
                "council_flat": 0.2,
                "emergency_accommodation": 0.2,
                "sofa_surfing": 0.2,
            },
            (21.5, 24.5),
            False,
            False,
        ),
    }


@dataclass(frozen=True)
class SyntheticWorld:
    """The true process: hazards per month by state, destinations, arrivals, the 21 review."""

    hazards: dict[str, float] = field(default_factory=_default_hazards)
    destinations: dict[str, dict[str, float]] = field(default_factory=_default_destinations)
    arrivals: dict[str, ArrivalProfile] = field(default_factory=_default_arrivals)
    continue_21: float = 0.6
    scale: float = 1.0
    rules: PracticeRules = field(default_factory=PracticeRules)


@dataclass(frozen=True)
class SyntheticCouncil:
    """Frames in the forecast contract, plus the full history for backtests."""

    people: pd.DataFrame
    stays: pd.DataFrame
    capacity: pd.DataFrame
    child_population: int
    as_of: pd.Timestamp


DAY = pd.Timedelta(days=1)


def _years(t: float) -> float:
    return t * 365.25


class _Generator:
    def __init__(self, world: SyntheticWorld, rng: np.random.Generator) -> None:
        self.world, self.rng = world, rng
        self.rows: list[tuple] = []

    def _destination(self, state: str, age_days: float, forced: bool) -> str:
        options = dict(self.world.destinations[state])
        if forced:
            options.pop(state, None)
        rules = self.world.rules
        for name in list(options):
            if name == "left":
                continue
            rule = rules.rule(name)
            if not (rule.entry_min_age * 365.25 <= age_days + 15 < rule.entry_max_age * 365.25):
                options.pop(name)
        names = list(options)
        if not names:
            return "left"
        p = np.array([options[n] for n in names], dtype=float)
        return names[self.rng.choice(len(names), p=p / p.sum())]

    def person(self, pid: str, dob: float, t: float, state: str, uasc: bool, end: float) -> None:
        """Follow one young person from arrival (day ``t``) to leaving or ``end``."""
        rules, w = self.world.rules, self.world
        review_done = t >= dob + _years(rules.review_age)
        while True:
            start = t
            rule = rules.rule(state)
            limits = [dob + _years(rules.leaving_age)]
            if rule.max_months is not None:
                limits.append(start + rule.max_months * 365.25 / 12)
            if rule.max_age is not None:
                limits.append(dob + _years(rule.max_age))
            forced_at = min(limits)
            review_at = dob + _years(rules.review_age) if not review_done else np.inf
            clock = start
            while True:
                natural = clock + self.rng.exponential(365.25 / 12 / w.hazards[state])
                when = min(natural, forced_at, review_at, end)
                if when == review_at and review_at < min(natural, forced_at, end):
                    review_done = True
                    review_at = np.inf
                    if self.rng.random() >= w.continue_21:
                        self._record(pid, state, start, when, dob, uasc)
                        return
                    clock = when
                    continue
                break
            if when >= end:
                self._record(pid, state, start, None, dob, uasc)
                return
            self._record(pid, state, start, when, dob, uasc)
            if when == forced_at and forced_at == limits[0]:
                return  # leaving at 25
            nxt = self._destination(state, when - dob, forced=when == forced_at)
            if nxt == "left":
                return
            state, t = nxt, when + 1

    def _record(self, pid, state, start, stop, dob, uasc) -> None:
        self.rows.append((pid, state, start, stop, dob, uasc))


def generate_council(
    seed: int,
    as_of,
    *,
    world: SyntheticWorld | None = None,
    history_years: float = 8.0,
    future_months: int = 0,
) -> SyntheticCouncil:
    """A council whose history runs ``history_years`` to ``as_of`` (and on ``future_months``
    beyond it, for backtests: the frames then describe the whole span and should be cut)."""
    world = world or SyntheticWorld()
    rng = np.random.default_rng(seed)
    as_of = pd.Timestamp(as_of)
    origin = as_of - pd.DateOffset(days=round(_years(history_years + 8)))
    end_ts = as_of + pd.DateOffset(months=future_months)
    end = float((end_ts - origin).days)
    gen = _Generator(world, rng)
    count = 0
    for name, profile in world.arrivals.items():
        rate_per_day = profile.rate_per_month * world.scale * 12 / 365.25
        n = rng.poisson(rate_per_day * end)
        times = np.sort(rng.uniform(0, end, n))
        states = list(profile.states)
        p = np.array([profile.states[s] for s in states])
        for t in times:
            age = rng.uniform(*profile.age_range)
            state = states[rng.choice(len(states), p=p / p.sum())]
            gen.person(
                f"{name[:1]}{count:06d}", t - _years(age), float(t), state, profile.uasc, end
            )
            count += 1
    frame = pd.DataFrame(gen.rows, columns=["person_id", "state", "start", "end", "dob", "uasc"])
    to_date = lambda days: origin + pd.to_timedelta(np.floor(days), unit="D")  # noqa: E731
    frame["start"] = to_date(frame["start"])
    frame["end"] = to_date(frame["end"])  # NaN stays NaT
    frame["date_of_birth"] = to_date(frame["dob"])
    split = [split_state(s) for s in frame["state"]]
    frame["placement_type"] = [t for t, _ in split]
    frame["lot"] = [lot for _, lot in split]
    frame["suitable"] = ~frame["placement_type"].isin(UNSUITABLE_TYPES)
    frame["gender"] = np.where(rng.random(len(frame)) < 0.55, "male", "female")
    history_start = as_of - pd.DateOffset(days=round(_years(history_years)))
    stays = frame[(frame["end"].isna()) | (frame["end"] >= history_start)]
    stays = stays[
        [
            "person_id",
            "placement_type",
            "lot",
            "start",
            "end",
            "suitable",
            "date_of_birth",
            "uasc",
            "gender",
        ]
    ].reset_index(drop=True)
    capacity = default_capacity(as_of, world.scale)
    people = people_at(stays, as_of)
    return SyntheticCouncil(people, stays, capacity, round(66_436 * world.scale), as_of)


def default_capacity(as_of, scale: float = 1.0, quarters: int = 24) -> pd.DataFrame:
    """Planned places like the demo council's: constant, one row per quarter."""
    places = {
        ("staying_put", ""): 34,
        ("supported_lodgings", ""): 23,
        ("staying_close", ""): 12,
        (FRAMEWORK, "uasc"): 15,
        (FRAMEWORK, "care_leavers"): 30,
        (FRAMEWORK, "homeless_16_21"): 40,
        ("council_flat", ""): 25,
    }
    first = pd.Timestamp(as_of).to_period("Q").start_time
    quarter_starts = [first + pd.DateOffset(months=3 * q) for q in range(quarters)]
    rows = [
        {"placement_type": t, "lot": lot, "quarter_start": q, "places": round(n * scale)}
        for (t, lot), n in places.items()
        for q in quarter_starts
    ]
    return pd.DataFrame(rows)
