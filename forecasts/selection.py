"""Per placement type, the forecast the council's own history says to trust.

Why: the microsimulation is the only model that knows the rules (18 months of framework,
staying put to 21, leaving at 25) and answers "what if", but on a council's own records it
does not always beat "the same as now" (naive): rates estimated over a window lag a trend,
and a type whose history is a handful of young people has nothing to estimate from. So for
each type the forecast is whichever of a few candidates did best on the forecasts that
*could have been scored at the forecast date* (rolling origins a quarter apart before it,
each made from only what the records held then, scored on quarter-ends up to the date):

- ``microsim``: the microsimulation's demand (median of the runs);
- ``microsim_constrained``: its capacity-constrained pass (who is placed, bounded by the
  planned places), a candidate only for a type that was full at the forecast date and whose
  records never held more young people than its places (then the places bound what the
  records show; elsewhere the record is demand and the constrained pass cannot be scored);
- ``trend``: the count now plus a damped straight-line trend of the last eight quarter-ends,
  its slope shrunk towards zero by its own standard error (a noisy slope counts for little);
- ``recent_mean``: the mean of the last four quarter-ends (a count that wanders about a level);
- ``combined``: the mean of the model, the trend, the recent mean and the count now;
- ``naive``: the count now (the fall-back: chosen where the history is too thin to score
  anything, or where no other candidate beat it).

How (:func:`choose`): first one candidate for all types together, then per type the count
now where its history is thin or the common choice lost to it there, or another candidate
where it did clearly better there.

Intervals are empirical: the errors of the same candidate at the same horizon on those past
forecasts (all types pooled, each error divided by the square root of its type's count at its
forecast date so large and small types mix), their quantiles added to the forecast. So the
80% interval is as wide as the past misses say, and its median carries the past bias out.
With too few past errors, the microsimulation's own intervals are used (for the simple
candidates a Poisson spread growing with the horizon).

Pure: frames in, frames out; the backtest (:mod:`forecasts.backtest`) and the forecast's
service call it with forecasts they have made.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

CANDIDATES: tuple[str, ...] = (
    "naive",
    "recent_mean",
    "trend",
    "microsim",
    "microsim_constrained",
    "combined",
)
SIMPLE: frozenset[str] = frozenset({"naive", "recent_mean", "trend", "combined"})
QUANTILES: tuple[float, ...] = (0.025, 0.10, 0.25, 0.50, 0.75, 0.90, 0.975)
QUANTILE_NAMES: tuple[str, ...] = ("lo_95", "lo_80", "lo_50", "median", "hi_50", "hi_80", "hi_95")
INNER_ORIGINS = 8  # earlier forecast dates, a quarter apart, whose errors choose and calibrate
MIN_CASES = 6  # scored past forecasts of a type before its own choice is trusted
MIN_QUARTERS = 6  # quarter-ends of recorded history a type needs before it is forecast
MIN_ERRORS = 20  # pooled past errors at a horizon before intervals are empirical
TREND_QUARTERS = 8  # quarter-ends the trend's slope is fitted on
RECENT_QUARTERS = 4  # quarter-ends the recent mean averages
DAMPING = 0.85  # each quarter ahead the trend adds this share of the previous quarter's step
BIAS_CORRECT = True  # the median carries the past errors' median (their bias) out
MARGIN = 0.95  # a candidate replaces the count now only if its past error is this share or less
LOSE_MARGIN = 1.1  # a type falls back to the count now where the common choice erred this much more
SWITCH_MARGIN = 0.7  # a type takes another candidate only where it erred this share or less

PLAIN_WORDS: dict[str, str] = {
    "microsim": "the forecast model",
    "microsim_constrained": "the forecast model, held to the places planned",
    "trend": "the recent trend",
    "recent_mean": "the average of the last year",
    "combined": "the average of the forecast model, the trend, the last year and the count now",
    "naive": "the count now",
}

REASON_WORDS: dict[str, str] = {
    "won": "it was the most accurate on this council's past forecasts",
    "lost": "nothing beat the count now on this council's past forecasts",
    "thin": "too little history to check anything else against",
}


def census(stays: pd.DataFrame, dates, states: list[str] | None = None) -> pd.DataFrame:
    """Young people in each state on each date (rows = dates, columns = states): a stay is
    open on ``d`` when ``start <= d`` and it has no end or ends after ``d``."""
    from forecasts.frames import with_state

    dates = pd.DatetimeIndex(dates)
    state = with_state(stays).to_numpy()
    # in days, never nanoseconds: a far end date (9999-12-31) would wrap round to 1816
    start = stays["start"].to_numpy("datetime64[D]")
    end = stays["end"].to_numpy("datetime64[D]")
    names = sorted(set(state)) if states is None else list(states)
    out = np.zeros((len(dates), len(names)), dtype=float)
    index = {n: i for i, n in enumerate(names)}
    col = np.array([index.get(s, -1) for s in state])
    keep = col >= 0
    for i, d in enumerate(dates.to_numpy().astype("datetime64[D]")):
        open_ = keep & (start <= d) & (np.isnat(end) | (end > d))
        out[i] = np.bincount(col[open_], minlength=len(names))
    return pd.DataFrame(out, index=dates, columns=names)


def simple_forecasts(series: pd.DataFrame, horizons: int) -> dict[str, np.ndarray]:
    """(H, S) point forecasts of each simple candidate from quarter-end counts up to the
    forecast date (``series``: rows oldest first, last row = the forecast date)."""
    y = series.to_numpy(float)
    now = y[-1]
    recent = y[-RECENT_QUARTERS:].mean(axis=0)
    tail = y[-TREND_QUARTERS:]
    n = len(tail)
    steps = np.cumsum(DAMPING ** np.arange(1, horizons + 1))  # damped quarters of trend
    if n >= 3:
        x = np.arange(n) - (n - 1) / 2
        slope = (x[:, None] * (tail - tail.mean(axis=0))).sum(axis=0) / (x**2).sum()
        resid = tail - tail.mean(axis=0) - slope * x[:, None]
        se2 = (resid**2).sum(axis=0) / max(n - 2, 1) / (x**2).sum()
        # positive-part shrinkage: a slope no bigger than its standard error counts for nothing
        shrink = np.clip(1 - se2 / np.maximum(slope**2, 1e-12), 0, 1)
        slope = slope * shrink
    else:
        slope = np.zeros(y.shape[1])
    trend = np.clip(now[None, :] + steps[:, None] * slope[None, :], 0, None)
    return {
        "naive": np.repeat(now[None, :], horizons, axis=0),
        "recent_mean": np.repeat(recent[None, :], horizons, axis=0),
        "trend": trend,
    }


COMBINED_OF: tuple[str, ...] = ("microsim", "trend", "recent_mean", "naive")


def with_combined(candidates: pd.DataFrame) -> pd.DataFrame:
    """Add the ``combined`` candidate: the mean of :data:`COMBINED_OF`'s points (averaging
    forecasts that err differently is often better than any one of them)."""
    part = candidates[candidates["candidate"].isin(COMBINED_OF)]
    if part.empty:
        return candidates
    keys = ["origin", "h", "state"]
    mean = part.groupby(keys, sort=False)["point"].mean().rename("point").reset_index()
    first = part[part["candidate"] == "microsim"].drop(columns=["point", "candidate"])
    first = first.drop(columns=[c for c in first.columns if c.startswith("q_")])
    combined = first.merge(mean, on=keys).assign(candidate="combined")
    return pd.concat([candidates, combined], ignore_index=True)


def standardiser(level: np.ndarray | pd.Series | float) -> np.ndarray:
    """The scale an error is divided by: the square root of the count at the forecast date
    (at least 1), as for a count whose spread grows like a Poisson count's."""
    return np.sqrt(np.maximum(np.asarray(level, float), 1.0))


