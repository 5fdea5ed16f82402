"""The tables commissioners read, computed from the simulated runs of a forecast.

Why quantiles over runs and not mean +/- sd: counts are small and skewed; a service level
("places needed so that P(demand <= places) >= 95%") is a quantile, and P(shortfall > 0) is a
share of runs. Quarter figures are taken at the quarter's last simulated month-end; the
"within the quarter" figures use the largest month-end count in the quarter, which is what
"nobody in unsuitable accommodation for want of a place *during* the quarter" needs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecasts.arrivals import STREAMS
from forecasts.capacity import quarter_of
from forecasts.forecast import Forecast
from forecasts.kernels import UNLIMITED
from forecasts.vocabulary import LEFT, UNSUITABLE_TYPES, split_state

LEVELS = (0.50, 0.80, 0.95)
DAYS_PER_MONTH = 365.25 / 12


def quarter_months(forecast: Forecast) -> tuple[pd.DatetimeIndex, list[np.ndarray]]:
    """Each quarter's first day, and the month indices that fall in it."""
    quarter = quarter_of(forecast.month_ends - pd.Timedelta(days=1))
    starts = pd.DatetimeIndex(quarter.unique())
    return starts, [np.flatnonzero(quarter == q) for q in starts]


def mark_partial(table: pd.DataFrame, forecast: Forecast) -> pd.DataFrame:
    """Add ``months_in_quarter`` (simulated months that fall in the quarter) and
    ``partial_quarter`` (fewer than 3: a first or last quarter cut by the forecast's start or
    end, whose flows and costs cover part of the quarter only; a year summed from such
    quarters is a part-year)."""
    if table.empty or "quarter_start" not in table:
        return table
    starts, months = quarter_months(forecast)
    covered = {q: len(idx) for q, idx in zip(starts, months, strict=True)}
    n = table["quarter_start"].map(covered).fillna(0).astype(int)
    return table.assign(months_in_quarter=n, partial_quarter=n < 3)


def _interval_columns(samples: np.ndarray, prefix: str = "") -> dict[str, np.ndarray]:
    """Median and central intervals over the run axis (axis 0)."""
    cols = {f"{prefix}median": np.median(samples, axis=0)}
    for level in LEVELS:
        lo, hi = np.quantile(samples, [(1 - level) / 2, (1 + level) / 2], axis=0)
        pct = round(level * 100)
        cols[f"{prefix}lo_{pct}"] = lo
        cols[f"{prefix}hi_{pct}"] = hi
    return cols


def _thin_states(forecast: Forecast) -> set[str]:
    rates = forecast.fitted.transitions.trace()
    per_state = rates.groupby("state")["events"].sum()
    return set(per_state[per_state < 10].index)


