"""Questions asked backwards: scenarios side by side, and "how many places keep the risk low".

Why the goal-seek reads the demand pass: P(demand for a type exceeds its places at some
month-end up to a date) falls as places rise, and for ``c + k`` places it is the share of
runs whose largest excess ``max_t(demand_t - c_t)`` is above ``k``. So the smallest ``k`` is a
quantile of that excess over runs: exact for the simulated runs, with no re-simulation and no
search. A constrained run with the extra places is then made to report what the choice does
to unsuitable accommodation (other types' overflow can move with it).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from forecasts.capacity import quarter_of
from forecasts.forecast import Fitted, ForecastSettings, run_forecast
from forecasts.outputs import demand_by_quarter, unsuitable_by_quarter
from forecasts.scenarios import Lever, Scenario


def compare_scenarios(
    fitted: Fitted, scenarios: list[Scenario], settings: ForecastSettings | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run each scenario on the same fitted data and seed (so differences are the levers',
    not noise). Returns the long demand table of all scenarios and a side-by-side table of
    places needed and P(shortfall in quarter) per quarter and type."""
    settings = settings or ForecastSettings()
    tables = [demand_by_quarter(run_forecast(fitted, settings, s)) for s in scenarios]
    long = pd.concat(tables, ignore_index=True)
    wide = long.pivot_table(
        index=["quarter_start", "placement_type", "lot"],
        columns="scenario",
        values=["demand_median", "places_needed", "p_shortfall_in_quarter"],
        aggfunc="first",
    )
    wide.columns = [f"{value}__{scenario}" for value, scenario in wide.columns]
    return long, wide.reset_index()


BOOTSTRAP = 200  # resamples of the runs for the spread of the goal-seek's answer


def extra_places_for(excess: np.ndarray, probability: float) -> int:
    """The smallest ``k >= 0`` with ``share of runs whose excess > k <= probability``.

    A target met at the boundary counts as met: with 1000 runs and a 5% target, 50 runs
    above ``k`` is within it (the tolerance absorbs floating point in ``probability x runs``).
    """
    excess = np.sort(np.asarray(excess))[::-1]  # largest first
    allowed = int(np.floor(probability * len(excess) + 1e-9))  # runs that may exceed k
    if allowed >= len(excess):
        return 0
    return int(max(excess[allowed], 0))


class NoPlannedPlaces(ValueError):
    """The state asked about has no planned places in the forecast (none in the inventory,
    or a type of unsuitable accommodation, which is never planned for)."""

    def __init__(self, state: str) -> None:
        self.state = state
        super().__init__(f"{state!r} has no planned places to add to")


def places_to_keep_shortfall_under(
    fitted: Fitted,
    state: str,
    through,
    probability: float = 0.05,
    settings: ForecastSettings | None = None,
    scenario: Scenario | None = None,
) -> pd.DataFrame:
    """Extra places of ``state`` (``supported_accommodation/care_leavers``, ``council_flat``...)
    so that P(demand exceeds places at any month-end until ``through``) <= ``probability``.
    Returns one row: the extra places, the probability before and after, and what the
    constrained pass then shows for unsuitable accommodation."""
    settings = settings or ForecastSettings()
    scenario = scenario or Scenario()
    forecast = run_forecast(fitted, replace(settings, constrained=False), scenario)
    k = forecast.states.index(state)
    if not forecast.plan.limited[k]:
        raise NoPlannedPlaces(state)
    horizon = np.flatnonzero(forecast.month_ends <= pd.Timestamp(through))
    if len(horizon) == 0:
        raise ValueError("the date is before the first simulated month")
    demand = forecast.demand.stock[horizon][:, :, k].astype(np.int64)  # (M, R)
    places = forecast.plan.places[:, horizon, k].T  # (M, R or 1)
    excess = (demand - places).max(axis=0)
    extra = extra_places_for(excess, probability)
    before = float((excess > 0).mean())
    after = float((excess > extra).mean())
    runs = len(excess)
    # the answer's sampling uncertainty: the binomial standard error of the risk it reaches,
    # and the spread of the answer over bootstrap resamples of the runs (a stand-in for
    # re-running with other seeds, at no cost)
    boot_rng = np.random.default_rng([settings.seed, 7])
    boot = np.array(
        [
            extra_places_for(excess[boot_rng.integers(0, runs, runs)], probability)
            for _ in range(BOOTSTRAP)
        ]
    )
    # from which month-end the planned places alone no longer meet the target
    risk_by_month = (demand > places).mean(axis=1)
    late = np.flatnonzero(risk_by_month > probability + 1e-12)
    needed_from = (
        quarter_of(forecast.month_ends[horizon[late[:1]]] - pd.Timedelta(days=1))[0]
        if extra > 0 and len(late)
        else pd.NaT
    )
    lever = Lever("places", extra, state=state, start=fitted.data.as_of)
    checked = run_forecast(
        fitted,
        replace(settings, constrained=True),
        Scenario(f"{scenario.name}+{extra}", scenario.levers + (lever,)),
    )
    unsuitable = unsuitable_by_quarter(checked)
    in_horizon = unsuitable["quarter_start"] <= pd.Timestamp(through)
    return pd.DataFrame(
        [
            {
                "state": state,
                "through": pd.Timestamp(through),
                "target_probability": probability,
                "extra_places": extra,
                "places_at_end": int(np.median(places[-1])) + extra,
                "p_shortfall_before": before,
                "p_shortfall_after": after,
                "p_shortfall_after_se": float(np.sqrt(after * (1 - after) / runs)),
                "p_shortfall_before_se": float(np.sqrt(before * (1 - before) / runs)),
                "extra_places_lo_90": int(np.quantile(boot, 0.05, method="inverted_cdf")),
                "extra_places_hi_90": int(np.quantile(boot, 0.95, method="inverted_cdf")),
                "needed_from": needed_from,
                "for_want_of_a_place_mean_after": float(
                    unsuitable.loc[in_horizon, "for_want_of_a_place_mean"].max()
                ),
                "runs": settings.runs,
            }
        ]
    )
