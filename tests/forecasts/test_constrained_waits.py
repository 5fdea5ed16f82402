"""The capacity-constrained pass by hand: fallbacks respect entry ages, and a young person
who finds no place waits, then counts as in unsuitable accommodation for want of a place."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
from forecast_builders import AS_OF, NO_ARRIVALS, NO_PRIOR, born_months_ago, capacity, council

from forecasts.capacity import OverflowRule
from forecasts.forecast import ForecastSettings, fit, run_forecast
from forecasts.outputs import demand_by_quarter, unsuitable_by_quarter

SETTINGS = ForecastSettings(runs=20, months=9, seed=5, estimation=NO_PRIOR)
SA_CL = "supported_accommodation/care_leavers"


def _run(data, settings=SETTINGS):
    return run_forecast(fit(data, settings), settings, NO_ARRIVALS)


def _framework_ending(
    ages_months: list[int],
    places: dict,
    then: str = "staying_close",
    history_years: tuple[int, int] = (23, 20),
):
    """Young people 17 months into framework places (the 18-month rule ends their stay in the
    first simulated month); the history says framework stays go on to ``then``, for leavers
    aged ``history_years`` and a half when their stay ended."""
    people = [
        {
            "date_of_birth": born_months_ago(age),
            "placement_type": "supported_accommodation",
            "lot": "care_leavers",
            "stay_start": AS_OF - pd.DateOffset(months=17) - pd.Timedelta(days=5),
        }
        for age in ages_months
    ]
    history = []
    for i in range(12):
        start = AS_OF - pd.DateOffset(months=34) + pd.DateOffset(months=i)
        end = start + pd.DateOffset(months=18)
        dob = end - pd.DateOffset(years=history_years[i % 2], months=6)
        for j, (ptype, lot, s, e) in enumerate(
            [
                ("supported_accommodation", "care_leavers", start, end),
                (then, "", end + pd.Timedelta(days=1), None),
            ]
        ):
            history.append(
                {
                    "person_id": f"h{i}",
                    "placement_type": ptype,
                    "lot": lot,
                    "start": s,
                    "end": e,
                    "date_of_birth": dob,
                }
            )
    return council(people, history, capacity(places))


def test_a_fallback_never_places_anyone_outside_its_entry_ages():
    # staying close is full; the fallback is supported lodgings (hosts take 17-23), then the
    # framework lot (full). Two aged 20 and two aged 23 and a half must move this month.
    data = _framework_ending(
        [240, 240, 282, 282],
        {
            ("staying_close", ""): 0,
            ("supported_lodgings", ""): 5,
            ("supported_accommodation", "care_leavers"): 0,
        },
    )
    result = _run(data)
    names = result.states.names
    first = result.constrained.stock[0]
    # the two aged 20 go to supported lodgings; the two aged 23+ may not, and wait in B&B
    assert (first[:, names.index("supported_lodgings")] == 2).all()
    assert (first[:, names.index("bed_and_breakfast")] == 2).all()
    # no month of the forecast has anyone aged 23 or over in supported lodgings: the lodgings
    # hold the two twenty-year-olds until their stay ends or they move
    assert (result.constrained.stock[:, :, names.index("supported_lodgings")] <= 2).all()


def test_waiting_then_for_want_of_a_place_after_the_set_wait():
    # three must move into staying close, which has no place and no fallback they may enter
    rule = OverflowRule(fallback={})
    data = _framework_ending(
        [240, 240, 240], {("staying_close", ""): 0, ("supported_accommodation", "care_leavers"): 0}
    )
    result = _run(data, replace(SETTINGS, overflow=rule))
    res = result.constrained
    k = result.states.index("staying_close")
    # month 1: all three wait (in B&B), none yet past 4 weeks; from month 2 all three are
    assert (res.queued[0, :, k] == 3).all()
    assert (res.waited_long[0, :, k] == 0).all()
    assert (res.waited_long[1:, :, k] == 3).all()
    assert (res.wait_started[0] == 3).all() and (res.wait_started[1:] == 0).all()
    table = unsuitable_by_quarter(result)
    q1, q2 = table.iloc[0], table.iloc[1]
    # the first quarter ends three months in: waited 2 months each
    assert q1["waiting_for_a_place_mean"] == 3
    assert q1["waits_started_mean"] == 3
    assert q1["wait_months_mean"] == 2
    assert q1["for_want_of_a_place_mean"] == 3
    assert q2["wait_months_mean"] == 5 and q2["waits_started_mean"] == 0
    demand = demand_by_quarter(result)
    close = demand[demand["placement_type"] == "staying_close"].iloc[0]
    assert close["for_want_of_a_place_mean"] == 3 and close["waiting_for_a_place_mean"] == 3


def test_a_longer_set_wait_counts_them_later():
    rule = OverflowRule(fallback={}, max_wait_weeks=13)  # about three months
    data = _framework_ending(
        [240, 240, 240], {("staying_close", ""): 0, ("supported_accommodation", "care_leavers"): 0}
    )
    res = _run(data, replace(SETTINGS, overflow=rule)).constrained
    assert (res.waited_long[:3].sum(axis=2) == 0).all()
    assert (res.waited_long[3:].sum(axis=2) == 3).all()


def test_a_voluntary_mover_who_finds_no_place_waits_where_they_are_and_is_counted():
    # with every place taken, nobody who chooses to move is placed, and those who wait are
    # counted (as waiting, not as in B&B)
    data = _framework_ending(
        [240], {("staying_close", ""): 0, ("supported_accommodation", "care_leavers"): 1}
    )
    res = _run(data, replace(SETTINGS, overflow=OverflowRule(fallback={}))).constrained
    assert res.queued is not None
    assert (res.queued.sum(axis=2) >= res.waiting.sum(axis=2)).all()


def test_a_fallback_never_places_anyone_below_its_entry_age():
    # staying close is full and falls back to staying put, which no one enters before 18:
    # the two aged 19 take staying-put places, the two aged 17 may not and wait in B&B
    # (the history has 17- and 19-year-olds going from framework places to staying close)
    rule = OverflowRule(fallback={"staying_close": "staying_put"})
    data = _framework_ending(
        [204, 204, 228, 228],
        {
            ("staying_close", ""): 0,
            ("staying_put", ""): 5,
            ("supported_accommodation", "care_leavers"): 0,
        },
        history_years=(17, 19),
    )
    result = _run(data, replace(SETTINGS, overflow=rule))
    names = result.states.names
    first = result.constrained.stock[0]
    assert (first[:, names.index("staying_put")] == 2).all()
    assert (first[:, names.index("bed_and_breakfast")] == 2).all()