def demand_by_quarter(forecast: Forecast) -> pd.DataFrame:
    """Per quarter and state: demand (unconstrained) with intervals, planned places, expected
    shortfall, P(shortfall > 0) at quarter end and within the quarter, places needed for the
    target, and (constrained pass) young people placed and waiting in unsuitable accommodation.
    """
    starts, months = quarter_months(forecast)
    names = forecast.states.names
    keep = [i for i, n in enumerate(names) if n != LEFT]
    target = forecast.settings.target
    thin = _thin_states(forecast)
    places = forecast.plan.places  # (R or 1, M, S)
    frames = []
    for q, idx in zip(starts, months, strict=True):
        last = idx[-1]
        demand = forecast.demand.stock[last][:, keep].astype(float)  # (R, S)
        peak = forecast.demand.stock[idx][:, :, keep].max(axis=0).astype(float)
        cap_end = places[:, last][:, keep].astype(float)
        cap_months = places[:, idx][:, :, keep]
        limited = forecast.plan.limited[keep]
        short = np.clip(demand - cap_end, 0, None)
        over_in_q = (forecast.demand.stock[idx][:, :, keep] > cap_months.transpose(1, 0, 2)).any(
            axis=0
        )
        frame = pd.DataFrame({"quarter_start": q, "state": [names[k] for k in keep]})
        frame = frame.assign(**_interval_columns(demand, "demand_"))
        frame["demand_mean"] = demand.mean(axis=0)
        frame["capacity"] = np.where(limited, np.median(cap_end, axis=0), np.nan)
        frame["expected_shortfall"] = np.where(limited, short.mean(axis=0), np.nan)
        frame["p_shortfall"] = np.where(limited, (short > 0).mean(axis=0), np.nan)
        frame["p_shortfall_in_quarter"] = np.where(limited, over_in_q.mean(axis=0), np.nan)
        # the smallest k with P(peak <= k) >= target (met at the boundary counts as met)
        frame["places_needed"] = np.ceil(
            np.quantile(peak, target - 1e-9, axis=0, method="inverted_cdf")
        )
        frame["target"] = f"P(demand <= places all quarter) >= {target:.0%}"
        if forecast.constrained is not None:
            placed = forecast.constrained.stock[last][:, keep].astype(float)
            waiting = forecast.constrained.waiting[idx][:, :, keep].astype(float)
            # the constrained pass's intervals: who is placed, bounded by the places (what
            # the records show where a type was full; the backtest scores it there)
            frame = frame.assign(**_interval_columns(placed, "placed_"))
            frame["waiting_unsuitable_mean"] = waiting[-1].mean(axis=0)
            frame["p_anyone_waiting_in_quarter"] = (waiting.max(axis=0) > 0).mean(axis=0)
            res = forecast.constrained
            if res.queued is not None and res.waited_long is not None:
                frame["waiting_for_a_place_mean"] = res.queued[last][:, keep].mean(axis=0)
                frame["for_want_of_a_place_mean"] = res.waited_long[last][:, keep].mean(axis=0)
        frame["thin_data"] = frame["state"].isin(thin)
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    split = [split_state(s) for s in out["state"]]
    out.insert(1, "placement_type", [t for t, _ in split])
    out.insert(2, "lot", [lot for _, lot in split])
    out.insert(0, "scenario", forecast.scenario.name)
    capacity_known = out["capacity"] < UNLIMITED
    out.loc[~capacity_known, "capacity"] = np.nan
    return mark_partial(out.drop(columns="state"), forecast)


def unsuitable_by_quarter(forecast: Forecast) -> pd.DataFrame:
    """Per quarter (constrained pass): young people in unsuitable accommodation, those there
    for want of a place, P(anyone there for want of a place during the quarter), B&B nights."""
    if forecast.constrained is None:
        raise ValueError("this forecast ran without the capacity-constrained pass")
    starts, months = quarter_months(forecast)
    names = forecast.states.names
    unsuitable = [i for i, n in enumerate(names) if split_state(n)[0] in UNSUITABLE_TYPES]
    bnb = names.index("bed_and_breakfast")
    res = forecast.constrained
    rows = []
    for q, idx in zip(starts, months, strict=True):
        total = res.stock[idx[-1]][:, unsuitable].sum(axis=1).astype(float)
        # for want of a place: waiting longer than the set wait (OverflowRule.max_wait_weeks)
        long = res.waited_long if res.waited_long is not None else res.waiting
        want = long[idx].sum(axis=2)  # (months, R)
        nights = (res.stock[idx][:, :, bnb] * DAYS_PER_MONTH).sum(axis=0)
        rows.append(
            {
                "scenario": forecast.scenario.name,
                "quarter_start": q,
                **{
                    k: float(v[0])
                    for k, v in _interval_columns(total[:, None], "unsuitable_").items()
                },
                "unsuitable_mean": total.mean(),
                "for_want_of_a_place_mean": want[-1].mean(),
                "p_anyone_for_want_of_a_place": (want.max(axis=0) > 0).mean(),
                "bed_and_breakfast_nights_mean": nights.mean(),
                "overflow_moves_mean": res.overflowed[idx].sum(axis=0).mean(),
                **_waits(res, idx),
            }
        )
    return mark_partial(pd.DataFrame(rows), forecast)


def _waits(res, idx: np.ndarray) -> dict[str, float]:
    """How many wait for a place and how long (constrained pass), for one quarter."""
    if res.queued is None or res.wait_months is None or res.wait_started is None:
        return {}
    waiting = res.queued[idx[-1]].sum(axis=1).astype(float)  # (R,) at the quarter's end
    months = res.wait_months[idx[-1]].astype(float)
    total = waiting.sum()
    return {
        "waiting_for_a_place_mean": waiting.mean(),
        "waiting_for_a_place_hi_80": float(np.quantile(waiting, 0.9)),
        "waiting_in_unsuitable_mean": res.waiting[idx[-1]].sum(axis=1).mean(),
        "waits_started_mean": res.wait_started[idx].sum(axis=0).mean(),
        "wait_months_mean": float(months.sum() / total) if total else 0.0,
        "p_anyone_waiting": float((res.queued[idx].sum(axis=2).max(axis=0) > 0).mean()),
    }


