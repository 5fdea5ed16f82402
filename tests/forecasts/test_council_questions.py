"""The council's own questions, on councils small enough to answer by hand: former UASC by
type, move-on places a year, where a figure comes from, and which lever moves it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from forecast_builders import AS_OF, NO_ARRIVALS, NO_PRIOR, born_months_ago, council

from forecasts.forecast import ForecastSettings, fit, run_forecast
from forecasts.questions import (
    breakdown_by_quarter,
    breakdown_by_year,
    move_on_by_year,
    sensitivity,
    uasc_by_quarter,
)
from forecasts.scenarios import Lever

SETTINGS = ForecastSettings(runs=40, months=24, seed=5, estimation=NO_PRIOR)
SA_CL = "supported_accommodation/care_leavers"


def _framework_to_flats():
    """Five young people 12 months into framework places; the history says framework stays
    end in a council flat after 18 months (and flats end within days, leaving the service)."""
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
        common = {"person_id": f"h{i}", "date_of_birth": dob}
        history += [
            {**common, "placement_type": "supported_accommodation", "lot": "care_leavers"}
            | {"start": start, "end": end},
            {**common, "placement_type": "council_flat", "lot": ""}
            | {"start": end + pd.Timedelta(days=1), "end": end + pd.Timedelta(days=2)},
        ]
    return council(people, history)


@pytest.fixture(scope="module")
def framework_run():
    data = _framework_to_flats()
    return run_forecast(fit(data, SETTINGS), SETTINGS, NO_ARRIVALS)


def test_move_on_places_count_the_framework_moves_into_flats_each_year(framework_run):
    # all five must leave at 18 months (month 6) and the only destination is a council flat;
    # the flats then end and the young people leave the service, which is not a move-on
    years = move_on_by_year(framework_run)
    assert list(years["year"]) == [1, 2]
    first, second = years.iloc[0], years.iloc[1]
    assert first["move_on_mean"] == 5 and first["move_on_lo_80"] == 5
    assert first["move_on_at_target"] == 5
    assert first["from_supported_accommodation_mean"] == 5
    assert first["from_staying_close_mean"] == 0
    assert second["move_on_mean"] == 0
    assert first["first_day"] == AS_OF + pd.Timedelta(days=1)
    assert not years["part_year"].any()


def test_a_breakdown_adds_up_to_its_figure_and_says_where_it_came_from(framework_run):
    table = breakdown_by_quarter(framework_run)
    gap = (
        table["start_mean"]
        + table["arrivals_mean"]
        + table["moves_in_mean"]
        - table["moves_out_mean"]
        - table["exits_mean"]
        - table["end_mean"]
    )
    assert np.allclose(gap, 0)
    lot = table[
        (table["placement_type"] == "supported_accommodation") & (table["lot"] == "care_leavers")
    ]
    # five at the start; all move out in the quarter of their 18th month (to September 2024)
    assert lot.iloc[0]["start_mean"] == 5
    assert lot["moves_out_mean"].sum() == 5
    assert lot["exits_mean"].sum() == 0 and lot["arrivals_mean"].sum() == 0
    assert lot.loc[lot["quarter_start"] == pd.Timestamp("2024-07-01"), "moves_out_mean"].item() == 5
    flats = table[table["placement_type"] == "council_flat"]
    assert flats["moves_in_mean"].sum() == 5
    assert flats["exits_mean"].sum() == pytest.approx(5 - flats.iloc[-1]["end_mean"])
    years = breakdown_by_year(table, "supported_accommodation", "care_leavers")
    assert list(years["year"]) == [2024, 2025, 2026]
    assert years.iloc[0]["start_mean"] == 5 and years.iloc[0]["moves_out_mean"] == 5
    assert years.iloc[0]["end_mean"] == 0


def test_former_uasc_are_their_own_stream_in_each_type():
    # three young people aged 19 in supported lodgings, two of them former UASC; nobody has
    # ever left (no rate), so all stay for the nine months
    people = [
        {
            "date_of_birth": born_months_ago(228),
            "placement_type": "supported_lodgings",
            "uasc": uasc,
            "stay_start": AS_OF - pd.DateOffset(months=6),
        }
        for uasc in (True, True, False)
    ]
    settings = ForecastSettings(runs=20, months=9, seed=1, estimation=NO_PRIOR)
    result = run_forecast(fit(council(people), settings), settings, NO_ARRIVALS)
    table = uasc_by_quarter(result)
    lodgings = table[table["placement_type"] == "supported_lodgings"]
    assert (lodgings["uasc_median"] == 2).all() and (lodgings["uasc_hi_95"] == 2).all()
    assert (lodgings["uasc_places_needed"] == 2).all()
    assert lodgings["share_of_demand"].to_numpy() == pytest.approx(2 / 3)
    others = table[table["placement_type"] != "supported_lodgings"]
    assert (others["uasc_hi_95"] == 0).all()


def test_sensitivity_moves_figures_only_through_the_lever(framework_run):
    fitted = framework_run.fitted
    levers = [
        Lever("exit_rate", 1.0, 0.5, 1.5, state="staying_close"),  # nobody there or going
        Lever("arrivals", 1.0, 0.0, 2.0, stream="new"),
    ]
    table = sensitivity(fitted, SETTINGS, NO_ARRIVALS, levers, runs=20)
    idle = table[table["kind"] == "exit_rate"]
    assert (idle["swing"] == 0).all() and (idle["low"] == idle["central"]).all()
    arrivals = table[(table["kind"] == "arrivals") & (table["figure"] == "demand_suitable_end")]
    row = arrivals.iloc[0]
    # at the low end (no arrivals) the figure is the closed scenario's own: the lever replaces
    # the scenario's lever of the same stream
    assert row["low"] == row["central"]
    assert row["high"] > row["low"]
    assert set(table["figure"]) >= {"demand_suitable_end", "move_on_first_year"}
