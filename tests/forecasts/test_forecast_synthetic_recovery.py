"""The synthetic check: data made from known rates; the estimates must recover them and the
forecast intervals must cover the truth about as often as they say."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasts.backtest import backtest_stays, stays_known_at
from forecasts.forecast import ForecastSettings, fit
from forecasts.frames import CouncilData
from forecasts.metrics import accuracy_table
from forecasts.rates import EstimationSettings
from forecasts.synthetic import SyntheticWorld, generate_council


@pytest.fixture(scope="module")
def big_council():
    world = SyntheticWorld(scale=4.0)
    return world, generate_council(11, "2024-03-31", world=world)


def test_hazards_by_state_are_recovered(big_council):
    world, council = big_council
    data = CouncilData.build(
        people=council.people,
        stays=council.stays,
        capacity=council.capacity,
        as_of=council.as_of,
        child_population=council.child_population,
    )
    settings = ForecastSettings(estimation=EstimationSettings(window_years=5))
    fitted = fit(data, settings)
    trace = fitted.transitions.trace()
    pooled = trace.groupby("state")[["events", "exposure_months"]].sum()
    checked = 0
    for state, truth in world.hazards.items():
        events, exposure = pooled.loc[state]
        if events < 40:
            continue
        estimate = events / exposure
        sd = np.sqrt(events) / exposure
        assert abs(estimate - truth) < 4 * sd, (state, estimate, truth)
        checked += 1
    assert checked >= 8


def test_destinations_and_the_review_at_21_are_recovered(big_council):
    world, council = big_council
    data = CouncilData.build(
        people=council.people,
        stays=council.stays,
        capacity=None,
        as_of=council.as_of,
        child_population=council.child_population,
    )
    fitted = fit(data, ForecastSettings(estimation=EstimationSettings(window_years=5)))
    moves = fitted.transitions.destination_trace()
    at_18 = moves[(moves["state"] == "in_care_other") & (moves["age_band"] == "18_to_20")]
    share = at_18.set_index("destination")["moves"] / at_18["moves"].sum()
    truth = pd.Series(world.destinations["in_care_other"])
    truth = truth / truth.sum()
    for destination in ("staying_put", "supported_accommodation/care_leavers", "with_family"):
        n = at_18["moves"].sum()
        sd = np.sqrt(truth[destination] * (1 - truth[destination]) / n)
        assert abs(share[destination] - truth[destination]) < 4 * sd
    shape_continue, shape_leave = fitted.transitions.continue_21
    estimate = shape_continue / (shape_continue + shape_leave)
    assert abs(estimate - world.continue_21) < 0.08
    streams = fitted.streams
    uasc_truth = world.arrivals["uasc"].rate_per_month * world.scale
    sd = np.sqrt(streams["uasc"].arrivals) / streams["uasc"].months
    assert abs(streams["uasc"].rate_per_month - uasc_truth) < 4 * sd


def test_intervals_meet_their_nominal_coverage_on_synthetic_histories():
    rows = []
    for seed in range(6):
        council = generate_council(seed, "2022-03-31", future_months=24)
        rows.append(
            backtest_stays(
                council.stays,
                ["2022-03-31"],
                capacity=council.capacity,
                child_population=council.child_population,
                quarters=8,
                settings=ForecastSettings(runs=150, seed=seed),
                select=False,  # the model's own intervals (the choice per type is tested apart)
            )
        )
    table = accuracy_table(pd.concat(rows).assign(all="all"), ["all"]).iloc[0]
    assert 0.40 <= table["coverage_50"] <= 0.62
    assert 0.70 <= table["coverage_80"] <= 0.90
    assert 0.88 <= table["coverage_95"] <= 0.99
    assert table["wape"] < 0.2


def test_a_backtest_origin_sees_nothing_after_it():
    council = generate_council(2, "2022-03-31", future_months=12)
    origin = pd.Timestamp("2022-03-31")
    known = stays_known_at(council.stays, origin)
    assert (known["start"] <= origin).all()
    assert not (known["end"] > origin).any()
    # changing the future must not change the forecast made at the origin
    future = council.stays.copy()
    later = future["start"] > origin
    future.loc[later, "placement_type"] = "bed_and_breakfast"
    kwargs = dict(
        capacity=council.capacity,
        child_population=council.child_population,
        quarters=2,
        settings=ForecastSettings(runs=50, seed=1),
        inner_origins=2,  # the choice per type too reads only forecasts scored by the origin
    )
    a = backtest_stays(council.stays, [origin], **kwargs)
    b = backtest_stays(future, [origin], **kwargs)
    pd.testing.assert_series_equal(a["median"], b["median"])
    pd.testing.assert_series_equal(a["hi_95"], b["hi_95"])
