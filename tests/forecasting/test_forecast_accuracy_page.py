"""The "How good has this forecast been here?" page's words: the fall-back to the recent
count is said where the forecast's error was not below it; the backtest kept on its work
item reads back as the page's tables."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd

from planner.forecasting.service import RecordsBacktest, backtest_summary
from planner.reports.forecast_accuracy import accuracy_view, verdict


def test_the_recent_count_is_named_where_the_forecast_did_worse():
    assert verdict(0.8) == "The forecast"
    assert verdict(1.0).startswith("The recent count")
    assert verdict(1.3).startswith("The recent count")
    assert verdict(float("nan")) == "Not enough to tell"


def test_a_backtest_kept_as_json_reads_back_as_the_pages_tables():
    """The work queue keeps the backtest's summary on its item as JSON (numpy numbers and
    missing values included); the page's tables are made from what was kept."""
    measures = {
        "forecasts": np.array([4, 4], dtype=np.int64),
        "mase": [0.7, 1.2],
        "mase_seasonal": [0.9, np.nan],
        "bias": [-0.5, 2.4],
        "coverage_50": [0.5, 0.25],
        "coverage_80": [0.75, 0.5],
        "coverage_95": [1.0, 0.75],
        "crps": [1.5, 3.0],
        "horizon_quarters": np.array([1, 4], dtype=np.int64),
    }
    result = RecordsBacktest(
        origins=[date(2025, 3, 31), date(2025, 6, 30)],
        horizon=4,
        runs=100,
        rows=pd.DataFrame(),
        by_state=pd.DataFrame({"state": ["supported_lodgings"] * 2, **measures}),
        overall=pd.DataFrame(measures),
    )
    kept = json.loads(json.dumps(backtest_summary(result)))  # as the work item holds it
    view = accuracy_view(kept)
    assert view["origins"] == [date(2025, 3, 31), date(2025, 6, 30)]
    assert [r["horizon"] for r in view["overall"]] == [1, 4]
    assert view["overall"][1]["mase_seasonal"] == "" and view["overall"][0]["coverage_80"] == "75%"
    (lodgings,) = view["types"]
    assert lodgings["first"]["verdict"] == "The forecast"
    assert lodgings["last"]["bias"] == "2.4"
    assert view["fall_back"] == [lodgings["label"]]
    assert accuracy_view({"problem": "Too short"}) == {"problem": "Too short"}


def test_the_forecast_used_for_each_type_is_said_in_plain_words():
    """Where the check chose the count now for a type (too little history, or nothing beat
    it), the page says so for that type, in words, and lists the forecast used for each."""
    measures = {
        "forecasts": [4],
        "mase": [0.8],
        "bias": [0.1],
        "coverage_50": [0.5],
        "coverage_80": [0.75],
        "coverage_95": [1.0],
        "horizon_quarters": [1],
    }
    result = RecordsBacktest(
        origins=[date(2025, 3, 31)],
        horizon=1,
        runs=100,
        rows=pd.DataFrame(),
        by_state=pd.DataFrame({"state": ["staying_put"], **measures}),
        overall=pd.DataFrame(measures),
        choices=pd.DataFrame(
            {
                "state": ["staying_put", "staying_close"],
                "model": ["trend", "naive"],
                "reason": ["won", "thin"],
            }
        ),
    )
    view = accuracy_view(json.loads(json.dumps(backtest_summary(result))))
    put, close = view["used"]
    assert put["model"] == "the recent trend" and "most accurate" in put["why"]
    assert close["model"] == "the count now" and "too little history" in close["why"]
    assert view["fall_back"] == [close["label"]]  # the MASE verdict alone would name none