@dataclass(frozen=True)
class Choice:
    """Per state, the candidate chosen and why; per (candidate, horizon) the error quantiles."""

    table: pd.DataFrame  # state, model, reason, cases, mae_<candidate>...
    errors: dict[tuple[str, int], np.ndarray]  # standardized error quantiles (7,)

    def model(self, state: str) -> str:
        row = self.table[self.table["state"] == state]
        return str(row["model"].iloc[0]) if len(row) else "naive"


def choose(scored: pd.DataFrame, states: list[str], history_quarters: dict[str, int]) -> Choice:
    """Choose per state from past forecasts already scored (``scored``: one row per past
    forecast date, state, horizon and candidate with ``point``, ``actual`` and ``level``,
    the count at that forecast date). ``history_quarters``: quarter-ends with records of
    the state up to the forecast date (fewer than :data:`MIN_QUARTERS`: too thin).

    Two steps, because a type's own past is a few dozen errors and choosing on it alone
    chases noise: first the candidate with the smallest error over all types together
    (it must beat the count now by :data:`MARGIN`, else the count now); then per type, the
    count now where the history is thin or where that candidate lost to it on the type's
    own past by :data:`LOSE_MARGIN`, and another candidate where it beat the common one
    on the type's own past by :data:`SWITCH_MARGIN`."""
    rows = []
    scored = scored.assign(abs_error=(scored["point"] - scored["actual"]).abs())
    pooled = (
        scored.groupby("candidate")["abs_error"].agg(["mean", "size"])
        if len(scored)
        else pd.DataFrame(columns=["mean", "size"])
    )
    # the candidates every type has (the constrained pass is made only for some)
    common_ok = (
        pooled[pooled["size"] >= pooled["size"].max()]["mean"]
        if len(pooled)
        else pd.Series(dtype=float)
    )
    common = "naive"
    if len(common_ok):
        best = str(common_ok.idxmin())
        if common_ok[best] <= MARGIN * common_ok.get("naive", np.inf):
            common = best
    by_state = dict(tuple(scored.groupby("state"))) if len(scored) else {}
    for state in states:
        part = by_state.get(state)
        mae = (
            part.groupby("candidate")["abs_error"].agg(["mean", "size"])
            if part is not None
            else pd.DataFrame(columns=["mean", "size"])
        )
        record: dict[str, object] = {"state": state, "common": common}
        for name in CANDIDATES:
            record[f"mae_{name}"] = float(mae["mean"].get(name, np.nan))
        cases = int(mae["size"].get("naive", 0)) if len(mae) else 0
        record["cases"] = cases
        if history_quarters.get(state, 0) < MIN_QUARTERS or cases < MIN_CASES:
            record["model"], record["reason"] = "naive", "thin"
            rows.append(record)
            continue
        usable = mae[mae["size"] >= MIN_CASES]["mean"]
        naive = usable.get("naive", np.inf)
        model, reason = common, "won" if common != "naive" else "lost"
        own = usable.get(common, np.inf)
        if common != "naive" and own > LOSE_MARGIN * naive:
            model, reason = "naive", "lost"
        best = str(usable.idxmin())
        ref = usable.get(model, np.inf)
        if best != model and usable[best] <= SWITCH_MARGIN * ref and usable[best] <= MARGIN * naive:
            model, reason = best, "won"
        record["model"], record["reason"] = model, reason
        rows.append(record)
    errors: dict[tuple[str, int], np.ndarray] = {}
    if len(scored):
        z = (scored["actual"] - scored["point"]) / standardiser(scored["level"])
        scored = scored.assign(z=z.to_numpy())
        for (name, h), part in scored.groupby(["candidate", "h"]):
            if len(part) >= MIN_ERRORS:
                errors[(str(name), int(h))] = np.quantile(part["z"], QUANTILES)
    return Choice(pd.DataFrame(rows), errors)


