"""One forecast: estimate from the stays, draw parameters, run both passes, keep the results.

This is the entry point the planner's service calls (frames in, a :class:`Forecast` out);
:mod:`forecasts.outputs` turns a forecast into the tables commissioners read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecasts.ages import age_in_months
from forecasts.arrivals import ArrivalStream, arrivals_trace, estimate_arrivals, nts_threshold
from forecasts.capacity import CapacityPlan, OverflowRule, build_plan, month_ends
from forecasts.frames import CouncilData, ForecastInputError
from forecasts.parameters import draw_parameters
from forecasts.rates import (
    DAYS_PER_MONTH,
    EstimationSettings,
    TransitionEstimates,
    estimate_transitions,
)
from forecasts.scenarios import Scenario
from forecasts.simulation import Engine, Population, SimulationResult
from forecasts.vocabulary import UNSUITABLE_TYPES, PracticeRules, StateSpace, split_state


@dataclass(frozen=True)
class ForecastSettings:
    """How a forecast is run. Every default is written in ``docs/forecasts.md``."""

    months: int = 60
    runs: int = 1000
    seed: int = 0
    target: float = 0.95  # service level for "places needed"
    constrained: bool = True  # also run the capacity-constrained pass
    estimation: EstimationSettings = field(default_factory=EstimationSettings)
    rules: PracticeRules = field(default_factory=PracticeRules)
    overflow: OverflowRule = field(default_factory=OverflowRule)
    weekly_costs: dict[str, float] = field(default_factory=dict)  # by placement type or state
    inflation: float = 0.03  # a year, applied to costs from the forecast date


@dataclass(frozen=True)
class Fitted:
    """Everything estimated from the data (shared by all scenarios of one forecast)."""

    data: CouncilData
    states: StateSpace
    transitions: TransitionEstimates
    streams: dict[str, ArrivalStream]
    population: Population


@dataclass
class Forecast:
    """The two passes of one scenario, and what they were made from."""

    fitted: Fitted
    settings: ForecastSettings
    scenario: Scenario
    plan: CapacityPlan
    demand: SimulationResult
    constrained: SimulationResult | None
    month_ends: pd.DatetimeIndex
    nts_threshold: np.ndarray  # (R,) the transfer threshold drawn per run

    @property
    def states(self) -> StateSpace:
        return self.fitted.states

    def data_limits(self) -> dict[str, object]:
        return _data_limits(self.fitted)

    def inputs(self) -> dict[str, pd.DataFrame]:
        """The rates, windows and counts behind every figure (thin data flagged)."""
        t = self.fitted.transitions
        cont, left = t.continue_21_counts
        return {
            "rates": t.trace(),
            "destinations": t.destination_trace(),
            "arrivals": arrivals_trace(self.fitted.streams),
            "review_at_21": pd.DataFrame(
                [
                    {
                        "continued": cont,
                        "left": left,
                        "share_continuing": t.continue_21[0] / sum(t.continue_21),
                        "thin_data": cont + left < 10,
                    }
                ]
            ),
            "scenario": self.scenario.describe(),
            "data": pd.DataFrame(
                [
                    {
                        "as_of": self.fitted.data.as_of,
                        "window_start": t.window[0],
                        "window_end": t.window[1],
                        "young_people": len(self.fitted.data.people),
                        "stays": len(self.fitted.data.stays),
                        "stays_without_birth_date": t.stays_without_birth_date,
                        "child_population": self.fitted.data.child_population,
                        "nts_threshold": nts_threshold(self.fitted.data.child_population),
                        "runs": self.settings.runs,
                        "months": self.settings.months,
                        "seed": self.settings.seed,
                        **self.data_limits(),
                    }
                ]
            ),
        }


def _data_limits(fitted: Fitted) -> dict[str, object]:
    """What the records cannot tell: how many years they cover, whether they hold only
    current stays, the first stays taken as recorded from the start (left-censoring), and
    planned places of unsuitable types that the forecast ignores."""
    stays = fitted.data.stays
    begin = stays["start"].min() if len(stays) else pd.NaT
    years = (fitted.data.as_of - begin).days / 365.25 if pd.notna(begin) else 0.0
    stream = next(iter(fitted.streams.values()), None)
    capacity = fitted.data.capacity
    ignored = sorted(
        {s for s in capacity["state"] if split_state(str(s))[0] in UNSUITABLE_TYPES}
        if len(capacity)
        else set()
    )
    return {
        "history_start": begin,
        "history_years": round(years, 1),
        "only_current_stays": bool(len(stays)) and bool(stays["end"].isna().all()),
        "arrivals_counted_from": stream.counted_from if stream is not None else pd.NaT,
        "arrivals_left_censored": stream.left_censored if stream is not None else 0,
        "capacity_ignored_unsuitable": ", ".join(ignored),
    }


def population_of(data: CouncilData, states: StateSpace) -> Population:
    """The young people now, as arrays the engine reads."""
    people = data.people
    unknown = sorted(set(people["state"]) - set(states.names))
    if unknown:
        raise ForecastInputError(f"people are in unknown placement types {unknown}")
    age = age_in_months(people["date_of_birth"], data.as_of)
    start = people["stay_start"].fillna(data.as_of)
    months = ((data.as_of - start).dt.days / DAYS_PER_MONTH).clip(lower=0).astype(int)
    return Population(
        state=states.indices(people["state"].tolist()),
        age_months=age.astype(np.int16),
        months_in_placement=months.clip(upper=400).to_numpy(np.int16),
        in_care=people["in_care"].to_numpy(bool),
        uasc=people["uasc"].to_numpy(bool),
    )


def fit(data: CouncilData, settings: ForecastSettings | None = None) -> Fitted:
    """Estimate rates and arrival streams from the stays (once per data set)."""
    settings = settings or ForecastSettings()
    extra = tuple(
        sorted(set(data.people["state"]) | set(data.stays["state"]) | set(data.capacity["state"]))
    )
    states = StateSpace.standard(extra)
    transitions = estimate_transitions(data, states, settings.rules, settings.estimation)
    streams = estimate_arrivals(
        data, states, transitions.window, settings.estimation.half_life_years
    )
    return Fitted(data, states, transitions, streams, population_of(data, states))


def run_forecast(
    fitted: Fitted, settings: ForecastSettings | None = None, scenario: Scenario | None = None
) -> Forecast:
    """Draw parameters for one scenario and run the demand and constrained passes."""
    settings = settings or ForecastSettings()
    scenario = scenario or Scenario()
    rng = np.random.default_rng([settings.seed, 0])
    params = draw_parameters(
        fitted.transitions,
        fitted.streams,
        fitted.data.child_population,
        scenario,
        settings.runs,
        rng,
    )
    plan = build_plan(
        fitted.data.capacity,
        fitted.states,
        fitted.data.as_of,
        settings.months,
        scenario,
        settings.runs,
        rng,
        settings.overflow,
        settings.rules,
    )
    engine = Engine(
        fitted.states,
        settings.rules,
        fitted.population,
        params,
        fitted.streams,
        settings.months,
        settings.seed,
    )
    demand = engine.run()
    constrained = engine.run(plan) if settings.constrained else None
    return Forecast(
        fitted=fitted,
        settings=settings,
        scenario=scenario,
        plan=plan,
        demand=demand,
        constrained=constrained,
        month_ends=month_ends(fitted.data.as_of, settings.months),
        nts_threshold=params.nts_threshold,
    )


def forecast(
    *,
    people: pd.DataFrame,
    stays: pd.DataFrame,
    capacity: pd.DataFrame | None,
    as_of,
    child_population: int,
    settings: ForecastSettings | None = None,
    scenario: Scenario | None = None,
) -> Forecast:
    """Frames in, a forecast out: the one call a service needs."""
    data = CouncilData.build(
        people=people,
        stays=stays,
        capacity=capacity,
        as_of=as_of,
        child_population=child_population,
    )
    settings = settings or ForecastSettings()
    return run_forecast(fit(data, settings), settings, scenario)
