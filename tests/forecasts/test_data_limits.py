"""What the data cannot tell is said: years of history, first stays recorded from the start
of the records (left-censoring), and unsuitable types never planned."""

from __future__ import annotations

import pandas as pd
from forecast_builders import AS_OF, NO_PRIOR, born_months_ago, capacity, council

from forecasts.forecast import ForecastSettings, fit, run_forecast
from forecasts.outputs import demand_by_quarter

SETTINGS = ForecastSettings(runs=20, months=6, seed=1, estimation=NO_PRIOR)


def test_first_stays_at_the_start_of_the_records_are_not_counted_as_arrivals():
    # a council that loaded only current stays: 20 young people aged 20-23 whose recorded
    # stays all start in the first months of the records (two years ago), plus 4 who truly
    # arrived at 16 since
    start = AS_OF - pd.DateOffset(years=2)
    people = [
        {
            "date_of_birth": born_months_ago(264 + i),
            "placement_type": "independent_tenancy",
            "stay_start": start + pd.Timedelta(days=7 * i),
        }
        for i in range(20)
    ] + [
        {
            "date_of_birth": born_months_ago(200),
            "placement_type": "in_care_other",
            "in_care": True,
            "stay_start": AS_OF - pd.DateOffset(months=3 * (i + 1)),
        }
        for i in range(4)
    ]
    fitted = fit(council(people), SETTINGS)
    new = fitted.streams["new"]
    assert new.left_censored == 20
    assert new.arrivals == 4  # the twenty are not arrivals
    assert new.counted_from == start + pd.DateOffset(months=12)
    data = run_forecast(fitted, SETTINGS).inputs()["data"].iloc[0]
    assert data["arrivals_left_censored"] == 20
    assert data["only_current_stays"]
    assert data["history_years"] == 2.0


def test_a_bed_and_breakfast_provision_is_never_planned():
    people = [
        {
            "date_of_birth": born_months_ago(230),
            "placement_type": "bed_and_breakfast",
            "stay_start": AS_OF - pd.DateOffset(months=2),
        }
    ]
    places = capacity({("bed_and_breakfast", ""): 4, ("supported_lodgings", ""): 3})
    result = run_forecast(fit(council(people, capacity=places), SETTINGS), SETTINGS)
    names = result.states.names
    assert not result.plan.limited[names.index("bed_and_breakfast")]
    assert result.plan.limited[names.index("supported_lodgings")]
    demand = demand_by_quarter(result)
    bnb = demand[demand["placement_type"] == "bed_and_breakfast"]
    assert bnb["capacity"].isna().all()
    data = result.inputs()["data"].iloc[0]
    assert data["capacity_ignored_unsuitable"] == "bed_and_breakfast"
