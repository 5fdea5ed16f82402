"""Aggregate mode per group: for each age group and measure, the model or "same as last year".

Why: pooled over councils and groups the published-statistics model beats naive with
calibrated intervals, but not in every group (17-18 year olds in unsuitable accommodation
lose to naive; 19-21 year olds' unsuitable intervals over-cover). A commissioner reads one
group's figure, so each group must earn its model on its own record, and its intervals must
be right for that group.

How, at an origin year ``T`` (only data up to ``T`` are read):

1. **Track record.** The model (:func:`forecasts.published.forecast_published`) is re-run at
   every earlier origin ``o < T`` with data up to ``o`` only, and each of its forecasts whose
   year is at most ``T`` is scored against what was published, beside the naive forecast (the
   figure at ``o``). Suppressed actuals (``c``, 1-5) count as 1, 2, 3, 4, 5 with weight 1/5
   each, and a suppressed origin figure makes the naive forecast 3 (the mid-point), as in
   :func:`forecasts.published.suppressed_accuracy`.
2. **Choice.** A group (age group x measure) is forecast with the model only if its mean
   absolute error on that record, all horizons pooled, is below naive's; otherwise, and when
   there is no record yet (the first possible origin), it falls back to naive. The record's
   MASE is kept so the fall-back can be said in words.
3. **Intervals, per group (split conformal on past origins).** For the method chosen, each
   past case's score is its distance from the centre in units of the model's own interval
   half-width on that side (``(y - m) / (hi - m)`` above, ``(m - y) / (m - lo)`` below), so a
   large council's wider interval stays wider. The factor for level ``L`` is the weighted
   ``L (n + 1) / n`` quantile of the group's scores at that horizon (or, with no case at that
   horizon yet, at the nearest shorter one); the forecast's half-widths are multiplied by it.
   A group with no record keeps the model's pooled intervals, moved to the naive centre.

:func:`backtest_by_group` scores exactly this procedure at every origin with a later
published year, and :func:`group_accuracy` gives the per-group table the CLI prints.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecasts.published import (
    COLUMNS,
    IMPUTE,
    LEVELS,
    PROBS,
    SUPPRESSED,
    SUPPRESSED_VALUES,
    forecast_published,
)
from forecasts.published_calibration import weighted_quantile

MODEL = "model"
NAIVE = "naive"
GROUP = ["age_group", "measure"]
KEYS = ["la_code", "age_group", "measure", "year"]
MIN_HALF_WIDTH = 0.5  # counts: a zero-width interval (0 to 0) still scales


@dataclass(frozen=True)
class GroupChoice:
    """What one group is forecast with at an origin, and the record that chose it."""

    age_group: str
    measure: str
    method: str  # MODEL or NAIVE
    mase: float  # model's MAE over naive's on the past cases (NaN with no record)
    cases: float  # weighted past cases behind the choice
    origins: tuple[int, ...]  # the past origins scored

    def words(self) -> str:
        """The choice as a sentence for the command's output."""
        measure = (
            "care leavers in touch" if self.measure == "total" else "in unsuitable accommodation"
        )
        group = f"{self.age_group}, {measure}"
        if not self.origins:
            return f"{group}: same as last year (no earlier forecast to judge the model by yet)"
        since = ", ".join(str(o) for o in self.origins)
        if self.method == MODEL:
            return (
                f"{group}: the model (on the forecasts made in {since}, its average error "
                f"was {1 - self.mase:.0%} smaller than same-as-last-year's)"
            )
        gap = f"{self.mase - 1:.0%} larger than" if self.mase > 1 else "no smaller than"
        return (
            f"{group}: same as last year (on the forecasts made in {since}, the model's "
            f"average error was {gap} same-as-last-year's, so it is not used)"
        )


def _status(counts: pd.DataFrame) -> pd.Series:
    if "status" not in counts:
        return pd.Series("", index=counts.index)
    return counts["status"].fillna("").astype(str).str.lower()