def apply_choice(candidates: pd.DataFrame, choice: Choice) -> pd.DataFrame:
    """One row per (state, horizon) from the chosen candidate: ``model``, ``median`` and the
    interval columns of :data:`QUANTILE_NAMES`. ``candidates`` holds one row per state,
    horizon and candidate with ``point``, ``level`` and, for the microsimulation's
    candidates, its own quantiles (``q_<name>``) used when too few past errors exist."""
    chosen = choice.table.set_index("state")["model"]
    want = candidates["state"].map(chosen).fillna("naive")
    # a candidate not made at this date (the constrained pass for a type no longer full):
    # the forecast model's demand instead
    offered = set(zip(candidates["state"], candidates["candidate"], strict=True))
    missing = [(s, w) not in offered for s, w in zip(candidates["state"], want, strict=True)]
    want = want.where(~np.array(missing), "microsim")
    picked = candidates[candidates["candidate"] == want].copy()
    out = []
    for _, row in picked.iterrows():
        h, name = int(row["h"]), str(row["candidate"])
        scale = float(standardiser(row["level"]))
        q = choice.errors.get((name, h))
        if q is not None:
            values = row["point"] + (q - q[3] * (not BIAS_CORRECT)) * scale
        elif name in SIMPLE:
            from statistics import NormalDist

            z = np.array([NormalDist().inv_cdf(t) for t in QUANTILES])
            values = row["point"] + z * scale * np.sqrt(h)
        else:
            values = np.array([row[f"q_{n}"] for n in QUANTILE_NAMES], float)
        values = np.maximum.accumulate(np.clip(values, 0, None))
        out.append(
            {
                "state": row["state"],
                "h": h,
                "model": name,
                **dict(zip(QUANTILE_NAMES, values, strict=True)),
            }
        )
    return pd.DataFrame(out)


def _interval(point: float, level: float, h: int, name: str, choice: Choice) -> np.ndarray | None:
    """The seven quantiles around ``point`` from the past errors of ``name``: at horizon h,
    or beyond the horizons scored at the last one, widened by sqrt(h / last)."""
    scored = sorted(k for n, k in choice.errors if n == name)
    if not scored:
        return None
    hq = max([k for k in scored if k <= h], default=scored[0])
    q = choice.errors[(name, hq)]
    widen = np.sqrt(h / hq) if h > hq else 1.0
    return point + (q - q[3] * (not BIAS_CORRECT)) * float(standardiser(level)) * widen


