"""Costs as a commissioner pays them, on a council small enough to cost by hand: block places
cost whether filled or not, the young people above them only while placed, and places a
scenario adds cost from the day they open."""

from __future__ import annotations

import pandas as pd
import pytest
from forecast_builders import AS_OF, NO_ARRIVALS, NO_PRIOR, born_months_ago, council

from forecasts.forecast import ForecastSettings, fit, run_forecast
from forecasts.outputs import DAYS_PER_MONTH, costs_by_quarter
from forecasts.scenarios import Lever, Scenario

WEEKS = DAYS_PER_MONTH / 7  # weeks in a simulated month
SETTINGS = ForecastSettings(
    runs=10,
    months=6,
    seed=2,
    estimation=NO_PRIOR,
    weekly_costs={"staying_close": 100.0},
    inflation=0.0,
)


def _council(places: int, block: int, young_people: int):
    # young people aged 19 in staying close, who never move (no rate without history)
    people = [
        {
            "date_of_birth": born_months_ago(228),
            "placement_type": "staying_close",
            "stay_start": AS_OF - pd.DateOffset(months=3),
        }
        for _ in range(young_people)
    ]
    first = AS_OF.to_period("Q").start_time
    capacity = pd.DataFrame(
        [
            {
                "placement_type": "staying_close",
                "lot": "",
                "quarter_start": first + pd.DateOffset(months=3 * q),
                "places": places,
                "block": block,
            }
            for q in range(4)
        ]
    )
    return council(people, capacity=capacity)


def _costs(data, scenario=NO_ARRIVALS) -> pd.DataFrame:
    result = run_forecast(fit(data, SETTINGS), SETTINGS, scenario)
    costs = costs_by_quarter(result)
    return costs[costs["placement_type"] == "staying_close"].set_index("quarter_start")


def test_block_places_cost_whether_filled_or_not():
    # four places, all block; one young person: four places paid for, three of them empty
    costs = _costs(_council(places=4, block=4, young_people=1))
    q2 = costs.loc[pd.Timestamp("2024-04-01")]  # three whole months
    assert q2["cost_mean"] == pytest.approx(4 * 3 * WEEKS * 100)
    assert q2["block_cost_mean"] == pytest.approx(4 * 3 * WEEKS * 100)
    assert q2["empty_places_cost_mean"] == pytest.approx(3 * 3 * WEEKS * 100)
    assert q2["spot_cost_mean"] == 0


def test_spot_places_cost_only_while_used_and_above_the_block():
    # four places, one block; three young people: the block place plus two spot
    costs = _costs(_council(places=4, block=1, young_people=3))
    q2 = costs.loc[pd.Timestamp("2024-04-01")]
    assert q2["block_cost_mean"] == pytest.approx(1 * 3 * WEEKS * 100)
    assert q2["spot_cost_mean"] == pytest.approx(2 * 3 * WEEKS * 100)
    assert q2["empty_places_cost_mean"] == 0
    assert q2["cost_mean"] == pytest.approx(3 * 3 * WEEKS * 100)


def test_added_places_cost_from_when_they_open_even_if_empty():
    # two block places, both filled; two more from the first of July: paid for from the
    # third quarter, though empty (the young people placed already fill the first two)
    data = _council(places=2, block=2, young_people=2)
    more = Scenario(
        "more",
        (
            *NO_ARRIVALS.levers,
            Lever("places", 2, state="staying_close", start=pd.Timestamp("2024-07-01")),
        ),
    )
    base, added = _costs(data), _costs(data, more)
    q2, q3 = pd.Timestamp("2024-04-01"), pd.Timestamp("2024-07-01")
    assert added.loc[q2, "cost_mean"] == pytest.approx(base.loc[q2, "cost_mean"])
    assert added.loc[q3, "cost_mean"] - base.loc[q3, "cost_mean"] == pytest.approx(
        2 * 3 * WEEKS * 100
    )
    assert added.loc[q3, "empty_places_cost_mean"] == pytest.approx(2 * 3 * WEEKS * 100)


def test_young_people_fill_block_places_before_spot_ones():
    # two spot places and two added block places for two young people: they fill the block
    # places the council pays for anyway, so the added places cost nothing extra
    data = _council(places=2, block=0, young_people=2)
    more = Scenario(
        "more",
        (*NO_ARRIVALS.levers, Lever("places", 2, state="staying_close", start=AS_OF)),
    )
    base, added = _costs(data), _costs(data, more)
    assert added["cost_mean"].to_numpy() == pytest.approx(base["cost_mean"].to_numpy())
    assert added["spot_cost_mean"].sum() == 0 and base["block_cost_mean"].sum() == 0
