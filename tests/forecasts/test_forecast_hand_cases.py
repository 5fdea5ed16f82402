"""Cases whose answers can be worked out by hand: the model must reproduce them exactly."""

from __future__ import annotations

import numpy as np
import pandas as pd
from forecast_builders import AS_OF, NO_ARRIVALS, NO_PRIOR, born_months_ago, capacity, council

from forecasts.forecast import ForecastSettings, fit, run_forecast
from forecasts.outputs import demand_by_quarter, flows_by_quarter, unsuitable_by_quarter

SETTINGS = ForecastSettings(runs=40, months=9, seed=3, estimation=NO_PRIOR)
SA_CL = "supported_accommodation/care_leavers"


def _run(data, settings=SETTINGS, scenario=NO_ARRIVALS):
    return run_forecast(fit(data, settings), settings, scenario)


def test_a_closed_cohort_ages_out_on_the_25th_birthday():
    # ten young people aged 24 years 6 months, in their tenancies for three years, no moves
    people = [
        {
            "date_of_birth": born_months_ago(294),
            "placement_type": "independent_tenancy",
            "stay_start": AS_OF - pd.DateOffset(years=3),
        }
        for _ in range(10)
    ]
    result = _run(council(people))
    k = result.states.index("independent_tenancy")
    stock = result.demand.stock[:, :, k]
    # month m ends with age 294 + m + 1 months: still there for m < 5, all gone from m = 5
    assert (stock[:5] == 10).all()
    assert (stock[5:] == 0).all()


def test_framework_stays_end_at_18_months_and_are_counted_as_expiries():
    # five young people 12 months into framework places; the history says moves go to flats
    people = [
        {
            "date_of_birth": born_months_ago(240),
            "placement_type": "supported_accommodation",
            "lot": "care_leavers",
            "stay_start": AS_OF - pd.DateOffset(months=12) - pd.Timedelta(days=5),
        }
        for _ in range(5)
    ]
    history = []
    for i in range(6):
        start = AS_OF - pd.DateOffset(months=30) + pd.DateOffset(months=i)
        end = start + pd.DateOffset(months=18)
        dob = start - pd.DateOffset(years=19)
        history += [
            {
                "person_id": f"h{i}",
                "placement_type": "supported_accommodation",
                "lot": "care_leavers",
                "start": start,
                "end": end,
                "date_of_birth": dob,
            },
            {
                "person_id": f"h{i}",
                "placement_type": "council_flat",
                "lot": "",
                "start": end + pd.Timedelta(days=1),
                "end": end + pd.Timedelta(days=2),
                "date_of_birth": dob,
            },
        ]
    result = _run(council(people, history))
    k = result.states.index(SA_CL)
    flat = result.states.index("council_flat")
    stock = result.demand.stock
    # month m ends with 12 + m + 1 months in the place: the 18th month ends at m = 5
    assert (stock[:5, :, k] == 5).all()
    assert (stock[5:, :, k] == 0).all()
    assert (stock[5, :, flat] == 5).all()
    assert (result.demand.expiries[5, :, k] == 5).all()
    assert result.demand.expiries[:5].sum() == 0
    flows = flows_by_quarter(result)
    assert flows[f"expiries_{SA_CL}_mean"].sum() == 5


def _turning_18_into_a_full_service():
    # eight young people in care turn 18 this month; the history says every such young person
    # went into the framework's care-leavers lot; it has 3 places, supported lodgings has 2
    people = [
        {
            "date_of_birth": born_months_ago(215),
            "placement_type": "in_care_other",
            "in_care": True,
            "stay_start": AS_OF - pd.DateOffset(years=2),
        }
        for _ in range(8)
    ]
    history = []
    for i in range(10):
        dob = AS_OF - pd.DateOffset(years=21) + pd.DateOffset(months=i)
        at_18 = dob + pd.DateOffset(years=18)
        history += [
            {
                "person_id": f"h{i}",
                "placement_type": "in_care_other",
                "lot": "",
                "start": at_18 - pd.DateOffset(years=2),
                "end": at_18,
                "date_of_birth": dob,
            },
            {
                "person_id": f"h{i}",
                "placement_type": "supported_accommodation",
                "lot": "care_leavers",
                "start": at_18 + pd.Timedelta(days=1),
                "end": at_18 + pd.DateOffset(months=18),
                "date_of_birth": dob,
            },
        ]
    places = capacity(
        {("supported_accommodation", "care_leavers"): 3, ("supported_lodgings", ""): 2}
    )
    return council(people, history, places)


def test_a_full_service_overflows_to_the_next_type_then_to_unsuitable_accommodation():
    result = _run(_turning_18_into_a_full_service())
    names = result.states
    first = result.constrained.stock[0]
    assert (first[:, names.index(SA_CL)] == 3).all()
    assert (first[:, names.index("supported_lodgings")] == 2).all()  # the next suitable type
    assert (first[:, names.index("bed_and_breakfast")] == 3).all()  # nothing left: unsuitable
    assert (result.constrained.waiting[0, :, names.index(SA_CL)] == 3).all()
    assert (result.constrained.overflowed[0] == 3).all()
    # the demand pass shows where they should be: all eight in the lot
    assert (result.demand.stock[0, :, names.index(SA_CL)] == 8).all()
    assert (result.demand.turning_18_known[0] == 8).all()


def test_the_shortfall_tables_report_the_overflow():
    result = _run(_turning_18_into_a_full_service())
    demand = demand_by_quarter(result)
    first = demand[demand["quarter_start"] == demand["quarter_start"].min()]
    lot = first[
        (first["placement_type"] == "supported_accommodation") & (first["lot"] == "care_leavers")
    ].iloc[0]
    assert lot["capacity"] == 3
    assert lot["p_shortfall_in_quarter"] == 1.0
    assert lot["places_needed"] == 8
    unsuitable = unsuitable_by_quarter(result)
    assert unsuitable.loc[0, "p_anyone_for_want_of_a_place"] == 1.0
    # three young people in B&B for the whole first month at least: about 91 nights or more
    assert unsuitable.loc[0, "bed_and_breakfast_nights_mean"] >= 3 * 30


def test_the_same_seed_gives_the_same_forecast():
    data = _turning_18_into_a_full_service()
    a = _run(data)
    b = _run(data)
    assert np.array_equal(a.demand.stock, b.demand.stock)
    assert np.array_equal(a.constrained.stock, b.constrained.stock)
