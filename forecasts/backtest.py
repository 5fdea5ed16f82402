"""Rolling-origin backtest on a history of stays: cut, refit, project, compare.

Why "cut" and not "hold out the last rows": a forecast made at an origin T must see only what
was known at T. Stays that started later are dropped, stays that ended later are reopened
(their end was not known), and the young people "now" are those with a stay open at T. The
model is refitted on that cut, projects 1-8 quarters, and each quarter-end forecast is
compared with the number actually in each state on that date. The naive forecast (the count
at the origin) is scored on the same cases, so MASE < 1 means the model beats it.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from forecasts.ages import age_in_years
from forecasts.forecast import ForecastSettings, fit, run_forecast
from forecasts.frames import CouncilData, with_state
from forecasts.metrics import accuracy_table
from forecasts.outputs import demand_by_quarter, quarter_months
from forecasts.scenarios import Scenario
from forecasts.vocabulary import FRAMEWORK, state_name


def stays_known_at(stays: pd.DataFrame, when) -> pd.DataFrame:
    """The history as it stood at a date: later stays dropped, later ends reopened."""
    when = pd.Timestamp(when)
    known = stays[stays["start"] <= when].copy()
    known.loc[known["end"] > when, "end"] = pd.NaT
    return known.reset_index(drop=True)


def people_at(stays: pd.DataFrame, when) -> pd.DataFrame:
    """The ``people`` frame at a date, from a history whose stays carry ``date_of_birth``,
    ``uasc`` and ``gender``. In care = under 18 in an in-care placement or the UASC lot."""
    when = pd.Timestamp(when)
    open_ = stays[(stays["start"] <= when) & (stays["end"].isna() | (stays["end"] > when))]
    open_ = open_.sort_values("start").drop_duplicates("person_id", keep="last")
    age_years = age_in_years(open_["date_of_birth"], when)
    in_care_state = with_state(open_).isin(["in_care_other", state_name(FRAMEWORK, "uasc")])
    return pd.DataFrame(
        {
            "person_id": open_["person_id"].to_numpy(),
            "date_of_birth": open_["date_of_birth"].to_numpy(),
            "gender": open_["gender"].to_numpy() if "gender" in open_ else "",
            "uasc": open_["uasc"].to_numpy(bool),
            "in_care": ((age_years < 18) & in_care_state.to_numpy(bool)),
            "placement_type": open_["placement_type"].to_numpy(),
            "lot": open_["lot"].to_numpy(),
            "stay_start": open_["start"].to_numpy(),
        }
    )


def stock_at(stays: pd.DataFrame, when) -> pd.Series:
    """Young people in each state on a date (from the full history)."""
    when = pd.Timestamp(when)
    open_ = stays[(stays["start"] <= when) & (stays["end"].isna() | (stays["end"] > when))]
    return with_state(open_).value_counts()


def backtest_stays(
    stays: pd.DataFrame,
    origins: list,
    *,
    capacity: pd.DataFrame | None = None,
    child_population: int,
    quarters: int = 8,
    settings: ForecastSettings | None = None,
    scenario: Scenario | None = None,
) -> pd.DataFrame:
    """One row per (origin, horizon in quarters, state): actual, naive, median, intervals and
    P(shortfall > 0) against the planned places (with whether a shortfall happened)."""
    settings = settings or ForecastSettings(runs=200)
    settings = replace(settings, months=3 * quarters, constrained=False)
    rows = []
    for origin in origins:
        origin = pd.Timestamp(origin)
        known = stays_known_at(stays, origin)
        data = CouncilData.build(
            people=people_at(known, origin),
            stays=known,
            capacity=capacity,
            as_of=origin,
            child_population=child_population,
        )
        forecast = run_forecast(fit(data, settings), settings, scenario)
        table = demand_by_quarter(forecast)
        table["state"] = with_state(table)
        naive = stock_at(known, origin)
        seasonal_cache: dict[pd.Timestamp, pd.Series] = {}
        ends = forecast.month_ends
        starts, months = quarter_months(forecast)
        for h, (quarter, idx) in enumerate(zip(starts, months, strict=True), start=1):
            actual = stock_at(stays, ends[idx[-1]])
            # seasonal naive: the same quarter-end a whole number of years back, known at origin
            back = ends[idx[-1]] - pd.DateOffset(years=int(np.ceil(h / 4)))
            if back not in seasonal_cache:
                seasonal_cache[back] = stock_at(known, back)
            seasonal = seasonal_cache[back]
            part = table[table["quarter_start"] == quarter]
            for _, row in part.iterrows():
                y = float(actual.get(row["state"], 0))
                rows.append(
                    {
                        "origin": origin,
                        "horizon_quarters": h,
                        "state": row["state"],
                        "actual": y,
                        "naive": float(naive.get(row["state"], 0)),
                        "seasonal_naive": float(seasonal.get(row["state"], 0)),
                        "crps": crps_from_quantiles(y, row),
                        "median": row["demand_median"],
                        **{
                            f"{s}_{lv}": row[f"demand_{s}_{lv}"]
                            for s in ("lo", "hi")
                            for lv in (50, 80, 95)
                        },
                        "p_shortfall": row["p_shortfall"],
                        "shortfall": float(y > row["capacity"])
                        if not np.isnan(row["capacity"])
                        else np.nan,
                    }
                )
    return pd.DataFrame(rows)


QUANTILE_COLUMNS = (
    (0.025, "demand_lo_95"),
    (0.10, "demand_lo_80"),
    (0.25, "demand_lo_50"),
    (0.50, "demand_median"),
    (0.75, "demand_hi_50"),
    (0.90, "demand_hi_80"),
    (0.975, "demand_hi_95"),
)


def crps_from_quantiles(actual: float, row) -> float:
    """CRPS approximated by twice the mean pinball loss over the seven saved quantiles
    (2.5, 10, 25, 50, 75, 90, 97.5%); lower is better, in young people. A point forecast's
    CRPS is its absolute error, so it compares with MAE."""
    losses = []
    for tau, column in QUANTILE_COLUMNS:
        q = float(row[column])
        losses.append((tau - (actual < q)) * (actual - q))
    return float(2 * np.mean(losses))


def stays_accuracy_by_state(rows: pd.DataFrame) -> pd.DataFrame:
    """Accuracy per state and horizon: MASE against naive and seasonal naive, bias,
    coverage of each interval, CRPS."""
    return accuracy_table(rows, ["state", "horizon_quarters"])


def stays_accuracy(rows: pd.DataFrame) -> pd.DataFrame:
    """Accuracy by horizon, pooled over origins and states."""
    return accuracy_table(rows, ["horizon_quarters"])
