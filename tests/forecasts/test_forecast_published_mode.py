"""Aggregate mode on the real DfE tables: calibrated, beats naive, and reads only the past."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from shared_data import DFE

from forecasts.published import backtest_published, forecast_published, published_accuracy
from planner.forecasting.published import load_care_leaver_counts

DATA = DFE
pytestmark = pytest.mark.usefixtures("dfe_required")


@pytest.fixture(scope="module")
def counts() -> pd.DataFrame:
    return load_care_leaver_counts(DATA)


def test_care_leaver_totals_beat_naive_with_calibrated_intervals(counts):
    accuracy = published_accuracy(backtest_published(counts))
    pooled = accuracy[(accuracy["measure"] == "total") & (accuracy["age_group"] == "all")]
    for _, row in pooled.iterrows():
        assert row["mase"] < 1.0, row
        assert abs(row["coverage_80"] - 0.80) < 0.05, row
        assert abs(row["coverage_95"] - 0.95) < 0.05, row


def test_suppressed_history_is_not_read_as_zero(counts):
    # a council whose last unsuitable figures are all suppressed still gets a positive median
    table = forecast_published(counts, 2024, 1)
    dorset = table[
        (table["la_code"] == "E06000059")
        & (table["measure"] == "unsuitable")
        & (table["age_group"] == "19 to 21 years")
    ].iloc[0]
    assert dorset["median"] > 5  # 11 and 13 were published before 2024's suppressed cell


def test_the_forecast_reads_nothing_after_the_origin(counts):
    later = counts["year"] > 2022
    noisy = counts.copy()
    noisy.loc[later, "value"] = noisy.loc[later, "value"] * 7 + 3
    a = forecast_published(counts, 2022, 2)
    b = forecast_published(noisy, 2022, 2)
    pd.testing.assert_frame_equal(a, b)
    assert np.isfinite(a["median"]).all()
