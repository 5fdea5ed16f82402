"""Aggregate mode: forecasts for councils that have only the DfE's published statistics.

Input is a tidy frame (``la_code, age_group, measure, year, value`` and optionally ``status``;
suppressed cells NaN with ``status == "c"``), as :mod:`planner.forecasting.published` reads it.
Output has one row per council, age group, measure and year: ``median, lo_50, hi_50, lo_80,
hi_80, lo_95, hi_95``.

What the backtests taught (the reference's own check and ours): the naive forecast ("same as
last year") beats fitted trends; council counts vary far more than Poisson; intervals
calibrated across councils cover well. So every forecast here is **naive plus a correction
that is shrunk toward naive**, and every interval is **calibrated on forecast errors that the
same method made earlier**, pooled across ~150 councils. Each horizon ``h`` has its own
direct model, fitted on the pairs of years ``(t, t + h)`` with ``t + h <= origin``:

- **Care leavers in touch (``total``)**, on the log scale: ``log(y_{t+h} / y_t) = drift +
  b1 * rev + b2 * feed``. ``rev`` is the log of the mean of the two previous years over this
  year (a count that jumped tends to fall back); ``feed`` is the log ratio of the *other* age
  group to this one, centred across councils (19-21 year olds are last years' 17-18 year olds,
  so a council with many 17-18 year olds for its size will see its 19-21 group grow). Slopes
  are fitted within years (year fixed effects), the drift is the mean of the yearly effects.
- **In unsuitable accommodation (``unsuitable``)**, on the square-root scale (which steadies
  the variance of small counts): ``sqrt(u_{t+h}) - sqrt(u_t) = drift + b . (mean of the last
  three years, size times the pooled share, suppressed-at-t flag)``.

**Shrinkage toward naive.** The slopes are multiplied by a weight ``lam`` in {0, .25, .5, .75,
1}, chosen by leave-one-year-out within the training window (fit on the other years, forecast
the held-out year, least absolute error in counts). With one training year there is nothing
to hold out and ``lam = 0.5``, fixed in advance.

**Intervals.** Split-conformal: the residuals of those held-out forecasts (in-sample when there
is one training year), normalised by a fitted scale (``sqrt(a + b / size)`` for log ratios,
``sqrt(a + b * count)`` for square roots), pooled across councils; their quantiles (widened by
``(n + 1) / n``) times each council's scale give its 50/80/95% interval, and the median takes
the residuals' median. A horizon with no pair of years yet (two years ahead from the second
published year) iterates the one-year model for the median and scales its quantiles by
``sqrt(h)``; while fewer than two years of direct pairs exist, the scaled one-year residuals
are pooled with the direct ones.

**Suppressed small counts.** DfE publishes 0 or at least 6; ``c`` hides 1-5. In a history a
suppressed cell enters as the mid-point 3 in means and shares, and as a flag the regression
prices (so no suppressed cell is read as 0, or dropped in a way that biases the share up). As
a training target a suppressed cell is five outcomes 1, 2, 3, 4, 5 of weight 1/5 each (the
uniform assumption), in the fit, the choice of ``lam`` and the residual quantiles alike.

Only data up to and including the origin year are read, for the forecast and every tuning
step alike.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecasts.metrics import accuracy_table
from forecasts.published_calibration import (
    conformal_levels,
    conformal_quantiles,
    scale,
    weighted_quantile,
)

LEVELS = (50, 80, 95)
PROBS = np.array([0.5, 0.25, 0.75, 0.10, 0.90, 0.025, 0.975])
COLUMNS = ["median", "lo_50", "hi_50", "lo_80", "hi_80", "lo_95", "hi_95"]
SUPPRESSED = "c"
SUPPRESSED_VALUES = np.arange(1.0, 6.0)  # what "c" hides in the care leavers' tables
IMPUTE = 3.0  # the mid-point of 1-5, for means and shares of a history
LAMBDAS = (0.0, 0.25, 0.5, 0.75, 1.0)
DEFAULT_LAMBDA = 0.5
MIN_RESIDUALS = 30
POOL_AGES = True


# ---------------------------------------------------------------------------------------------
# the panel up to the origin


@dataclass
class _Panel:
    years: list[int]
    ages: list[str]
    total: dict[str, pd.DataFrame]  # age -> la_code x year (NaN = not published)
    unsuitable: dict[str, pd.DataFrame]  # published values only
    suppressed: dict[str, pd.DataFrame]  # True where the unsuitable cell is "c"

    def other(self, age: str) -> str | None:
        rest = [a for a in self.ages if a != age]
        return rest[0] if rest else None

    def imputed(self, age: str) -> pd.DataFrame:
        """Unsuitable counts with suppressed cells at the mid-point of 1-5."""
        return self.unsuitable[age].mask(self.suppressed[age], IMPUTE)


def _panel(counts: pd.DataFrame, origin: int) -> _Panel:
    known = counts[counts["year"] <= origin]
    years = sorted(int(y) for y in known["year"].unique())
    ages = sorted(known["age_group"].unique())
    councils = sorted(known["la_code"].unique())
    status = known["status"] if "status" in known else pd.Series("", index=known.index)
    known = known.assign(_suppressed=status.fillna("").astype(str).str.lower() == SUPPRESSED)

    def wide(measure: str, age: str, column: str) -> pd.DataFrame:
        part = known[(known["measure"] == measure) & (known["age_group"] == age)]
        table = part.pivot_table(
            index="la_code", columns="year", values=column, aggfunc="first", dropna=False
        )
        return table.reindex(index=councils, columns=years).astype(float)

    total = {a: wide("total", a, "value") for a in ages}
    unsuitable = {a: wide("unsuitable", a, "value") for a in ages}
    suppressed = {
        a: wide("unsuitable", a, "_suppressed").fillna(0).astype(bool) & unsuitable[a].isna()
        for a in ages
    }
    return _Panel(years, ages, total, unsuitable, suppressed)


# ---------------------------------------------------------------------------------------------
# features at a year t (only columns up to t are read)


def _total_features(panel: _Panel, age: str, t: int) -> pd.DataFrame:
    table = panel.total[age].where(panel.total[age] > 0)
    y = table[t]
    past = [c for c in (t - 1, t - 2) if c in table.columns]
    rev = np.log(table[past].mean(axis=1)) - np.log(y) if past else pd.Series(0.0, index=y.index)
    other = panel.other(age)
    if other is not None:
        feed = np.log(panel.total[other][t].where(lambda v: v > 0) / y)
        feed = feed - feed.median()
    else:
        feed = pd.Series(0.0, index=y.index)
    frame = pd.DataFrame({"level": y, "rev": rev, "feed": feed})
    return frame.replace([np.inf, -np.inf], np.nan).fillna({"rev": 0.0, "feed": 0.0})


TOTAL_FEATURES = ["rev", "feed"]


def _unsuitable_features(panel: _Panel, age: str, t: int) -> pd.DataFrame:
    imputed = panel.imputed(age)
    total = panel.total[age]
    known = imputed[t].notna()
    last = imputed[t]
    window = [c for c in (t, t - 1, t - 2) if c in imputed.columns]
    mean3 = imputed[window].mean(axis=1)
    both = imputed[t].notna() & total[t].notna()
    share = imputed[t][both].sum() / max(total[t][both].sum(), 1.0)
    expected = share * total[t]
    naive_z = np.sqrt(last)
    frame = pd.DataFrame(
        {
            "level": last,
            "naive_z": naive_z,
            "mean3": np.sqrt(mean3) - naive_z,
            "expected": np.sqrt(expected) - naive_z,
            "flag": panel.suppressed[age][t].astype(float),
        }
    )
    frame = frame[known].copy()
    frame["expected"] = frame["expected"].fillna(0.0)
    return frame


UNSUITABLE_FEATURES = ["mean3", "expected", "flag"]


# ---------------------------------------------------------------------------------------------
# training rows: one per council, age group and year t with t + h <= origin (suppressed
# targets as five rows of weight 1/5)


def _total_rows(panel: _Panel, age: str, h: int) -> pd.DataFrame:
    rows = []
    for t in panel.years:
        if t + h not in panel.years:
            continue
        x = _total_features(panel, age, t)
        future = panel.total[age][t + h]
        ok = (x["level"] > 0) & (future > 0)
        part = x[ok].assign(year=t, actual=future[ok], weight=1.0)
        part["target"] = np.log(part["actual"] / part["level"])
        rows.append(part)
    return pd.concat(rows) if rows else pd.DataFrame()


def _unsuitable_rows(panel: _Panel, age: str, h: int) -> pd.DataFrame:
    rows = []
    for t in panel.years:
        if t + h not in panel.years:
            continue
        x = _unsuitable_features(panel, age, t)
        future = panel.unsuitable[age][t + h].reindex(x.index)
        hidden = panel.suppressed[age][t + h].reindex(x.index).fillna(False).astype(bool)
        published = x[future.notna()].assign(actual=future[future.notna()], weight=1.0)
        rows.append(published.assign(year=t))
        for value in SUPPRESSED_VALUES:
            part = x[hidden].assign(actual=value, weight=1.0 / len(SUPPRESSED_VALUES))
            rows.append(part.assign(year=t))
    if not rows:
        return pd.DataFrame()
    out = pd.concat(rows)
    out["target"] = np.sqrt(out["actual"]) - out["naive_z"]
    return out


# ---------------------------------------------------------------------------------------------
# the shrunk direct model


@dataclass
class _Fit:
    drift: float
    beta: np.ndarray
    lam: float

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.drift + x @ (self.lam * self.beta)


def _demean(values: np.ndarray, year: np.ndarray, weight: np.ndarray) -> np.ndarray:
    out = values.astype(float).copy()
    for y in np.unique(year):
        sel = year == y
        out[sel] -= np.average(values[sel], axis=0, weights=weight[sel])
    return out


def _fit(rows: pd.DataFrame, features: list[str], lam: float) -> _Fit:
    x = rows[features].to_numpy(float)
    target = rows["target"].to_numpy(float)
    year = rows["year"].to_numpy()
    w = rows["weight"].to_numpy(float)
    root = np.sqrt(w)[:, None]
    xd, td = _demean(x, year, w), _demean(target, year, w)
    beta = np.linalg.lstsq(xd * root, td * root[:, 0], rcond=None)[0]
    rest = target - x @ (lam * beta)
    effects = [np.average(rest[year == y], weights=w[year == y]) for y in np.unique(year)]
    return _Fit(float(np.mean(effects)), beta, lam)


@dataclass
class _Model:
    fit: _Fit
    quantiles: np.ndarray  # normalised residual quantiles, PROBS order
    a: float
    b: float
    years: int  # years of direct pairs the model was fitted on
    scores: np.ndarray  # the normalised residuals behind the quantiles
    weights: np.ndarray


def _to_count(measure: str, rows: pd.DataFrame, prediction: np.ndarray) -> np.ndarray:
    if measure == "total":
        return rows["level"].to_numpy(float) * np.exp(prediction)
    return np.clip(rows["naive_z"].to_numpy(float) + prediction, 0, None) ** 2


def _scale_x(measure: str, rows: pd.DataFrame) -> np.ndarray:
    if measure == "total":
        return 1.0 / rows["level"].to_numpy(float)
    return rows["level"].to_numpy(float)


def _held_out(rows: pd.DataFrame, features: list[str], measure: str):
    """Choose ``lam`` by leave-one-year-out; return it with the held-out residuals."""
    years = sorted(rows["year"].unique())
    if len(years) < 2:
        fit = _fit(rows, features, DEFAULT_LAMBDA)
        residual = rows["target"].to_numpy(float) - fit.predict(rows[features].to_numpy(float))
        return DEFAULT_LAMBDA, residual, rows
    best = None
    for lam in LAMBDAS:
        loss, residuals, parts = 0.0, [], []
        for held in years:
            train, test = rows[rows["year"] != held], rows[rows["year"] == held]
            fit = _fit(train, features, lam)
            prediction = fit.predict(test[features].to_numpy(float))
            error = np.abs(_to_count(measure, test, prediction) - test["actual"].to_numpy(float))
            loss += float((error * test["weight"].to_numpy(float)).sum())
            residuals.append(test["target"].to_numpy(float) - prediction)
            parts.append(test)
        if best is None or loss < best[0] - 1e-9:
            best = (loss, lam, np.concatenate(residuals), pd.concat(parts))
    assert best is not None, "at least one shrinkage weight is always tried"
    return best[1], best[2], best[3]


def _model(rows: pd.DataFrame, features: list[str], measure: str, extra=None) -> _Model:
    """Fit, choose the shrinkage and calibrate; ``extra`` = (residuals, rows) pooled in."""
    lam, residual, used = _held_out(rows, features, measure)
    fit = _fit(rows, features, lam)
    x = _scale_x(measure, used)
    w = used["weight"].to_numpy(float)
    if extra is not None:
        residual = np.concatenate([residual, extra[0]])
        x = np.concatenate([x, _scale_x(measure, extra[1])])
        w = np.concatenate([w, extra[1]["weight"].to_numpy(float)])
    if w.sum() < MIN_RESIDUALS:
        raise ValueError(f"too few councils with published years up to the origin ({measure})")
    q, a, b = conformal_quantiles(residual, x, PROBS, w)
    scores = residual / scale(a, b, x)
    return _Model(fit, q, a, b, int(rows["year"].nunique()), scores, w)


def _models(panel: _Panel, measure: str, horizon: int) -> dict[tuple[str, int], _Model]:
    """One model per age group and horizon with direct pairs; horizons without any pair are
    left out (the caller iterates the one-year model)."""
    rows_of = _total_rows if measure == "total" else _unsuitable_rows
    features = TOTAL_FEATURES if measure == "total" else UNSUITABLE_FEATURES
    out = {}
    for age in panel.ages:
        one = rows_of(panel, age, 1)
        if one.empty:
            raise ValueError("need at least two years up to the origin")
        out[(age, 1)] = _model(one, features, measure)
        _, residual1, used1 = _held_out(one, features, measure)
        for h in range(2, horizon + 1):
            rows = rows_of(panel, age, h)
            if rows.empty:
                continue
            extra = None
            if rows["year"].nunique() < 2:
                ratio = _spread_ratio(rows, one, features, out[(age, 1)].fit.lam)
                extra = (residual1 * ratio, used1)
            out[(age, h)] = _model(rows, features, measure, extra)
    if POOL_AGES:
        _pool_quantiles(out)
    return out


def _pool_quantiles(models: dict[tuple[str, int], _Model]) -> None:
    """Quantiles of the normalised residuals pooled over the age groups of each horizon (each
    group keeps its own scale): twice the councils behind every quantile, and one group's
    shock in a year no longer sets its intervals alone."""
    for h in {key[1] for key in models}:
        group = [m for key, m in models.items() if key[1] == h]
        scores = np.concatenate([m.scores for m in group])
        w = np.concatenate([m.weights for m in group])
        n_effective = w.sum() ** 2 / max((w**2).sum(), 1e-12)
        q = weighted_quantile(scores, conformal_levels(PROBS, n_effective), w)
        for m in group:
            m.quantiles = q


def _spread_ratio(rows: pd.DataFrame, one: pd.DataFrame, features: list[str], lam: float):
    """How much wider h-year residuals are than one-year residuals, measured in-sample on the
    same origin years ``t`` (so one year's shock does not pass for growth with the horizon)."""
    one = one[one["year"].isin(rows["year"].unique())]
    spreads = []
    for part in (rows, one):
        fit = _fit(part, features, lam)
        e = part["target"].to_numpy(float) - fit.predict(part[features].to_numpy(float))
        spreads.append(np.average(e**2, weights=part["weight"].to_numpy(float)))
    return float(np.sqrt(spreads[0] / spreads[1]))


def _quantiles(measure: str, model: _Model, x: pd.DataFrame, point: np.ndarray, stretch=1.0):
    """Forecast quantiles (PROBS order) in counts for feature rows ``x``."""
    s = scale(model.a, model.b, _scale_x(measure, x))[:, None] * stretch
    centre = point[:, None] + s * model.quantiles[None, :]
    if measure == "total":
        values = x["level"].to_numpy(float)[:, None] * np.exp(centre)
    else:
        values = np.clip(x["naive_z"].to_numpy(float)[:, None] + centre, 0, None) ** 2
    return np.sort(values, axis=1)[:, np.argsort(np.argsort(PROBS))]


def _frame(values: np.ndarray, index: pd.Index, age: str, measure: str, year: int):
    frame = pd.DataFrame(values, columns=COLUMNS, index=index)
    frame.index.name = "la_code"
    return frame.reset_index().assign(age_group=age, measure=measure, year=year)


# ---------------------------------------------------------------------------------------------
# forecasts


def forecast_totals(counts: pd.DataFrame, origin: int, horizon: int) -> pd.DataFrame:
    """Care leavers in touch per council and age group, years origin+1 .. origin+horizon."""
    panel = _panel(counts, origin)
    models = _models(panel, "total", horizon)
    # a council with no figure at the origin carries its last published one forward
    for age in panel.ages:
        panel.total[age] = panel.total[age].ffill(axis=1)
    rows, medians = [], {}
    for h in range(1, horizon + 1):
        year = origin + h
        for age in panel.ages:
            if (age, h) in models:
                model, x, stretch = models[(age, h)], _total_features(panel, age, origin), 1.0
                point = model.fit.predict(x[TOTAL_FEATURES].to_numpy(float))
            else:
                # no pair of years this far apart yet: iterate the one-year model from the
                # previous year's medians; quantiles scaled by sqrt(h)
                model, stretch = models[(age, 1)], np.sqrt(h)
                step = _total_features(panel, age, year - 1)
                x = _total_features(panel, age, origin)
                log_step = model.fit.predict(step[TOTAL_FEATURES].to_numpy(float))
                point = np.log(step["level"].to_numpy(float) / x["level"].to_numpy(float))
                point = point + log_step
            keep = x["level"].to_numpy(float) > 0
            values = _quantiles("total", model, x[keep], point[keep], stretch)
            rows.append(_frame(values, x.index[keep], age, "total", year))
            medians[age] = pd.Series(values[:, 0], index=x.index[keep])
        for age in panel.ages:  # the medians become year's column for the next step
            panel.total[age][year] = medians[age].reindex(panel.total[age].index)
    return pd.concat(rows, ignore_index=True)


def forecast_unsuitable(counts: pd.DataFrame, origin: int, horizon: int) -> pd.DataFrame:
    """Care leavers in unsuitable accommodation per council and age group."""
    panel = _panel(counts, origin)
    models = _models(panel, "unsuitable", horizon)
    rows = []
    for h in range(1, horizon + 1):
        for age in panel.ages:
            x = _unsuitable_features(panel, age, origin)
            if (age, h) in models:
                model, stretch = models[(age, h)], 1.0
            else:  # no pair this far apart yet: the one-year model, quantiles scaled
                model, stretch = models[(age, 1)], np.sqrt(h)
            point = model.fit.predict(x[UNSUITABLE_FEATURES].to_numpy(float))
            values = _quantiles("unsuitable", model, x, point, stretch)
            rows.append(_frame(values, x.index, age, "unsuitable", origin + h))
    return pd.concat(rows, ignore_index=True)


def forecast_published(counts: pd.DataFrame, origin: int, horizon: int) -> pd.DataFrame:
    """Both measures, every council and age group: the aggregate-mode forecast."""
    if horizon < 1:
        raise ValueError("the horizon must be at least one year")
    years = counts["year"]
    if origin < years.min() + 1:
        raise ValueError(f"need at least two years up to the origin; data start {years.min()}")
    known = counts[counts["year"] <= origin]
    out = pd.concat(
        [forecast_totals(known, origin, horizon), forecast_unsuitable(known, origin, horizon)],
        ignore_index=True,
    )
    out = out[["la_code", "age_group", "measure", "year", *COLUMNS]]
    return out.sort_values(["la_code", "age_group", "measure", "year"]).reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# backtest


def backtest_published(
    counts: pd.DataFrame, horizons: tuple[int, ...] = (1, 2), include_suppressed: bool = False
) -> pd.DataFrame:
    """Every origin with a later published year: forecast with data up to the origin only,
    compare with what was published. One row per council, age group, measure, origin and
    horizon. By default only published actuals with a published origin figure are kept (the
    naive forecast needs one); with ``include_suppressed`` the rows whose actual or origin
    figure is suppressed (``c``, 1-5) are kept too, flagged in ``suppressed_actual`` and
    ``suppressed_naive`` with NaN values, for :func:`suppressed_accuracy`."""
    years = sorted(counts["year"].unique())
    keys = ["la_code", "age_group", "measure", "year"]
    indexed = counts.set_index(keys)
    status = (
        indexed["status"].fillna("").astype(str).str.lower()
        if "status" in indexed
        else pd.Series("", index=indexed.index)
    )
    rows = []
    for origin in years[1:-1]:
        known = counts[counts["year"] <= origin]
        horizon = min(max(horizons), years[-1] - origin)
        forecast = forecast_published(known, origin, horizon)
        forecast["horizon"] = forecast["year"] - origin
        forecast = forecast[forecast["horizon"].isin(horizons)].copy()
        at = pd.MultiIndex.from_frame(forecast[keys])
        at_origin = pd.MultiIndex.from_arrays(
            [forecast[k] for k in keys[:3]] + [np.full(len(forecast), origin)]
        )
        forecast["actual"] = indexed["value"].reindex(at).to_numpy()
        forecast["naive"] = indexed["value"].reindex(at_origin).to_numpy()
        forecast["suppressed_actual"] = (status.reindex(at) == SUPPRESSED).to_numpy()
        forecast["suppressed_naive"] = (status.reindex(at_origin) == SUPPRESSED).to_numpy()
        forecast["origin"] = origin
        rows.append(forecast)
    out = pd.concat(rows, ignore_index=True)
    scored = out["actual"].notna() & out["naive"].notna()
    if include_suppressed:
        scored = (out["actual"].notna() | out["suppressed_actual"]) & (
            out["naive"].notna() | out["suppressed_naive"]
        )
    return out[scored].reset_index(drop=True)


def published_accuracy(rows: pd.DataFrame) -> pd.DataFrame:
    """WAPE, MASE against naive, bias, coverage and interval scores by measure, age group and
    horizon, plus pooled over age groups (published actuals only)."""
    rows = rows[rows["actual"].notna() & rows["naive"].notna()]
    by_age = accuracy_table(rows, ["measure", "age_group", "horizon"])
    pooled = accuracy_table(rows.assign(age_group="all"), ["measure", "age_group", "horizon"])
    return pd.concat([by_age, pooled], ignore_index=True)


def suppressed_accuracy(rows: pd.DataFrame) -> pd.DataFrame:
    """The same measures with suppressed cells scored rather than dropped: a suppressed actual
    is each of 1, 2, 3, 4, 5 with weight 1/5 (so an error is the mean over the five, and
    coverage the share of the five inside the interval); a suppressed origin figure makes the
    naive forecast 3, the mid-point. Pooled over age groups, by measure and horizon."""
    rows = rows.copy()
    rows["naive"] = rows["naive"].where(~rows["suppressed_naive"].astype(bool), IMPUTE)
    hidden = rows["suppressed_actual"].astype(bool) & rows["actual"].isna()
    published = rows[~hidden].assign(weight=1.0)
    expanded = [published]
    for value in SUPPRESSED_VALUES:
        expanded.append(rows[hidden].assign(actual=value, weight=1 / len(SUPPRESSED_VALUES)))
    rows = pd.concat(expanded, ignore_index=True)
    out = []
    for (measure, horizon), g in rows.groupby(["measure", "horizon"]):
        w = g["weight"].to_numpy(float)
        actual = g["actual"].to_numpy(float)
        err = np.abs(g["median"].to_numpy(float) - actual)
        naive_err = np.abs(g["naive"].to_numpy(float) - actual)
        line = {
            "measure": measure,
            "age_group": "all",
            "horizon": horizon,
            "forecasts": int(round(w.sum())),
            "suppressed": int(round(w[w < 1].sum())),
            "wape": (w * err).sum() / (w * actual).sum(),
            "wape_naive": (w * naive_err).sum() / (w * actual).sum(),
            "mase": (w * err).sum() / (w * naive_err).sum(),
            "bias": float(np.average(g["median"].to_numpy(float) - actual, weights=w)),
        }
        for level in LEVELS:
            lo, hi = g[f"lo_{level}"].to_numpy(float), g[f"hi_{level}"].to_numpy(float)
            inside = (actual >= lo) & (actual <= hi)
            line[f"coverage_{level}"] = float(np.average(inside, weights=w))
        out.append(line)
    return pd.DataFrame(out)
