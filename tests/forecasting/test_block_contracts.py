"""Block contracts from the inventory reach the forecast: the capacity frame counts a
provision's places as block-contracted when its contract says so, and the comparison of two
runs shows what the second costs against the first and what it buys."""

from __future__ import annotations

from datetime import date

import pandas as pd

from planner.forecasting.inputs import capacity_frame
from planner.forecasting.service import ForecastRunSummary, SavedForecast, budget_rows


def test_the_capacity_frame_counts_block_contracted_places():
    places = pd.DataFrame(
        [
            {"placement_type": "staying_close", "lot": "", "block": True},
            {"placement_type": "staying_close", "lot": "", "block": True},
            {"placement_type": "staying_close", "lot": "", "block": False},
            {"placement_type": "council_flat", "lot": "", "block": False},
        ]
    ).assign(opens_on=None, closes_on=None, p_opens=None, p_closes=None)
    frame = capacity_frame(places, date(2026, 11, 30))
    first = frame[frame["quarter_start"] == frame["quarter_start"].min()].set_index(
        "placement_type"
    )
    assert first.loc["staying_close", "places"] == 3 and first.loc["staying_close", "block"] == 2
    assert first.loc["council_flat", "block"] == 0


def _saved(cost: float, empty: float, nights: float, waiting: float) -> SavedForecast:
    quarters = [date(2027, 1, 1), date(2027, 4, 1)]
    run = ForecastRunSummary(*([None] * len(ForecastRunSummary.__dataclass_fields__)))
    costs = pd.DataFrame(
        {
            "quarter_start": quarters,
            "cost_mean": cost,
            "block_cost_mean": cost,
            "empty_places_cost_mean": empty,
        }
    )
    unsuitable = pd.DataFrame(
        {
            "quarter_start": quarters,
            "bed_and_breakfast_nights_mean": nights,
            "waiting_for_a_place_mean": waiting,
            "for_want_of_a_place_mean": waiting / 2,
        }
    )
    return SavedForecast(run=run, tables={"costs": costs, "unsuitable": unsuitable})


def test_a_comparison_shows_the_added_cost_and_what_it_buys():
    central = _saved(cost=100_000, empty=0, nights=90, waiting=4)
    more = _saved(cost=130_000, empty=10_000, nights=30, waiting=1)
    rows = {r["measure"]: r for r in budget_rows(central, more)}
    cost = rows["Cost over the quarters compared (£)"]
    assert cost["first"] == 200_000 and cost["difference"] == 60_000
    assert rows["Bed and breakfast nights"]["difference"] == -120
    waits = rows["Young people waiting for a place (average at a quarter's end)"]
    assert waits["first"] == 4 and waits["difference"] == -3
