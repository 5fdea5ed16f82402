"""The "How good has this forecast been here?" page's words: the fall-back to the recent
count is said where the forecast's error was not below it."""

from __future__ import annotations

from planner.reports.forecast_accuracy import verdict


def test_the_recent_count_is_named_where_the_forecast_did_worse():
    assert verdict(0.8) == "The forecast"
    assert verdict(1.0).startswith("The recent count")
    assert verdict(1.3).startswith("The recent count")
    assert verdict(float("nan")) == "Not enough to tell"