def flows_by_quarter(forecast: Forecast) -> pd.DataFrame:
    """Flow views per quarter: the turning-18 pipeline (known apart from assumed arrivals),
    18-month framework expiries per lot (they drive move-on demand), arrivals per stream, and
    UASC in care against the transfer threshold (headroom)."""
    starts, months = quarter_months(forecast)
    res = forecast.demand
    names = forecast.states.names
    framework = [i for i, n in enumerate(names) if n.startswith("supported_accommodation")]
    rows = []
    for q, idx in zip(starts, months, strict=True):
        row = {"scenario": forecast.scenario.name, "quarter_start": q}
        for label, series in (
            ("turning_18_known", res.turning_18_known[idx].sum(axis=0)),
            ("turning_18_assumed", res.turning_18_assumed[idx].sum(axis=0)),
        ):
            row[f"{label}_mean"] = series.mean()
            row[f"{label}_lo_80"], row[f"{label}_hi_80"] = np.quantile(series, [0.1, 0.9])
        for k in framework:
            row[f"expiries_{names[k]}_mean"] = res.expiries[idx][:, :, k].sum(axis=0).mean()
        for j, stream in enumerate(STREAMS):
            row[f"arrivals_{stream}_mean"] = res.arrivals[idx][:, :, j].sum(axis=0).mean()
        held = res.uasc_in_care[idx[-1]].astype(float)
        threshold = forecast.nts_threshold.astype(float)
        row["uasc_in_care_median"] = np.median(held)
        row["nts_threshold_median"] = np.median(threshold)
        row["uasc_headroom_median"] = np.median(threshold - held)
        row["p_uasc_at_threshold"] = np.mean(held >= threshold)
        rows.append(row)
    return mark_partial(pd.DataFrame(rows), forecast)


def costs_by_quarter(forecast: Forecast) -> pd.DataFrame:
    """Cost per quarter and placement type as a commissioner pays it (constrained pass if
    run), with inflation from the forecast date. Weekly costs come from
    ``settings.weekly_costs`` (by state or type). Block-contracted places (the plan's
    ``block``, including places a scenario adds) cost whether filled or not; the young
    people above them cost only while placed (spot). ``empty_places_cost`` is the block cost
    of places left empty; ``block_cost`` + ``spot_cost`` = ``cost``."""
    costs = forecast.settings.weekly_costs
    if not costs:
        return pd.DataFrame(columns=["scenario", "quarter_start", "placement_type", "lot"])
    res = forecast.constrained or forecast.demand
    starts, months = quarter_months(forecast)
    names = forecast.states.names
    block_plan = forecast.plan.block
    rows = []
    for q, idx in zip(starts, months, strict=True):
        years = (q - forecast.fitted.data.as_of).days / 365.25
        uplift = (1 + forecast.settings.inflation) ** max(years, 0)
        for k, name in enumerate(names):
            weekly = costs.get(name, costs.get(split_state(name)[0]))
            if weekly is None or name == LEFT:
                continue
            used = res.stock[idx][:, :, k].astype(float)  # (months, R)
            block = (
                block_plan[:, idx, k].T.astype(float)  # (months, R or 1)
                if block_plan is not None
                else np.zeros((len(idx), 1))
            )
            rate = DAYS_PER_MONTH / 7 * weekly * uplift
            block_cost = np.broadcast_to(block, used.shape).sum(axis=0) * rate
            spot_cost = np.clip(used - block, 0, None).sum(axis=0) * rate
            empty_cost = np.clip(block - used, 0, None).sum(axis=0) * rate
            cost = block_cost + spot_cost
            placement_type, lot = split_state(name)
            rows.append(
                {
                    "scenario": forecast.scenario.name,
                    "quarter_start": q,
                    "placement_type": placement_type,
                    "lot": lot,
                    "cost_mean": cost.mean(),
                    "cost_lo_80": np.quantile(cost, 0.1),
                    "cost_hi_80": np.quantile(cost, 0.9),
                    "block_cost_mean": block_cost.mean(),
                    "spot_cost_mean": spot_cost.mean(),
                    "empty_places_cost_mean": empty_cost.mean(),
                    "block_places": float(block.mean(axis=1)[-1]),
                }
            )
    return mark_partial(pd.DataFrame(rows), forecast)
