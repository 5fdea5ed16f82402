"""The council's own questions as tables: former UASC as their own stream, move-on places a
year, where any figure comes from, and how much each lever moves the main figures.

Why these four: they are what a commissioner takes to the board ("+5 supported lodgings
places for former UASC", "about 50 move-on places a year", "why 27 in staying close", "which
assumption matters most"). Each is read from the same simulated runs as the demand tables
(the engine counts, per run and month, who arrived, moved in, moved out and left each state,
the moves into a move-on home, and the UASC part of each state's stock), so every figure
comes with its interval and the parts of a breakdown add up to its total.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from forecasts.forecast import Fitted, Forecast, ForecastSettings, run_forecast
from forecasts.outputs import DAYS_PER_MONTH, _interval_columns, mark_partial, quarter_months
from forecasts.scenarios import Lever, Scenario, places_now, standard_scenarios
from forecasts.vocabulary import LEFT, MOVE_ON_FROM, UNSUITABLE_TYPES, split_state

HEADLINE_TYPES = ("supported_lodgings", "staying_close", "supported_accommodation", "council_flat")
SENSITIVITY_RUNS = 100  # runs per lever end: common random numbers keep the swings steady


def _keep(forecast: Forecast) -> list[int]:
    return [i for i, n in enumerate(forecast.states.names) if n != LEFT]


def _with_type(frame: pd.DataFrame) -> pd.DataFrame:
    split = [split_state(s) for s in frame.pop("state")]
    frame.insert(2, "placement_type", [t for t, _ in split])
    frame.insert(3, "lot", [lot for _, lot in split])
    return frame


def uasc_by_quarter(forecast: Forecast) -> pd.DataFrame:
    """Per quarter and state: UASC and former UASC young people needing the state (demand
    pass), with intervals and the places they need for the forecast's target (the smallest
    number of places their peak in the quarter stays within in that share of runs)."""
    res = forecast.demand
    if res.stock_uasc is None:
        raise ValueError("this forecast did not count UASC young people")
    starts, months = quarter_months(forecast)
    keep = _keep(forecast)
    names = forecast.states.names
    target = forecast.settings.target
    frames = []
    for q, idx in zip(starts, months, strict=True):
        end = res.stock_uasc[idx[-1]][:, keep].astype(float)
        peak = res.stock_uasc[idx][:, :, keep].max(axis=0).astype(float)
        frame = pd.DataFrame({"quarter_start": q, "state": [names[k] for k in keep]})
        frame = frame.assign(**_interval_columns(end, "uasc_"))
        frame["uasc_mean"] = end.mean(axis=0)
        frame["uasc_places_needed"] = np.ceil(
            np.quantile(peak, target - 1e-9, axis=0, method="inverted_cdf")
        )
        frame["share_of_demand"] = end.sum(axis=0) / np.maximum(
            res.stock[idx[-1]][:, keep].sum(axis=0), 1
        )
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    out.insert(0, "scenario", forecast.scenario.name)
    out.insert(1, "pass", "demand")
    return mark_partial(_with_type(out), forecast)


def forecast_years(forecast: Forecast) -> list[tuple[pd.Timestamp, pd.Timestamp, np.ndarray]]:
    """Twelve-month years from the forecast date: (first day, last day, month indices); the
    last may be a part-year."""
    ends = forecast.month_ends
    years = []
    for first in range(0, len(ends), 12):
        idx = np.arange(first, min(first + 12, len(ends)))
        begin = forecast.fitted.data.as_of if first == 0 else ends[first - 1]
        years.append((begin + pd.Timedelta(days=1), ends[idx[-1]], idx))
    return years


def move_on_by_year(forecast: Forecast) -> pd.DataFrame:
    """Per forecast year: move-on places needed, i.e. moves from framework places (every
    lot) and staying close into a council flat or an independent tenancy (demand pass, so
    the moves young people are ready for, not only those a full housing list allows), with
    intervals, the figure for the forecast's target, and the part from each origin."""
    res = forecast.demand
    if res.move_on is None:
        raise ValueError("this forecast did not count move-on moves")
    names = forecast.states.names
    origins = {
        kind: [i for i, n in enumerate(names) if split_state(n)[0] == kind] for kind in MOVE_ON_FROM
    }
    target = forecast.settings.target
    rows = []
    for year, (first, last, idx) in enumerate(forecast_years(forecast), start=1):
        parts = {kind: res.move_on[idx][:, :, ks].sum(axis=(0, 2)) for kind, ks in origins.items()}
        total = np.sum(list(parts.values()), axis=0).astype(float)
        row = {
            "scenario": forecast.scenario.name,
            "year": year,
            "first_day": first,
            "last_day": last,
            "months": len(idx),
            "part_year": len(idx) < 12,
            "move_on_mean": total.mean(),
            **{k: float(v[0]) for k, v in _interval_columns(total[:, None], "move_on_").items()},
            "move_on_at_target": float(np.quantile(total, target - 1e-9, method="inverted_cdf")),
        }
        for kind, series in parts.items():
            row[f"from_{kind}_mean"] = series.mean()
        rows.append(row)
    return pd.DataFrame(rows)