def naive_at(counts: pd.DataFrame, origin: int) -> pd.DataFrame:
    """Naive, same as last year: each council's last known figure up to ``origin`` per age
    group and measure (a suppressed figure is the mid-point 3, as the model reads it)."""
    known = counts[counts["year"] <= origin].copy()
    suppressed = _status(known) == SUPPRESSED
    known["naive"] = known["value"].where(~(suppressed & known["value"].isna()), IMPUTE)
    known = known[known["naive"].notna()].sort_values("year")
    last = known.groupby(["la_code", "age_group", "measure"], as_index=False).last()
    return last[["la_code", "age_group", "measure", "naive"]]


def _actuals(counts: pd.DataFrame) -> pd.DataFrame:
    """Published figures as outcomes: a suppressed cell is five rows 1-5 of weight 1/5."""
    suppressed = (_status(counts) == SUPPRESSED) & counts["value"].isna()
    published = counts[counts["value"].notna()][KEYS + ["value"]].assign(weight=1.0)
    hidden = counts[suppressed][KEYS]
    parts = [published.rename(columns={"value": "actual"})]
    for value in SUPPRESSED_VALUES:
        parts.append(hidden.assign(actual=value, weight=1.0 / len(SUPPRESSED_VALUES)))
    return pd.concat(parts, ignore_index=True)


class _Runs:
    """The model's own forecast at each origin (data up to that origin only), computed once
    (recomputed only if a longer horizon is asked for): the forecast at ``o`` does not depend
    on the later origin asking for it."""

    def __init__(self, counts: pd.DataFrame):
        self.counts = counts
        self._cache: dict[int, pd.DataFrame] = {}

    def at(self, origin: int, horizon: int) -> pd.DataFrame:
        cached = self._cache.get(origin)
        if cached is None or cached["horizon"].max() < horizon:
            known = self.counts[self.counts["year"] <= origin]
            table = forecast_published(known, origin, horizon)
            table = table.merge(naive_at(known, origin), how="left")
            cached = table.assign(origin=origin, horizon=table["year"] - origin)
            self._cache[origin] = cached
        return cached[cached["horizon"] <= horizon]


def _past_cases(runs: _Runs, counts: pd.DataFrame, origin: int) -> pd.DataFrame:
    """Every earlier forecast whose year is known at ``origin``, with its outcome."""
    first = int(counts["year"].min()) + 1  # the model needs two years
    known = counts[counts["year"] <= origin]
    actuals = _actuals(known)
    parts = []
    for past in range(first, origin):
        parts.append(runs.at(past, origin - past))  # every year known at the origin
    if not parts:
        return pd.DataFrame()
    cases = pd.concat(parts, ignore_index=True).merge(actuals, on=KEYS)
    return cases[cases["naive"].notna()]


def choose(
    cases: pd.DataFrame, groups: list[tuple[str, str]]
) -> dict[tuple[str, str], GroupChoice]:
    """The model for a group only where it beat naive on that group's past cases."""
    out = {}
    for age, measure in groups:
        part = (
            cases[(cases["age_group"] == age) & (cases["measure"] == measure)]
            if not cases.empty
            else cases
        )
        if part.empty:
            out[(age, measure)] = GroupChoice(age, measure, NAIVE, float("nan"), 0.0, ())
            continue
        w = part["weight"].to_numpy(float)
        y = part["actual"].to_numpy(float)
        model = float((w * np.abs(part["median"].to_numpy(float) - y)).sum())
        naive = float((w * np.abs(part["naive"].to_numpy(float) - y)).sum())
        mase = model / naive if naive > 0 else float("nan")
        method = MODEL if naive > 0 and model < naive else NAIVE
        origins = tuple(sorted(int(o) for o in part["origin"].unique()))
        out[(age, measure)] = GroupChoice(age, measure, method, mase, float(w.sum()), origins)
    return out