def apply_to_demand(
    demand: pd.DataFrame,
    choice: Choice,
    series: pd.DataFrame,
    central: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The forecast's demand table with each type's figures from the forecast chosen for it.

    ``demand``: one scenario's table (:func:`forecasts.outputs.demand_by_quarter`);
    ``series``: quarter-end counts up to the forecast date (last row = the date);
    ``central``: the first scenario's table, so that a scenario's levers still move a type
    whose forecast is a simple one (by the change they make to the model's median). Adds
    ``forecast_used`` (the candidate) and ``model_demand_median`` (the model's own)."""
    from forecasts.vocabulary import state_name

    out = demand.copy()
    out["model_demand_median"] = out["demand_median"]
    out["forecast_used"] = "microsim"
    if out.empty:
        return out
    states = [state_name(t, lot) for t, lot in zip(out["placement_type"], out["lot"], strict=True)]
    quarters = sorted(out["quarter_start"].unique())
    h_of = {q: i + 1 for i, q in enumerate(quarters)}
    simple = simple_forecasts(series, len(quarters))
    columns = list(series.columns)
    shift = np.zeros(len(out))
    if central is not None and len(central) == len(out):
        shift = out["demand_median"].to_numpy(float) - central["demand_median"].to_numpy(float)
    chosen = choice.table.set_index("state")["model"] if len(choice.table) else pd.Series()
    for i, state in enumerate(states):
        name = str(chosen.get(state, "microsim"))
        if name == "microsim" or state not in columns:
            continue
        h = h_of[out["quarter_start"].iloc[i]]
        k = columns.index(state)
        level = float(series[state].iloc[-1])
        model_median = float(out["demand_median"].iloc[i])
        if name == "microsim_constrained":
            if "placed_median" not in out:
                continue
            point = float(out["placed_median"].iloc[i])
        elif name == "combined":
            others = [simple[n][h - 1, k] + shift[i] for n in ("trend", "recent_mean", "naive")]
            point = float(np.mean([model_median, *others]))
        else:
            point = float(simple[name][h - 1, k] + shift[i])
        values = _interval(point, level, h, name, choice)
        if values is None:
            if name == "microsim_constrained":
                values = np.array([out[f"placed_{n}"].iloc[i] for n in QUANTILE_NAMES], float)
            else:
                from statistics import NormalDist

                z = np.array([NormalDist().inv_cdf(t) for t in QUANTILES])
                values = point + z * float(standardiser(level)) * np.sqrt(h)
        values = np.maximum.accumulate(np.clip(values, 0, None))
        for n, v in zip(QUANTILE_NAMES, values, strict=True):
            out.iloc[i, out.columns.get_loc(f"demand_{n}")] = float(v)
        out.iloc[i, out.columns.get_loc("forecast_used")] = name
    return out


def choice_table(choice: Choice) -> pd.DataFrame:
    """Per type: the forecast used and why, in plain words (the inputs page shows it)."""
    reasons = REASON_WORDS
    table = choice.table
    if table.empty:
        return pd.DataFrame(columns=["state", "model", "reason", "forecast_used", "why"])
    return table[["state", "model", "reason", "cases"]].assign(
        forecast_used=[PLAIN_WORDS.get(m, m) for m in table["model"]],
        why=[reasons.get(r, "") for r in table["reason"]],
    )


CHECK_QUARTERS = 4  # the horizons the choice was scored on (planner forecast-backtest)


def with_check(
    demand: pd.DataFrame,
    choice: Choice,
    series: pd.DataFrame,
    central: pd.DataFrame | None = None,
    quarters: int = CHECK_QUARTERS,
) -> pd.DataFrame:
    """The model's demand table, unchanged, with the forecast the backtest chose for each type
    beside it as a check (``forecast_used``, ``check_median``, ``check_lo_80``,
    ``check_hi_80``) for the first ``quarters`` quarters only.

    Why beside and not instead: the shortfalls, places needed, costs and breakdowns all come
    from the model's runs, so a demand figure replaced by a simpler forecast would disagree
    with the chance of a shortfall printed next to it; and the choice was scored one to four
    quarters ahead, so it says nothing about year five. The page says where the check did
    better and gives its figures, so a commissioner sees both."""
    chosen = apply_to_demand(demand, choice, series, central)
    out = demand.copy()
    out["forecast_used"] = chosen["forecast_used"].to_numpy()
    first = sorted(out["quarter_start"].unique())[:quarters] if len(out) else []
    shown = out["quarter_start"].isin(first).to_numpy() & (out["forecast_used"] != "microsim")
    for name in ("median", "lo_80", "hi_80"):
        out[f"check_{name}"] = np.where(shown, chosen[f"demand_{name}"].to_numpy(float), np.nan)
    return out