def breakdown_by_quarter(forecast: Forecast) -> pd.DataFrame:
    """Per quarter and state (demand pass): the mean number at the start, the arrivals new to
    the service, the moves in from and out to other types, the exits from the service, and the
    mean at the end (start + arrivals + moves in - moves out - exits = end, exactly: each run's
    counts add up and means keep sums), with the end's interval."""
    res = forecast.demand
    if res.arrived is None or res.moved_in is None or res.moved_out is None:
        raise ValueError("this forecast did not count its flows")
    assert res.exited is not None
    starts, months = quarter_months(forecast)
    keep = _keep(forecast)
    names = forecast.states.names
    initial = np.bincount(forecast.fitted.population.state, minlength=len(names)).astype(float)
    frames = []
    for q, idx in zip(starts, months, strict=True):
        first = idx[0]
        start = res.stock[first - 1][:, keep].mean(axis=0).astype(float) if first else initial[keep]
        end = res.stock[idx[-1]][:, keep].astype(float)
        frame = pd.DataFrame(
            {
                "quarter_start": q,
                "state": [names[k] for k in keep],
                "start_mean": start,
                "arrivals_mean": res.arrived[idx][:, :, keep].sum(axis=0).mean(axis=0),
                "moves_in_mean": res.moved_in[idx][:, :, keep].sum(axis=0).mean(axis=0),
                "moves_out_mean": res.moved_out[idx][:, :, keep].sum(axis=0).mean(axis=0),
                "exits_mean": res.exited[idx][:, :, keep].sum(axis=0).mean(axis=0),
                "end_mean": end.mean(axis=0),
            }
        )
        frame = frame.assign(**_interval_columns(end, "end_"))
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    out.insert(0, "scenario", forecast.scenario.name)
    out.insert(1, "pass", "demand")
    return mark_partial(_with_type(out), forecast)


def breakdown_by_year(quarters: pd.DataFrame, state: str, lot: str = "") -> pd.DataFrame:
    """One state's quarterly breakdown summed into calendar years (start of the first
    quarter, flows summed, end of the last), for "why 27 in staying close" as one table."""
    rows = quarters[(quarters["placement_type"] == state) & (quarters["lot"].fillna("") == lot)]
    if rows.empty:
        return rows
    rows = rows.assign(year=pd.to_datetime(rows["quarter_start"]).dt.year).sort_values(
        "quarter_start"
    )
    flows = ["arrivals_mean", "moves_in_mean", "moves_out_mean", "exits_mean"]
    grouped = rows.groupby("year")
    out = grouped[flows].sum()
    out.insert(0, "start_mean", grouped["start_mean"].first())
    out["end_mean"] = grouped["end_mean"].last()
    for col in ("end_lo_80", "end_hi_80"):
        out[col] = grouped[col].last()
    out["part_year"] = grouped["partial_quarter"].any() | (grouped.size() < 4)
    return out.reset_index()


def probe_levers(as_of: pd.Timestamp, capacity: pd.DataFrame | None = None) -> list[Lever]:
    """The levers whose sensitivity a forecast reports: every lever of the catalogue's
    scenarios once (its capacity scenarios sized from ``capacity``, the council's planned
    places), plus new arrivals 20% either way."""
    seen: dict[tuple, Lever] = {}
    places = places_now(capacity, as_of) if capacity is not None else None
    for scenario in standard_scenarios(as_of, places).values():
        for lever in scenario.levers:
            seen.setdefault(_lever_key(lever), lever)
    new = Lever("arrivals", 1.0, 0.8, 1.2, stream="new")
    return [new, *seen.values()]


