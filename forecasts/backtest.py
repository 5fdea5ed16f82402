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
from forecasts.metrics import accuracy_table, coverage, mase_against_naive
from forecasts.outputs import demand_by_quarter, quarter_months
from forecasts.scenarios import Scenario
from forecasts.vocabulary import FRAMEWORK, LEFT, StateSpace, state_name


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


def places_by_quarter(capacity: pd.DataFrame | None) -> pd.DataFrame:
    """Planned places per quarter (rows, from its start) and state (columns): one table,
    built once, that every date of a backtest reads (building it per date was most of the
    time of choosing a forecast on a small council). Each state's latest row carries forward
    and, before its first, its earliest row stands, so a date reads one row."""
    if capacity is None or capacity.empty:
        return pd.DataFrame(dtype=float)
    frame = capacity.assign(
        state=with_state(capacity), quarter_start=pd.to_datetime(capacity["quarter_start"])
    )
    table = frame.pivot_table(
        index="quarter_start", columns="state", values="places", aggfunc="sum"
    )
    return table.sort_index().astype(float).ffill().bfill()


def places_on(table: pd.DataFrame, when) -> pd.Series:
    """Planned places per state on a date (the latest quarter's row on or before it, else
    the earliest row), as the capacity-constrained pass reads them; ``table`` from
    :func:`places_by_quarter`."""
    if table.empty:
        return pd.Series(dtype=float)
    before = table[table.index <= pd.Timestamp(when)]
    return before.iloc[-1] if len(before) else table.iloc[0]


def capacity_bound(
    known: pd.DataFrame, capacity: pd.DataFrame | None, origin, quarters: int = 8
) -> set[str]:
    """States whose records at ``origin`` were bounded by their places: full at the origin
    (as many young people as places) and never above their places at the last ``quarters``
    quarter-ends (else the records show demand, and the places did not bind them). Only what
    was known at the origin is read."""
    from forecasts.selection import census

    origin = pd.Timestamp(origin)
    dates = [origin - pd.offsets.QuarterEnd(k) for k in range(quarters, 0, -1)] + [origin]
    counts = census(known, dates)
    table = places_by_quarter(capacity)
    planned = [places_on(table, d) for d in dates]
    bound = set()
    for state in counts.columns:
        caps = [p.get(state, np.nan) for p in planned]
        if np.isnan(caps[-1]) or caps[-1] <= 0:
            continue
        held = counts[state].to_numpy()
        if held[-1] >= caps[-1] and all(h <= c for h, c in zip(held, caps, strict=True)):
            bound.add(state)
    return bound


def _forecast_at(
    stays: pd.DataFrame,
    origin: pd.Timestamp,
    *,
    capacity: pd.DataFrame | None,
    child_population: int,
    quarters: int,
    settings: ForecastSettings,
    scenario: Scenario | None,
) -> pd.DataFrame:
    """Every candidate's forecast made at ``origin`` from what was known then: one row per
    state, horizon and candidate (``point``, ``level`` = count at the origin, the
    microsimulation's quantiles ``q_*``, ``target`` = the quarter-end scored), with the
    microsimulation's P(shortfall) and planned places."""
    from forecasts.selection import QUANTILE_NAMES, census, simple_forecasts

    known = stays_known_at(stays, origin)
    data = CouncilData.build(
        people=people_at(known, origin),
        stays=known,
        capacity=capacity,
        as_of=origin,
        child_population=child_population,
    )
    bound = capacity_bound(known, capacity, origin)
    # the capacity-constrained pass only where it is a candidate (a type full at the origin)
    settings = replace(settings, constrained=bool(bound))
    forecast = run_forecast(fit(data, settings), settings, scenario)
    table = demand_by_quarter(forecast)
    table["state"] = with_state(table)
    ends = forecast.month_ends
    starts, months = quarter_months(forecast)
    targets = [ends[idx[-1]] for idx in months]
    states = [s for s in forecast.states.names if s != LEFT]
    back = [origin - pd.offsets.QuarterEnd(k) for k in range(TREND_QUARTERS_BACK, 0, -1)]
    series = census(known, [*back, origin], states)
    simple = simple_forecasts(series, len(targets))
    level = series.iloc[-1]
    rows = []
    for h, (quarter, target) in enumerate(zip(starts, targets, strict=True), start=1):
        part = table[table["quarter_start"] == quarter].set_index("state")
        for k, state in enumerate(states):
            row = part.loc[state]
            common = {
                "origin": origin,
                "h": h,
                "target": target,
                "state": state,
                "level": float(level[state]),
                "p_shortfall": row["p_shortfall"],
                "capacity": row["capacity"],
            }
            micro = {f"q_{n}": row["demand_" + n] for n in QUANTILE_NAMES}
            rows.append({**common, "candidate": "microsim", "point": row["demand_median"], **micro})
            if state in bound and "placed_median" in row:
                placed = {f"q_{n}": row["placed_" + n] for n in QUANTILE_NAMES}
                rows.append(
                    {
                        **common,
                        "candidate": "microsim_constrained",
                        "point": row["placed_median"],
                        **placed,
                    }
                )
            for name, values in simple.items():
                rows.append({**common, "candidate": name, "point": float(values[h - 1, k])})
    out = pd.DataFrame(rows)
    # quarter-ends from the first that held anyone (of the last twelve): too few = thin
    out["history_quarters"] = out["state"].map((series.cumsum() > 0).sum())
    return out