def _half_widths(table: pd.DataFrame, level: int) -> tuple[np.ndarray, np.ndarray]:
    """The model's own interval half-widths below and above its median (floored)."""
    m = table["median"].to_numpy(float)
    down = np.maximum(m - table[f"lo_{level}"].to_numpy(float), MIN_HALF_WIDTH)
    up = np.maximum(table[f"hi_{level}"].to_numpy(float) - m, MIN_HALF_WIDTH)
    return down, up


def _centre(table: pd.DataFrame, method: str) -> np.ndarray:
    column = "median" if method == MODEL else "naive"
    return table[column].to_numpy(float)


def _factor(scores: np.ndarray, weights: np.ndarray, level: int) -> float:
    """Split-conformal quantile of non-negative scores at ``level`` with the finite-sample
    widening ``(n + 1) / n`` (n the effective number of cases)."""
    n = weights.sum() ** 2 / max((weights**2).sum(), 1e-12)
    prob = min(level / 100 * (n + 1) / n, 1.0)
    return float(weighted_quantile(scores, [prob], weights)[0])


def factors(cases: pd.DataFrame, method: str, horizon: int) -> dict[int, float] | None:
    """Per level, the multiplier of the model's half-widths that covers the nominal share of
    this group's past cases at ``horizon`` (None with no case at that horizon)."""
    part = cases[cases["horizon"] == horizon] if not cases.empty else cases
    if part.empty:
        return None
    y = part["actual"].to_numpy(float)
    w = part["weight"].to_numpy(float)
    c = _centre(part, method)
    out = {}
    for level in LEVELS:
        down, up = _half_widths(part, level)
        score = np.where(y >= c, (y - c) / up, (c - y) / down)
        out[level] = _factor(score, w, level)
    return out


def _apply(table: pd.DataFrame, method: str, scale: dict[int, float] | None) -> pd.DataFrame:
    """Centre on the chosen method and stretch the model's half-widths by the group's factors
    (kept nested: each wider level contains the narrower one)."""
    out = table.copy()
    c = _centre(table, method)
    previous_lo, previous_hi = c, c
    for level in LEVELS:
        down, up = _half_widths(table, level)
        k = 1.0 if scale is None else scale[level]
        lo = np.minimum(np.clip(c - k * down, 0, None), previous_lo)
        hi = np.maximum(c + k * up, previous_hi)
        out[f"lo_{level}"], out[f"hi_{level}"] = lo, hi
        previous_lo, previous_hi = lo, hi
    out["median"] = c
    out["method"] = method
    return out


def _transform(measure: str, values: np.ndarray) -> np.ndarray:
    """The scale naive's errors are taken on: log for totals, square root for unsuitable."""
    values = np.clip(np.asarray(values, float), 0, None)
    return np.log1p(values) if measure == "total" else np.sqrt(values)


def _untransform(measure: str, values: np.ndarray) -> np.ndarray:
    values = np.asarray(values, float)
    return np.expm1(values) if measure == "total" else np.clip(values, 0, None) ** 2


def _naive_cases(counts: pd.DataFrame, origin: int, horizon: int) -> pd.DataFrame:
    """Naive's own record: every pair of years ``(t, t + horizon)`` with ``t + horizon <=
    origin`` (naive needs one year, so its record starts a year before the model's)."""
    known = counts[counts["year"] <= origin]
    actuals = _actuals(known)
    parts = []
    for t in sorted(int(y) for y in known["year"].unique()):
        if t + horizon > origin:
            continue
        part = naive_at(known, t).assign(year=t + horizon).merge(actuals, on=KEYS)
        parts.append(part)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _apply_naive(
    table: pd.DataFrame, counts: pd.DataFrame, origin: int, h: int, measure: str, age: str
) -> pd.DataFrame:
    """Naive's centre with intervals from the group's own naive errors (split conformal on the
    transformed scale, two-sided, widened ``(n + 1) / n``); with no pair ``h`` years apart yet,
    the nearest shorter horizon's quantiles times ``sqrt(h / nearest)``."""
    out = table.copy()
    c = table["naive"].to_numpy(float)
    for nearest in range(h, 0, -1):
        cases = _naive_cases(counts, origin, nearest)
        if not cases.empty:
            cases = cases[(cases["age_group"] == age) & (cases["measure"] == measure)]
        if not cases.empty:
            break
    else:
        raise ValueError("need at least two years up to the origin")
    w = cases["weight"].to_numpy(float)
    error = _transform(measure, cases["actual"]) - _transform(measure, cases["naive"])
    n = w.sum() ** 2 / max((w**2).sum(), 1e-12)
    probs = np.clip(0.5 + (PROBS - 0.5) * (n + 1) / n, 0, 1)
    q = weighted_quantile(error, probs, w) * np.sqrt(h / nearest)
    centre = _transform(measure, c)
    values = np.sort(_untransform(measure, centre[:, None] + q[None, :]), axis=1)
    ranked = values[:, np.argsort(np.argsort(PROBS))]
    for i, column in enumerate(COLUMNS):
        if column != "median":
            out[column] = ranked[:, i]
    out["median"] = c
    out["method"] = NAIVE
    out["calibrated"] = nearest == h  # else borrowed from a shorter horizon's record
    return out


