"""The backtest says, per horizon, whether the targets were met and, where not, why: from
the rows themselves (whether any candidate reached the target in hindsight, how often the
count now was used, on which side the counts fell outside the 80% range)."""

from __future__ import annotations

import pandas as pd
import pytest

from forecasts.backtest import hindsight_mase, targets_verdict


def _rows(*, used: str, trend_error: float, inside: int, above: int = 0) -> pd.DataFrame:
    """Two types x 10 origins, one quarter ahead. Counts move by 4 each time (so the count
    now errs by 4); the trend candidate errs by ``trend_error``; the forecast used is
    ``used``; ``inside`` of each type's 10 counts fall in the 80% range, ``above`` of the
    others above it (the rest below)."""
    rows = []
    for state in ("staying_put", "staying_close"):
        for k in range(10):
            actual = 20.0 + 4 * (k % 2)
            naive = actual - 4 if k % 2 else actual + 4
            trend = actual + trend_error
            median = naive if used == "naive" else trend
            if k < inside:
                lo, hi = actual - 1, actual + 1
            elif k < inside + above:
                lo, hi = actual - 3, actual - 2  # the count came out above the range
            else:
                lo, hi = actual + 2, actual + 3
            rows.append(
                {
                    "origin": pd.Timestamp("2024-03-31") + pd.offsets.QuarterEnd(k),
                    "horizon_quarters": 1,
                    "state": state,
                    "model": used,
                    "actual": actual,
                    "naive": naive,
                    "median": median,
                    "lo_80": lo,
                    "hi_80": hi,
                    "point_naive": naive,
                    "point_trend": trend,
                }
            )
    return pd.DataFrame(rows)


def test_met_when_the_error_is_below_the_target_and_the_range_holds_eight_in_ten():
    verdict = targets_verdict(_rows(used="trend", trend_error=1.0, inside=8, above=1))
    row = verdict.iloc[0]
    assert row["mase"] == pytest.approx(0.25)
    assert row["coverage_80"] == pytest.approx(0.8)
    assert bool(row["met"]) and row["why"] == ""


def test_a_miss_the_choice_could_have_avoided_says_so():
    # the count now was used everywhere, yet the trend (error 1 against 4) was on offer
    verdict = targets_verdict(_rows(used="naive", trend_error=1.0, inside=8))
    row = verdict.iloc[0]
    assert row["mase"] == pytest.approx(1.0) and not row["met"]
    assert row["mase_hindsight"] == pytest.approx(0.25)
    assert row["count_now_share"] == pytest.approx(1.0)
    assert "chosen in hindsight would give 0.25" in row["why"]
    assert "the count now was used for 100%" in row["why"]


def test_a_miss_no_candidate_could_avoid_says_so():
    # the trend erred more than the count now: nothing on offer beats it, even in hindsight
    verdict = targets_verdict(_rows(used="naive", trend_error=6.0, inside=8))
    row = verdict.iloc[0]
    assert row["mase_hindsight"] == pytest.approx(1.0)
    assert "no forecast on offer reaches 0.9" in row["why"]


def test_a_range_too_narrow_says_on_which_side_the_counts_fell():
    verdict = targets_verdict(_rows(used="trend", trend_error=1.0, inside=6, above=3))
    row = verdict.iloc[0]
    assert row["coverage_80"] == pytest.approx(0.6) and not row["met"]
    assert "held 60% (too narrow: 30% of counts above it, 10% below)" in row["why"]
    assert "MASE" not in row["why"]  # the error target was met: only the range is named


def test_hindsight_picks_one_candidate_per_type_over_every_origin():
    rows = _rows(used="naive", trend_error=1.0, inside=8)
    # for one type the trend is worse than the count now: hindsight keeps the count now there
    worse = rows["state"] == "staying_close"
    rows.loc[worse, "point_trend"] = rows.loc[worse, "actual"] + 6
    assert hindsight_mase(rows).loc[1] == pytest.approx((10 * 1 + 10 * 4) / (20 * 4))