TREND_QUARTERS_BACK = 11  # quarter-ends before the origin read by the simple candidates


def backtest_stays(
    stays: pd.DataFrame,
    origins: list,
    *,
    capacity: pd.DataFrame | None = None,
    child_population: int,
    quarters: int = 8,
    settings: ForecastSettings | None = None,
    scenario: Scenario | None = None,
    select: bool = True,
    inner_origins: int | None = None,
) -> pd.DataFrame:
    """One row per (origin, horizon in quarters, state): actual, naive, seasonal naive, the
    forecast scored (``median``, intervals, ``model``: with ``select`` the candidate chosen
    for the state from forecasts scored before the origin, see :mod:`forecasts.selection`;
    without it the microsimulation's demand), the microsimulation's own median
    (``microsim``), CRPS and P(shortfall > 0) against the planned places."""
    from forecasts.selection import (
        INNER_ORIGINS,
        QUANTILE_NAMES,
        Choice,
        apply_choice,
        choose,
        with_combined,
    )

    settings = settings or ForecastSettings(runs=200)
    settings = replace(settings, months=3 * quarters, constrained=True)
    inner = INNER_ORIGINS if inner_origins is None else inner_origins
    outer = [pd.Timestamp(o) for o in origins]
    earliest = stays["start"].min() + pd.DateOffset(years=1)
    ladder = set(outer)
    if select:
        for o in outer:
            ladder |= {o - pd.offsets.QuarterEnd(k) for k in range(1, inner + 1)}
    ladder = {o.normalize() for o in ladder if o in outer or o >= earliest}
    cache = {
        o: with_combined(
            _forecast_at(
                stays,
                o,
                capacity=capacity,
                child_population=child_population,
                quarters=quarters,
                settings=settings,
                scenario=scenario,
            )
        )
        for o in sorted(ladder)
    }
    rows = []
    for origin in outer:
        known = stays_known_at(stays, origin)
        here = cache[origin.normalize()]
        if select:
            past = [f[f["target"] <= origin] for o, f in cache.items() if o < origin.normalize()]
            scored = pd.concat(past, ignore_index=True) if past else here.iloc[:0]
            scored = (
                with_actual(scored, known)
                if len(scored)
                else scored.assign(actual=pd.Series(dtype=float))
            )
            quarters_of = here.drop_duplicates("state").set_index("state")["history_quarters"]
            choice = choose(scored, list(quarters_of.index), quarters_of.to_dict())
        else:
            choice = Choice(
                pd.DataFrame({"state": here["state"].unique(), "model": "microsim"}), {}
            )
        chosen = apply_choice(here, choice).set_index(["state", "h"])
        reasons = choice.table.set_index("state")["reason"] if select else None
        micro = here[here["candidate"] == "microsim"]
        # every candidate's point beside the one used: what a choice made in hindsight could
        # have scored (:func:`targets_verdict` says whether the target was reachable at all)
        points = here.pivot_table(
            index=["state", "h"], columns="candidate", values="point", aggfunc="first"
        )
        naive = stock_at(known, origin)
        seasonal_cache: dict[pd.Timestamp, pd.Series] = {}
        actual_cache: dict[pd.Timestamp, pd.Series] = {}
        for _, row in micro.iterrows():
            h, state, target = int(row["h"]), row["state"], row["target"]
            if target not in actual_cache:
                actual_cache[target] = stock_at(stays, target)
            y = float(actual_cache[target].get(state, 0))
            back = target - pd.DateOffset(years=int(np.ceil(h / 4)))
            if back not in seasonal_cache:
                seasonal_cache[back] = stock_at(known, back)
            pick = chosen.loc[(state, h)]
            quantiles = {n: float(pick[n]) for n in QUANTILE_NAMES}
            rows.append(
                {
                    "origin": origin,
                    "horizon_quarters": h,
                    "state": state,
                    "model": pick["model"],
                    "reason": reasons.get(state, "") if reasons is not None else "",
                    "actual": y,
                    "naive": float(naive.get(state, 0)),
                    "seasonal_naive": float(seasonal_cache[back].get(state, 0)),
                    "microsim": float(row["point"]),
                    **{
                        f"point_{name}": float(points.at[(state, h), name])
                        for name in points.columns
                    },
                    "crps": crps_from_quantiles(y, quantiles),
                    **quantiles,
                    "p_shortfall": row["p_shortfall"],
                    "shortfall": float(y > row["capacity"])
                    if not np.isnan(row["capacity"])
                    else np.nan,
                }
            )
    return pd.DataFrame(rows)