def _forecast(
    runs: _Runs, counts: pd.DataFrame, origin: int, horizon: int
) -> tuple[pd.DataFrame, dict[tuple[str, str], GroupChoice]]:
    cases = _past_cases(runs, counts, origin)
    table = runs.at(origin, horizon)
    groups = sorted({(a, m) for a, m in zip(table["age_group"], table["measure"], strict=True)})
    choices = choose(cases, groups)
    parts = []
    for (age, measure), choice in choices.items():
        mine = (
            cases[(cases["age_group"] == age) & (cases["measure"] == measure)]
            if not cases.empty
            else cases
        )
        for h in range(1, horizon + 1):
            rows = table[
                (table["age_group"] == age)
                & (table["measure"] == measure)
                & (table["horizon"] == h)
            ]
            if choice.method == NAIVE:
                parts.append(_apply_naive(rows, counts, origin, h, measure, age))
                continue
            scale = None
            for nearest in range(h, 0, -1):  # no case this far ahead yet: the nearest shorter
                scale = factors(mine, MODEL, nearest)
                if scale is not None:
                    break
            parts.append(
                _apply(rows, MODEL, scale).assign(calibrated=scale is not None and nearest == h)
            )
    out = pd.concat(parts, ignore_index=True)
    out = out[[*KEYS, *COLUMNS, "method", "calibrated"]]
    return out.sort_values(KEYS).reset_index(drop=True), choices


def forecast_by_group(
    counts: pd.DataFrame, origin: int, horizon: int
) -> tuple[pd.DataFrame, dict[tuple[str, str], GroupChoice]]:
    """The published forecast as users get it: each group on the model or on naive, chosen by
    its record up to ``origin``, with per-group intervals. Returns the table (with a ``method``
    column) and the choice for each group. (``calibrated``, which says how the backtest
    explains a miss, is not part of it.)"""
    known = counts[counts["year"] <= origin]
    table, choices = _forecast(_Runs(known), known, origin, horizon)
    return table.drop(columns="calibrated"), choices


def backtest_by_group(
    counts: pd.DataFrame, horizons: tuple[int, ...] = (1, 2)
) -> tuple[pd.DataFrame, dict[int, dict[tuple[str, str], GroupChoice]]]:
    """Every origin with a later published year: the per-group forecast made with data up to
    that origin, scored against what was published (suppressed outcomes as 1-5, weight 1/5
    each). Returns the scored rows and each origin's choices, the last year's included (the
    choice forecasts from it make, which nothing can score yet)."""
    years = sorted(int(y) for y in counts["year"].unique())
    runs = _Runs(counts)
    actuals = _actuals(counts)
    rows, choices = [], {}
    for origin in years[1:-1]:
        runs.at(origin, years[-1] - origin)  # once, as far as any later origin looks back
        horizon = min(max(horizons), years[-1] - origin)
        table, chosen = _forecast(runs, counts[counts["year"] <= origin], origin, horizon)
        choices[origin] = chosen
        table = table.assign(origin=origin, horizon=table["year"] - origin)
        table = table[table["horizon"].isin(horizons)]
        table = table.merge(naive_at(counts, origin), how="left").merge(actuals, on=KEYS)
        rows.append(table[table["naive"].notna()])
    groups = sorted(set(zip(counts["age_group"], counts["measure"], strict=True)))
    groups = [g for g in groups if g[1] in {"total", "unsuitable"}]
    choices[years[-1]] = choose(_past_cases(runs, counts, years[-1]), groups)
    return pd.concat(rows, ignore_index=True), choices


