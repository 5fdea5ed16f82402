"""Levers are drawn as entered: PERT on [low, high] with its mode at central, never outside."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from forecasts.scenarios import Lever, standard_scenarios


@pytest.mark.parametrize(
    "lever",
    [
        Lever("places", 30, 20, 30, state="supported_accommodation/care_leavers"),
        Lever("arrivals", 1.5, 1.2, 2.0, stream="uasc"),
        Lever("exit_rate", 0.8, 0.7, 0.9, state="council_flat"),
        Lever("nts_rate", 0.0012, 0.001, 0.0014),
    ],
)
def test_draws_follow_the_pert_distribution_and_stay_in_range(lever):
    draws = lever.draw(20_000, np.random.default_rng(11))
    low, high, alpha, beta = lever.pert()
    assert draws.min() >= low and draws.max() <= high
    probs = np.array([0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95])
    expected = low + (high - low) * stats.beta.ppf(probs, alpha, beta)
    observed = np.quantile(draws, probs)
    tolerance = 0.02 * (high - low) + (0.5 if lever.kind == "places" else 0.0)
    assert np.abs(observed - expected).max() <= tolerance
    if lever.kind != "places":  # continuous: a Kolmogorov-Smirnov test of the whole shape
        scaled = (draws - low) / (high - low)
        assert stats.kstest(scaled, "beta", args=(alpha, beta)).pvalue > 0.001


def test_new_framework_places_never_go_above_thirty():
    places = {"supported_accommodation/care_leavers": 30}  # the demo's lot now: 30 more
    catalogue = standard_scenarios(pd.Timestamp("2024-03-31"), places)
    lever = catalogue["new_framework_places"].levers[0]
    draws = lever.draw(10_000, np.random.default_rng(0))
    assert draws.max() == 30 and draws.min() >= 20
    assert np.median(draws) >= 27  # lopsided toward the central (most likely) 30


def test_a_lever_without_range_is_its_central_value():
    assert (Lever("arrivals", 0.0, stream="new").draw(5, np.random.default_rng(0)) == 0).all()