QUANTILE_COLUMNS = (
    (0.025, "lo_95"),
    (0.10, "lo_80"),
    (0.25, "lo_50"),
    (0.50, "median"),
    (0.75, "hi_50"),
    (0.90, "hi_80"),
    (0.975, "hi_95"),
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


MASE_TARGET = 0.9  # the targets the backtest on a council's own records is held to
COVERAGE_TOLERANCE = 0.05  # the 80% range must hold 75-85% of the recorded counts


def hindsight_mase(rows: pd.DataFrame) -> pd.Series:
    """Per horizon, the MASE of the candidate each type would have used had the choice been
    made knowing the outcomes: the candidate with the smallest error on that type over every
    origin and horizon scored. Below the target while the forecast used is above it: the
    forecasts scored before each origin pointed to another candidate; above the target too:
    no candidate on offer reaches it on this history."""
    columns = [c for c in rows.columns if c.startswith("point_")]
    picked = []
    for _, part in rows.groupby("state", sort=False):
        errors = {
            c: float((part[c] - part["actual"]).abs().mean())
            for c in columns
            if part[c].notna().all()
        }
        best = min(errors, key=lambda c: errors[c]) if errors else "point_naive"
        picked.append(part.assign(hindsight=part[best] if best in part else part["naive"]))
    both = pd.concat(picked) if picked else rows.assign(hindsight=rows["naive"])
    return both.groupby("horizon_quarters").apply(
        lambda g: mase_against_naive(g["actual"], g["hindsight"], g["naive"]),
        include_groups=False,
    )


def targets_verdict(rows: pd.DataFrame) -> pd.DataFrame:
    """Per horizon, the backtest against the targets (MASE below :data:`MASE_TARGET`, 80%
    range holding 80% of the counts within :data:`COVERAGE_TOLERANCE`) and, where one is
    missed, why in words computed from the rows: whether any candidate reached the target in
    hindsight, how often the count now was used, on which side the counts fell outside."""
    hindsight = hindsight_mase(rows)
    out = []
    for h, g in rows.groupby("horizon_quarters"):
        mase = mase_against_naive(g["actual"], g["median"], g["naive"])
        inside = coverage(g["actual"], g["lo_80"], g["hi_80"])
        above = float((g["actual"] > g["hi_80"]).mean())
        below = float((g["actual"] < g["lo_80"]).mean())
        naive_share = float((g["model"] == "naive").mean()) if "model" in g else 0.0
        best = float(hindsight.get(h, np.nan))
        mase_met = bool(mase < MASE_TARGET)
        coverage_met = bool(abs(inside - 0.8) <= COVERAGE_TOLERANCE + 1e-9)
        why = []
        if not mase_met:
            if best >= MASE_TARGET:
                why.append(
                    f"MASE {mase:.2f}: no forecast on offer reaches {MASE_TARGET} on this "
                    f"history, even chosen per type in hindsight ({best:.2f}); the count now "
                    f"was used for {naive_share:.0%} of the forecasts"
                )
            else:
                why.append(
                    f"MASE {mase:.2f}: a forecast per type chosen in hindsight would give "
                    f"{best:.2f}, but the forecasts scored before each origin pointed "
                    f"elsewhere; the count now was used for {naive_share:.0%} of the forecasts"
                )
        if not coverage_met:
            wide = "too narrow" if inside < 0.8 else "too wide"
            why.append(
                f"the 80% range held {inside:.0%} ({wide}: {above:.0%} of counts above it, "
                f"{below:.0%} below), its width taken from the errors before each origin"
            )
        out.append(
            {
                "horizon_quarters": int(h),
                "mase": mase,
                "mase_hindsight": best,
                "coverage_80": inside,
                "count_now_share": naive_share,
                "met": mase_met and coverage_met,
                "why": "; ".join(why),
            }
        )
    return pd.DataFrame(out)


def with_actual(scored: pd.DataFrame, stays: pd.DataFrame) -> pd.DataFrame:
    """Past forecasts with, beside each, the count the records hold for its state on its
    target day (what the choice of forecast is scored against)."""
    actual_at = {t: stock_at(stays, t) for t in scored["target"].unique()}
    return scored.assign(
        actual=[
            float(actual_at[t].get(s, 0))
            for t, s in zip(scored["target"], scored["state"], strict=True)
        ]
    )


CHOICE_RUNS = 50  # runs of each past forecast behind the choice


def choose_at(
    data: CouncilData,
    settings: ForecastSettings,
    *,
    quarters: int = 4,
    inner_origins: int | None = None,
    runs: int = CHOICE_RUNS,
):
    """The forecast to use for each type at ``data.as_of`` (:mod:`forecasts.selection`):
    forecasts made at the quarter-ends before it, each from only what the records held then
    (``runs`` runs, ``quarters`` ahead), scored on quarter-ends up to ``as_of``. Returns the
    choice and the quarter-end counts up to ``as_of`` (what the simple candidates read)."""
    from forecasts.selection import INNER_ORIGINS, census, choose, with_combined

    stays, as_of = data.stays, pd.Timestamp(data.as_of)
    back = [as_of - pd.offsets.QuarterEnd(k) for k in range(TREND_QUARTERS_BACK, 0, -1)]
    states = [s for s in StateSpace.standard(tuple(sorted(set(stays["state"])))).names]
    states = [s for s in states if s != LEFT]
    series = census(stays, [*back, as_of], states)
    history = (series.cumsum() > 0).sum().to_dict()
    inner = INNER_ORIGINS if inner_origins is None else inner_origins
    usable = len(stays) and {"date_of_birth", "uasc"} <= set(stays.columns)
    origins = []
    if usable:
        earliest = stays["start"].min() + pd.DateOffset(years=1)
        origins = [
            o
            for o in (as_of - pd.offsets.QuarterEnd(k) for k in range(1, inner + 1))
            if o >= earliest
        ]
    small = replace(settings, runs=min(settings.runs, runs), months=3 * quarters)
    past = []
    for origin in origins:
        made = _forecast_at(
            stays,
            origin.normalize(),
            capacity=data.capacity,
            child_population=data.child_population,
            quarters=quarters,
            settings=replace(small, constrained=True),
            scenario=None,
        )
        past.append(with_combined(made))
    scored = pd.concat(past, ignore_index=True) if past else pd.DataFrame()
    if len(scored):
        scored = with_actual(scored[scored["target"] <= as_of], stays)
    else:
        scored = pd.DataFrame(columns=["state", "h", "candidate", "point", "actual", "level"])
    return choose(scored, states, history), series