COVERAGE_TOLERANCE = 0.05  # each interval within 5 points of its nominal level, per group


def _coverage(g: pd.DataFrame, level: int) -> float:
    y = g["actual"].to_numpy(float)
    inside = (y >= g[f"lo_{level}"].to_numpy(float)) & (y <= g[f"hi_{level}"].to_numpy(float))
    return float(np.average(inside, weights=g["weight"].to_numpy(float)))


def group_targets(rows: pd.DataFrame) -> pd.DataFrame:
    """Per age group, measure and horizon, the per-group targets (MASE at most 1: the model
    beat naive or naive was used; each interval within :data:`COVERAGE_TOLERANCE` of its
    level) and, where an interval misses, why: its coverage by origin, with the method used
    there and whether the interval was calibrated on a record at that horizon or is the
    1-year interval widened (as for a random walk) for want of one."""
    out = []
    table = group_accuracy(rows)
    for line in table.to_dict("records"):
        g = rows[
            (rows["age_group"] == line["age_group"])
            & (rows["measure"] == line["measure"])
            & (rows["horizon"] == line["horizon"])
        ]
        missed = [
            level
            for level in LEVELS
            if abs(line[f"coverage_{level}"] - level / 100) > COVERAGE_TOLERANCE + 1e-9
        ]
        why = ""
        if missed:
            levels = "/".join(str(level) for level in missed)
            shown = "/".join(f"{line[f'coverage_{level}']:.0%}" for level in missed)
            by_origin = []
            for origin, part in g.groupby("origin"):
                held = "/".join(f"{_coverage(part, level):.0%}" for level in missed)
                method = "same as last year" if (part["method"] == NAIVE).all() else "the model"
                how = (
                    f"calibrated on its record {int(line['horizon'])} years ahead"
                    if part["calibrated"].all()
                    else "no record this far ahead: the 1-year interval, widened"
                )
                by_origin.append(f"made in {int(origin)} ({method}, {how}) {held}")
            why = f"the {levels}% intervals held {shown}; by origin: " + ", ".join(by_origin)
        out.append(
            {
                "age_group": line["age_group"],
                "measure": line["measure"],
                "horizon": int(line["horizon"]),
                "mase": line["mase"],
                "mase_met": bool(line["mase"] <= 1 + 1e-9),
                "coverage_met": not missed,
                "why": why,
            }
        )
    return pd.DataFrame(out)


def group_accuracy(rows: pd.DataFrame) -> pd.DataFrame:
    """Per age group, measure and horizon: weighted cases, MASE against naive, bias and the
    coverage of each interval (suppressed outcomes weighted 1/5 each)."""
    out = []
    for (age, measure, horizon), g in rows.groupby(["age_group", "measure", "horizon"]):
        w = g["weight"].to_numpy(float)
        y = g["actual"].to_numpy(float)
        err = np.abs(g["median"].to_numpy(float) - y)
        naive_err = np.abs(g["naive"].to_numpy(float) - y)
        line = {
            "age_group": age,
            "measure": measure,
            "horizon": int(horizon),
            "forecasts": int(round(w.sum())),
            "mase": float((w * err).sum() / max((w * naive_err).sum(), 1e-12)),
            "bias": float(np.average(g["median"].to_numpy(float) - y, weights=w)),
        }
        for level in LEVELS:
            line[f"coverage_{level}"] = _coverage(g, level)
        out.append(line)
    return pd.DataFrame(out)
