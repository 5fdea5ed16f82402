"""What the data cannot tell is said: years of history, first stays recorded from the start
of the records (left-censoring), and unsuitable types never planned."""

from __future__ import annotations

import pandas as pd
from forecast_builders import AS_OF, NO_PRIOR, born_months_ago, capacity, council

from forecasts.forecast import ForecastSettings, fit, run_forecast
from forecasts.outputs import demand_by_quarter
from planner.forecasting.service import data_notes

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


def test_a_council_with_only_current_stays_gets_no_adult_arrivals_from_them():
    # the council loaded where its young people live now: 30 adults whose current stays
    # began at any time over three years (moves the records do not hold), and 3 who truly
    # arrived at 16-17 in the last year
    people = [
        {
            "date_of_birth": born_months_ago(260 + i),
            "placement_type": "supported_lodgings" if i % 2 else "independent_tenancy",
            "stay_start": AS_OF - pd.DateOffset(months=36 - i),
        }
        for i in range(30)
    ] + [
        {
            "date_of_birth": born_months_ago(200),
            "placement_type": "in_care_other",
            "in_care": True,
            "stay_start": AS_OF - pd.DateOffset(months=3 * (i + 1)),
        }
        for i in range(3)
    ]
    fitted = fit(council(people), SETTINGS)
    new = fitted.streams["new"]
    assert new.left_censored == 30  # none of the adults' current stays is an arrival
    assert new.arrivals == 3
    data = run_forecast(fitted, SETTINGS).inputs()["data"].iloc[0]
    assert data["only_current_stays"]
    notes = " ".join(data_notes(data.to_dict()))
    assert "Too little history" not in notes  # three years of stays
    assert "not counted as a new arrival" in notes


def test_too_little_history_is_flagged():
    notes = data_notes({"history_years": 1.5, "history_start": "2025-06-01"})
    assert any(n.startswith("Too little history") for n in notes)
    assert not any(
        n.startswith("Too little history")
        for n in data_notes({"history_years": 5.0, "history_start": "2021-11-30"})
    )


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
