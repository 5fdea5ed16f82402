"""Aggregate mode's calibration: nominal coverage on synthetic panels with a known distribution,
and no tuning step (shrinkage, spread, quantiles) reads a year after the origin."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasts.published import (
    _models,
    _panel,
    backtest_published,
    forecast_published,
    published_accuracy,
    suppressed_accuracy,
)
from forecasts.published_calibration import conformal_quantiles, scale, weighted_quantile

AGES = ("17 to 18 years", "19 to 21 years")


def synthetic_counts(seed: int, councils: int = 300, years: int = 8) -> pd.DataFrame:
    """A panel with a known law: log sizes follow a random walk with drift 0.03 and sd 0.08,
    counts are Poisson around them; unsuitable is Binomial(total, 6%), and cells 1-5 are
    suppressed as the DfE does."""
    rng = np.random.default_rng(seed)
    rows = []
    for age, base in zip(AGES, (60.0, 180.0), strict=True):
        level = np.log(rng.lognormal(np.log(base), 0.6, councils))
        for k in range(years):
            total = rng.poisson(np.exp(level))
            unsuitable = rng.binomial(total, 0.06)
            hidden = (unsuitable >= 1) & (unsuitable <= 5)
            for i in range(councils):
                code = f"E06{i:06d}"
                rows.append((code, age, "total", 2015 + k, float(total[i]), ""))
                value = np.nan if hidden[i] else float(unsuitable[i])
                rows.append((code, age, "unsuitable", 2015 + k, value, "c" if hidden[i] else ""))
            level = level + 0.03 + rng.normal(0, 0.08, councils)
    return pd.DataFrame(
        rows, columns=["la_code", "age_group", "measure", "year", "value", "status"]
    )


def test_weighted_quantile_matches_numpy_with_equal_weights():
    x = np.random.default_rng(1).normal(size=1001)
    probs = np.array([0.025, 0.25, 0.5, 0.9])
    assert np.allclose(weighted_quantile(x, probs), np.quantile(x, probs, method="hazen"))


def test_normalised_conformal_quantiles_reach_nominal_coverage_on_a_known_law():
    # residuals with sd sqrt(0.01 + 1/size): calibrate on one draw, check on a fresh one
    rng = np.random.default_rng(7)
    probs = np.array([0.5, 0.25, 0.75, 0.10, 0.90, 0.025, 0.975])

    def draw(n):
        size = rng.lognormal(np.log(80), 0.8, n)
        return rng.normal(0, np.sqrt(0.01 + 1 / size)), 1 / size

    residual, x = draw(3000)
    q, a, b = conformal_quantiles(residual, x, probs)
    assert a == pytest.approx(0.01, rel=0.3) and b == pytest.approx(1.0, rel=0.3)
    fresh, x_new = draw(20000)
    s = scale(a, b, x_new)
    for (lo, hi), nominal in zip([(1, 2), (3, 4), (5, 6)], (0.5, 0.8, 0.95), strict=True):
        inside = np.mean((fresh >= q[lo] * s) & (fresh <= q[hi] * s))
        assert abs(inside - nominal) < 0.02, (nominal, inside)
        # per size band too: normalisation gives small and large councils the same coverage
        small = x_new > np.median(x_new)
        inside_small = np.mean(((fresh >= q[lo] * s) & (fresh <= q[hi] * s))[small])
        assert abs(inside_small - nominal) < 0.03


def test_backtest_on_a_synthetic_panel_is_calibrated_and_beats_naive():
    counts = synthetic_counts(3)
    rows = backtest_published(counts, include_suppressed=True)
    accuracy = published_accuracy(rows)
    totals = accuracy[(accuracy["measure"] == "total") & (accuracy["age_group"] == "all")]
    for _, row in totals.iterrows():
        # the drift is real, so the model (naive times the estimated drift) beats naive
        assert row["mase"] < 1.0, row
        for level in (50, 80, 95):
            # within 5 points; the 2-year rows include the first origin, where no 2-year pair
            # exists yet and the one-year spread is scaled by sqrt(2) (wider than this law's)
            assert abs(row[f"coverage_{level}"] - level / 100) < 0.05, (level, row)
    scored = suppressed_accuracy(rows)
    unsuitable = scored[scored["measure"] == "unsuitable"]
    assert (unsuitable["suppressed"] > 0).all()  # suppressed outcomes are scored, not dropped
    for _, row in unsuitable.iterrows():
        for level in (50, 80, 95):
            assert abs(row[f"coverage_{level}"] - level / 100) < 0.04, (level, row)


def test_no_tuning_step_reads_a_year_after_the_origin():
    counts = synthetic_counts(5, councils=120, years=6)
    origin = 2018
    later = counts["year"] > origin
    changed = counts.copy()
    changed.loc[later, "value"] = changed.loc[later, "value"] * 5 + 11
    changed.loc[later & (changed["measure"] == "unsuitable"), "status"] = "c"
    for measure in ("total", "unsuitable"):
        a = _models(_panel(counts, origin), measure, 3)
        b = _models(_panel(changed, origin), measure, 3)
        assert a.keys() == b.keys()
        for key in a:
            # the shrinkage weight, the slopes, the spread model and the quantiles alike
            assert a[key].fit.lam == b[key].fit.lam
            assert np.array_equal(a[key].fit.beta, b[key].fit.beta)
            assert (a[key].a, a[key].b) == (b[key].a, b[key].b)
            assert np.array_equal(a[key].quantiles, b[key].quantiles)
    pd.testing.assert_frame_equal(
        forecast_published(counts, origin, 3), forecast_published(changed, origin, 3)
    )


def test_the_backtest_scores_exactly_the_forecast_made_at_each_origin():
    counts = synthetic_counts(11, councils=80, years=5)
    rows = backtest_published(counts)
    for origin in sorted(rows["origin"].unique()):
        own = forecast_published(counts[counts["year"] <= origin], origin, 1)
        scored = rows[(rows["origin"] == origin) & (rows["horizon"] == 1)]
        merged = scored.merge(own, on=["la_code", "age_group", "measure", "year"])
        assert len(merged) == len(scored)
        assert np.allclose(merged["median_x"], merged["median_y"])
        assert np.allclose(merged["hi_95_x"], merged["hi_95_y"])


def test_suppressed_history_enters_as_small_never_zero():
    counts = synthetic_counts(2, councils=150, years=4)
    table = forecast_published(counts, 2018, 1)
    hidden = counts[(counts["year"] == 2018) & (counts["status"] == "c")]
    merged = table.merge(hidden[["la_code", "age_group", "measure"]])
    assert len(merged) > 20
    assert (merged["hi_95"] >= 1).all()
    assert merged["median"].median() > 0.5