def _lever_key(lever: Lever) -> tuple:
    return (lever.kind, lever.stream, lever.state, lever.destination)


def lever_label(lever: Lever) -> str:
    """The lever in words, for the tornado chart and its table."""
    what = {
        "arrivals": f"arrivals ({lever.stream or 'all'})",
        "exit_rate": f"how fast young people leave {lever.state}",
        "move_share": f"moves into {lever.destination}"
        + (f" from {lever.state}" if lever.state else ""),
        "places": f"added places of {lever.state}",
        "nts_rate": "transfer scheme threshold",
    }[lever.kind]
    low, high, _, _ = lever.pert()
    return f"{what}: {low:g} to {high:g}"


def _main_figures(forecast: Forecast) -> dict[str, float]:
    """The figures a sensitivity measures (means over runs)."""
    names = forecast.states.names
    last = len(forecast.month_ends) - 1
    suitable = [
        i for i, n in enumerate(names) if n != LEFT and split_state(n)[0] not in UNSUITABLE_TYPES
    ]
    stock = forecast.demand.stock[last].astype(float)
    figures = {"demand_suitable_end": stock[:, suitable].sum(axis=1).mean()}
    for kind in HEADLINE_TYPES:
        ks = [i for i, n in enumerate(names) if split_state(n)[0] == kind]
        figures[f"demand_{kind}_end"] = stock[:, ks].sum(axis=1).mean()
    moves = move_on_by_year(forecast)
    figures["move_on_first_year"] = float(moves["move_on_mean"].iloc[0])
    res = forecast.constrained
    if res is not None and res.queued is not None:
        figures["waiting_for_a_place_end"] = res.queued[last].sum(axis=1).mean()
        bnb = names.index("bed_and_breakfast")
        figures["bed_and_breakfast_nights"] = (
            res.stock[:, :, bnb].sum(axis=0) * DAYS_PER_MONTH
        ).mean()
    return figures


def sensitivity(
    fitted: Fitted,
    settings: ForecastSettings,
    scenario: Scenario,
    levers: list[Lever] | None = None,
    runs: int = SENSITIVITY_RUNS,
) -> pd.DataFrame:
    """How much each lever moves the main figures: the scenario run with the lever held at
    its low end and at its high end (every other lever as the scenario draws it), against the
    scenario as it is, all on the same seed (common random numbers, so a swing is the lever's
    and not noise). A lever the scenario sets is replaced, one it lacks is added; a places
    lever on a type without planned places is left out. One row per
    lever and figure: ``low``, ``central`` (the scenario), ``high`` and ``swing`` (high - low).
    """
    levers = levers if levers is not None else probe_levers(fitted.data.as_of, fitted.data.capacity)
    planned = set(fitted.data.capacity["state"]) if len(fitted.data.capacity) else set()
    # places can only be added to a type with planned places (else the lever is an error)
    levers = [lv for lv in levers if lv.kind != "places" or lv.state in planned]
    small = replace(settings, runs=min(runs, settings.runs))
    central = _main_figures(run_forecast(fitted, small, scenario))
    rows = []
    for lever in levers:
        ends = {}
        low, high, _, _ = lever.pert()
        for end, value in (("low", low), ("high", high)):
            fixed = replace(lever, central=value, low=None, high=None)
            others = tuple(lv for lv in scenario.levers if _lever_key(lv) != _lever_key(lever))
            probe = Scenario(scenario.name, (*others, fixed), scenario.description)
            ends[end] = _main_figures(run_forecast(fitted, small, probe))
        for figure, middle in central.items():
            rows.append(
                {
                    "scenario": scenario.name,
                    "lever": lever_label(lever),
                    "kind": lever.kind,
                    "stream": lever.stream,
                    "state": lever.state,
                    "destination": lever.destination,
                    "lever_low": low,
                    "lever_high": high,
                    "figure": figure,
                    "low": ends["low"][figure],
                    "central": middle,
                    "high": ends["high"][figure],
                    "swing": ends["high"][figure] - ends["low"][figure],
                    "runs": small.runs,
                }
            )
    return pd.DataFrame(rows)
