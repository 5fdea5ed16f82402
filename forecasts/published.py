"""Aggregate mode: forecasts for councils that have only the DfE's published statistics.

Input is a tidy frame (``la_code, age_group, measure, year, value``; suppressed cells NaN),
as :mod:`planner.published_stats` reads it. Output has one row per council, age group,
measure and year: ``median, lo_50, hi_50, lo_80, hi_80, lo_95, hi_95``.

Why not Poisson intervals: council counts vary far more than Poisson (the reference's own
check: nominal 95% Poisson bands covered 55-92%). Why not each council's own trend: with 4-5
annual points a trend is noise, and the naive forecast beats fitted trends. So:

- **Care leavers in touch (``total``)**: the forecast for year ``L + h`` from the last
  published value ``y_L`` is ``y_L * exp(q)``, where ``q`` runs over the quantiles of
  ``log(y_{t+h} / y_t)`` pooled across *all* councils and all pairs of years up to the
  origin. The median carries the national drift (numbers have grown), and the intervals are
  calibrated across about 150 councils instead of guessed from one. Horizons with no pairs
  yet are scaled from one-year ratios (drift times h, spread times sqrt(h)).
- **In unsuitable accommodation (``unsuitable``)**: small counts with zeros and suppression,
  so a ratio of logs is unusable. The forecast is the total's median times the council's
  share in unsuitable accommodation over its last three published years, shrunk toward the
  pooled share of all councils with the weight of ``share_prior`` young people; intervals
  come from the quantiles of ``sqrt(actual) - sqrt(forecast)`` of the same forecasts made at
  earlier origins (square roots steady the variance of counts), pooled across councils.

Only data up to and including the origin year are read, for the forecast and for the
calibration alike.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecasts.metrics import accuracy_table

LEVELS = (50, 80, 95)
PROBS = np.array([0.5, 0.25, 0.75, 0.10, 0.90, 0.025, 0.975])
COLUMNS = ["median", "lo_50", "hi_50", "lo_80", "hi_80", "lo_95", "hi_95"]
SHARE_YEARS = 3


def _wide(counts: pd.DataFrame, measure: str, origin: int) -> pd.DataFrame:
    """(la_code, age_group) x year, only years up to the origin."""
    part = counts[(counts["measure"] == measure) & (counts["year"] <= origin)]
    return part.pivot_table(
        index=["la_code", "age_group"],
        columns="year",
        values="value",
        aggfunc="first",
        dropna=False,
    )


def _log_ratios(total: pd.DataFrame, h: int) -> dict[str, np.ndarray]:
    """Pooled log(y_{t+h}/y_t) by age group, from the years in ``total``."""
    years = list(total.columns)
    out = {}
    for age, block in total.groupby(level="age_group"):
        values = []
        for t in years:
            if t + h in years:
                a, b = block[t].to_numpy(float), block[t + h].to_numpy(float)
                ok = (a > 0) & (b > 0)
                values.append(np.log(b[ok] / a[ok]))
        out[age] = np.concatenate(values) if values else np.array([])
    return out


def _ratio_quantiles(total: pd.DataFrame, h: int) -> dict[str, np.ndarray]:
    """Quantiles (in PROBS order) of h-year log-ratios: the direct h-year pairs pooled with
    one-year ratios scaled to h years (drift times h, spread times sqrt(h)), so that a
    horizon with few direct pairs still draws on every year of evidence."""
    direct = _log_ratios(total, h)
    one = _log_ratios(total, 1)
    out = {}
    for age, values in direct.items():
        if len(one[age]) < 30:
            raise ValueError(
                f"too few councils with two published years up to the origin for {age!r}"
            )
        centre = np.median(one[age])
        scaled = h * centre + np.sqrt(h) * (one[age] - centre)
        pooled = values if h == 1 else np.concatenate([values, scaled])
        out[age] = np.quantile(pooled, PROBS)
    return out


def _last_known(wide: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """The last published (non-missing, positive) value and its year, per series."""
    years = np.array(wide.columns)
    values = wide.to_numpy(float)
    known = ~np.isnan(values) & (values > 0)
    idx = np.where(known.any(axis=1), known.shape[1] - 1 - np.argmax(known[:, ::-1], axis=1), -1)
    last = np.where(idx >= 0, values[np.arange(len(values)), np.maximum(idx, 0)], np.nan)
    year = np.where(idx >= 0, years[np.maximum(idx, 0)], -1)
    return pd.Series(last, index=wide.index), pd.Series(year, index=wide.index)


def forecast_totals(counts: pd.DataFrame, origin: int, horizon: int) -> pd.DataFrame:
    """Care leavers in touch per council and age group, years origin+1 .. origin+horizon."""
    total = _wide(counts, "total", origin)
    last, last_year = _last_known(total)
    rows = []
    cache: dict[int, dict[str, np.ndarray]] = {}
    for k in range(1, horizon + 1):
        year = origin + k
        h = (year - last_year).where(last_year > 0)
        for steps in sorted(set(h.dropna().astype(int))):
            if steps not in cache:
                cache[steps] = _ratio_quantiles(total, steps)
            chosen = h == steps
            for age in total.index.get_level_values("age_group").unique():
                sel = chosen & (total.index.get_level_values("age_group") == age)
                if not sel.any():
                    continue
                q = cache[steps][age]
                block = last[sel].to_numpy()[:, None] * np.exp(q)[None, :]
                frame = pd.DataFrame(block, columns=COLUMNS, index=last[sel].index)
                rows.append(frame.assign(year=year, measure="total").reset_index())
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def _share_forecast(counts: pd.DataFrame, at: int, share_prior: float) -> pd.Series:
    """Shrunk share in unsuitable accommodation per series, from data up to ``at``."""
    total = _wide(counts, "total", at)
    unsuitable = _wide(counts, "unsuitable", at).reindex_like(total)
    years = [y for y in total.columns if y > at - SHARE_YEARS]
    both = total[years].notna() & unsuitable[years].notna()
    u = unsuitable[years].where(both).sum(axis=1)
    n = total[years].where(both).sum(axis=1)
    pooled = (u.groupby(level="age_group").sum() / n.groupby(level="age_group").sum()).reindex(
        total.index.get_level_values("age_group")
    )
    return (u + share_prior * pooled.to_numpy()) / (n + share_prior)


def _unsuitable_point(counts, at: int, h: int, share_prior: float) -> pd.Series:
    """Median forecast of the unsuitable count for year at+h made at ``at``."""
    totals = forecast_totals(counts, at, h)
    totals = totals[totals["year"] == at + h].set_index(["la_code", "age_group"])["median"]
    share = _share_forecast(counts, at, share_prior)
    return (totals * share.reindex(totals.index)).dropna()


def forecast_unsuitable(
    counts: pd.DataFrame, origin: int, horizon: int, share_prior: float = 100.0
) -> pd.DataFrame:
    """Care leavers in unsuitable accommodation per council and age group."""
    known = counts[counts["year"] <= origin]
    actual = _wide(known, "unsuitable", origin)
    first_year = int(known["year"].min())
    rows = []
    for h in range(1, horizon + 1):
        residuals: dict[str, list[np.ndarray]] = {}
        for at in range(first_year + 1, origin - h + 1):
            point = _unsuitable_point(known, at, h, share_prior)
            y = actual[at + h].reindex(point.index)
            ok = y.notna()
            diff = np.sqrt(y[ok]) - np.sqrt(point[ok])
            for age, block in diff.groupby(level="age_group"):
                residuals.setdefault(age, []).append(block.to_numpy())
        point = _unsuitable_point(known, origin, h, share_prior)
        for age, block in point.groupby(level="age_group"):
            pooled = np.concatenate(residuals.get(age, [np.array([])]))
            if len(pooled) < 30:
                # no earlier origins yet: one-year residuals scaled by sqrt(h), else Poisson-like
                pooled = np.random.default_rng(0).normal(0, 0.5 * np.sqrt(h), 2000)
            q = np.quantile(pooled, PROBS)
            values = np.clip(np.sqrt(block.to_numpy())[:, None] + q[None, :], 0, None) ** 2
            frame = pd.DataFrame(values, columns=COLUMNS, index=block.index)
            rows.append(frame.assign(year=origin + h, measure="unsuitable").reset_index())
    return pd.concat(rows, ignore_index=True)


def forecast_published(counts: pd.DataFrame, origin: int, horizon: int) -> pd.DataFrame:
    """Both measures, every council and age group: the aggregate-mode forecast."""
    if horizon < 1:
        raise ValueError("the horizon must be at least one year")
    years = counts["year"]
    if origin < years.min() + 1:
        raise ValueError(f"need at least two years up to the origin; data start {years.min()}")
    out = pd.concat(
        [forecast_totals(counts, origin, horizon), forecast_unsuitable(counts, origin, horizon)],
        ignore_index=True,
    )
    out = out[["la_code", "age_group", "measure", "year", *COLUMNS]]
    return out.sort_values(["la_code", "age_group", "measure", "year"]).reset_index(drop=True)


def backtest_published(counts: pd.DataFrame, horizons: tuple[int, ...] = (1, 2)) -> pd.DataFrame:
    """Every origin with a later published year: forecast with data up to the origin only,
    compare with what was published. One row per council, age group, measure, origin and
    horizon (actuals that are suppressed are not scored)."""
    years = sorted(counts["year"].unique())
    rows = []
    for origin in years[1:-1]:
        known = counts[counts["year"] <= origin]
        horizon = min(max(horizons), years[-1] - origin)
        forecast = forecast_published(known, origin, horizon)
        forecast["horizon"] = forecast["year"] - origin
        forecast = forecast[forecast["horizon"].isin(horizons)]
        actual = counts.set_index(["la_code", "age_group", "measure", "year"])["value"]
        forecast["actual"] = actual.reindex(
            pd.MultiIndex.from_frame(forecast[["la_code", "age_group", "measure", "year"]])
        ).to_numpy()
        last = known.set_index(["la_code", "age_group", "measure", "year"])["value"]
        forecast["naive"] = last.reindex(
            pd.MultiIndex.from_arrays(
                [
                    forecast["la_code"],
                    forecast["age_group"],
                    forecast["measure"],
                    np.full(len(forecast), origin),
                ]
            )
        ).to_numpy()
        forecast["origin"] = origin
        rows.append(forecast)
    out = pd.concat(rows, ignore_index=True)
    return out[out["actual"].notna() & out["naive"].notna()].reset_index(drop=True)


def published_accuracy(rows: pd.DataFrame) -> pd.DataFrame:
    """WAPE, MASE against naive, bias, coverage and interval scores by measure, age group and
    horizon, plus pooled over age groups."""
    by_age = accuracy_table(rows, ["measure", "age_group", "horizon"])
    pooled = accuracy_table(rows.assign(age_group="all"), ["measure", "age_group", "horizon"])
    return pd.concat([by_age, pooled], ignore_index=True)
