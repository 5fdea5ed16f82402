"""The forecast used per type is chosen by the backtest itself: it continues a recorded
trend, falls back to the count now where history is thin, and scores the capacity-
constrained pass only where the records were bounded by places."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasts import selection
from forecasts.backtest import backtest_stays, capacity_bound
from forecasts.forecast import ForecastSettings

ORIGIN = pd.Timestamp("2024-03-31")


def _stay(pid, placement_type, start, end, age_years=18.0, lot=""):
    start = pd.Timestamp(start)
    return {
        "person_id": pid,
        "placement_type": placement_type,
        "lot": lot,
        "start": start,
        "end": pd.Timestamp(end) if end is not None else pd.NaT,
        "suitable": True,
        "date_of_birth": start - pd.Timedelta(days=round(age_years * 365.25)),
        "uasc": False,
        "gender": "",
    }


def rising_staying_put(seed: int = 0) -> pd.DataFrame:
    """Staying put take-up rising steadily (new arrangements a month: 0.3 in 2019 to 2.5 in
    2025), each lasting about two years; other suitable flat at about 20."""
    rng = np.random.default_rng(seed)
    rows = []
    day = pd.Timestamp("2019-01-01")
    i = 0
    while day < pd.Timestamp("2025-06-30"):
        years = (day - pd.Timestamp("2019-01-01")).days / 365.25
        for _ in range(rng.poisson(0.3 + 0.35 * years)):
            start = day + pd.Timedelta(days=int(rng.integers(0, 28)))
            end = start + pd.Timedelta(days=int(rng.integers(600, 900)))
            rows.append(_stay(f"sp{i}", "staying_put", start, end, age_years=18.05))
            i += 1
        for _ in range(rng.poisson(1.0)):
            start = day + pd.Timedelta(days=int(rng.integers(0, 28)))
            end = start + pd.Timedelta(days=int(rng.exponential(600)))
            rows.append(_stay(f"os{i}", "other_suitable", start, end, age_years=19.0))
            i += 1
        day += pd.DateOffset(months=1)
    stays = pd.DataFrame(rows)
    stays.loc[stays["end"] > pd.Timestamp("2025-06-30"), "end"] = pd.NaT
    return stays


def test_the_trend_candidate_continues_a_rising_count_and_ignores_a_noisy_flat_one():
    quarters = pd.date_range(end=ORIGIN, periods=12, freq="QE")
    rising = np.linspace(14, 29, 12).round()  # the demo's staying put: 14 to 29
    rng = np.random.default_rng(3)
    flat = 40 + rng.normal(0, 3, 12).round()
    series = pd.DataFrame({"rising": rising, "flat": flat}, index=quarters)
    out = selection.simple_forecasts(series, 4)
    trend = out["trend"]
    assert trend[0, 0] > rising[-1]  # continues, does not reverse
    assert np.all(np.diff(trend[:, 0]) > 0)
    # damped: each quarter adds less than the recorded step (about 1.4 a quarter)
    assert trend[3, 0] - rising[-1] < 4 * 1.4
    # a flat, noisy count: the slope is shrunk to (almost) nothing
    assert abs(trend[3, 1] - flat[-1]) < 2


def test_the_count_now_is_used_where_history_is_thin_or_nothing_beat_it():
    rows = []
    for origin in range(8):
        for h in (1, 2):
            for name, err in (("naive", 2.0), ("trend", 1.0), ("microsim", 1.95)):
                for state in ("a", "b"):
                    rows.append(
                        {
                            "state": state,
                            "h": h,
                            "candidate": name,
                            "point": 10 + (err if state == "a" else -err * (name == "naive")),
                            "actual": 10.0,
                            "level": 10.0,
                        }
                    )
    scored = pd.DataFrame(rows)
    choice = selection.choose(scored, ["a", "b", "new"], {"a": 12, "b": 12, "new": 3})
    table = choice.table.set_index("state")
    assert table.loc["a", "model"] == "trend" and table.loc["a", "reason"] == "won"
    # b: every candidate but the count now is exact, so the count now is not used
    assert table.loc["b", "model"] != "naive"
    assert table.loc["new", "model"] == "naive" and table.loc["new", "reason"] == "thin"


def test_a_candidate_must_beat_the_count_now_by_a_margin():
    rows = [
        {"state": "a", "h": 1, "candidate": n, "point": 10 + e, "actual": 10.0, "level": 10.0}
        for _ in range(10)
        for n, e in (("naive", 2.0), ("trend", 1.9))
    ]
    choice = selection.choose(pd.DataFrame(rows), ["a"], {"a": 12})
    assert choice.model("a") == "naive"
    assert choice.table.iloc[0]["reason"] == "lost"


@pytest.fixture(scope="module")
def rising_backtest():
    stays = rising_staying_put()
    return backtest_stays(
        stays,
        [ORIGIN, ORIGIN + pd.offsets.QuarterEnd(1)],
        child_population=60_000,
        quarters=4,
        settings=ForecastSettings(runs=60, seed=1),
        inner_origins=8,
    )


def test_the_backtest_continues_a_recorded_rising_trend(rising_backtest):
    rows = rising_backtest[rising_backtest["state"] == "staying_put"]
    assert len(rows) == 8
    for _, part in rows.groupby("origin"):
        four = part[part["horizon_quarters"] == 4].iloc[0]
        one = part[part["horizon_quarters"] == 1].iloc[0]
        assert four["model"] != "naive", "the rising trend should have beaten the count now"
        assert four["median"] > four["naive"]  # up, not down or flat
        assert four["median"] >= one["median"]
        assert four["lo_80"] <= four["median"] <= four["hi_80"]
    # and it was right to: the forecast's error is below the count now's
    mae = (rows["median"] - rows["actual"]).abs().mean()
    naive = (rows["naive"] - rows["actual"]).abs().mean()
    assert mae < 0.9 * naive


def test_a_type_that_began_recently_falls_back_to_the_count_now(rising_backtest):
    stays = rising_staying_put()
    recent = [
        _stay(
            f"sc{k}", "staying_close", ORIGIN - pd.DateOffset(months=5) + pd.Timedelta(days=k), None
        )
        for k in range(4)
    ]
    stays = pd.concat([stays, pd.DataFrame(recent)], ignore_index=True)
    rows = backtest_stays(
        stays,
        [ORIGIN],
        child_population=60_000,
        quarters=2,
        settings=ForecastSettings(runs=40, seed=2),
        inner_origins=4,
    )
    close = rows[rows["state"] == "staying_close"].iloc[0]
    assert close["model"] == "naive" and close["reason"] == "thin"
    assert close["median"] == pytest.approx(close["naive"], abs=1.0)


def test_capacity_binds_only_a_type_full_now_and_never_above_its_places():
    def cap(places):
        quarters = pd.date_range("2021-01-01", "2024-10-01", freq="QS")
        return pd.DataFrame(
            [
                {"placement_type": t, "lot": "", "quarter_start": q, "places": n}
                for t, n in places.items()
                for q in quarters
            ]
        )

    rows = [_stay(f"p{k}", "staying_close", "2022-01-01", None) for k in range(5)]
    # supported lodgings: 6 now against 5 places (more than its places: the record is demand)
    rows += [_stay(f"s{k}", "supported_lodgings", "2022-01-01", None) for k in range(6)]
    rows += [_stay(f"f{k}", "council_flat", "2022-01-01", None) for k in range(3)]
    stays = pd.DataFrame(rows)
    bound = capacity_bound(
        stays, cap({"staying_close": 5, "supported_lodgings": 5, "council_flat": 10}), ORIGIN
    )
    assert bound == {"staying_close"}  # full; over its places; not full


def _staying_put_rising_chosen(model: str, reason: str):
    """Quarter-end counts with staying put rising 14 to 29 and council flats flat at 30, and a
    choice of ``model`` for staying put (the forecast model for council flats)."""
    series = pd.DataFrame(
        {"staying_put": np.linspace(14, 29, 12), "council_flat": np.full(12, 30.0)},
        index=pd.date_range(end=ORIGIN, periods=12, freq="QE"),
    )
    choice = selection.Choice(
        pd.DataFrame(
            {
                "state": ["staying_put", "council_flat"],
                "model": [model, "microsim"],
                "reason": [reason, "won"],
                "cases": [24, 24],
            }
        ),
        {},
    )
    return series, choice


def test_the_chosen_forecast_replaces_the_models_where_the_backtest_scores_it():
    quarters = pd.date_range("2024-04-01", periods=3, freq="QS")
    demand = pd.DataFrame(
        {
            "scenario": "central",
            "placement_type": ["staying_put"] * 3 + ["council_flat"] * 3,
            "lot": "",
            "quarter_start": list(quarters) * 2,
            **{
                f"demand_{n}": [18.0, 17.0, 16.0, 30.0, 31.0, 32.0]
                for n in selection.QUANTILE_NAMES
            },
        }
    )
    series, choice = _staying_put_rising_chosen("trend", "won")
    out = selection.apply_to_demand(demand, choice, series)
    put = out[out["placement_type"] == "staying_put"]
    assert list(put["forecast_used"]) == ["trend"] * 3
    assert list(put["model_demand_median"]) == [18.0, 17.0, 16.0]  # the model's, kept
    assert (put["demand_median"] > 29).all() and put["demand_median"].is_monotonic_increasing
    assert (put["demand_lo_80"] < put["demand_median"]).all()
    assert (put["demand_hi_80"] > put["demand_median"]).all()
    flat = out[out["placement_type"] == "council_flat"]
    assert list(flat["demand_median"]) == [30.0, 31.0, 32.0]  # the model where it was chosen
    # another scenario's levers still move a type with a simple forecast
    more = demand.assign(
        **{f"demand_{n}": demand[f"demand_{n}"] + 5 for n in selection.QUANTILE_NAMES}
    )
    moved = selection.apply_to_demand(more, choice, series, central=demand)
    shift = moved["demand_median"].to_numpy() - out["demand_median"].to_numpy()
    assert np.allclose(shift, 5.0)
    words = selection.choice_table(choice)
    assert set(words["forecast_used"]) == {"the recent trend", "the forecast model"}


def test_a_forecast_shows_the_chosen_check_beside_the_models_figures_for_four_quarters():
    """The forecast's own demand stays the model's (so it agrees with the shortfall and places
    needed worked out from the same runs); the forecast that did better on the council's
    history is beside it, for the four quarters it was scored on, and only for its type."""
    quarters = pd.date_range("2024-04-01", periods=6, freq="QS")
    model = [18.0, 17.0, 16.0, 15.0, 14.0, 13.0]
    demand = pd.DataFrame(
        {
            "scenario": "central",
            "placement_type": ["staying_put"] * 6 + ["council_flat"] * 6,
            "lot": "",
            "quarter_start": list(quarters) * 2,
            **{f"demand_{n}": model + [30.0] * 6 for n in selection.QUANTILE_NAMES},
        }
    )
    series, choice = _staying_put_rising_chosen("naive", "lost")
    out = selection.with_check(demand, choice, series)
    for n in selection.QUANTILE_NAMES:  # the model's figures, untouched
        assert list(out[f"demand_{n}"]) == list(demand[f"demand_{n}"])
    put = out[out["placement_type"] == "staying_put"]
    assert list(put["forecast_used"]) == ["naive"] * 6
    checked = put["check_median"].notna().tolist()
    assert checked == [True] * 4 + [False] * 2  # the horizons the choice was scored on
    assert (put["check_median"].iloc[:4] > 25).all()  # the count now (29), not the model's 18
    assert (put["check_lo_80"].iloc[:4] < put["check_median"].iloc[:4]).all()
    assert (put["check_hi_80"].iloc[:4] > put["check_median"].iloc[:4]).all()
    flat = out[out["placement_type"] == "council_flat"]
    assert flat["check_median"].isna().all()  # the model did best: nothing beside it


def test_the_census_counts_an_open_ended_stay_on_every_date():
    """A stay recorded with a far end date (9999-12-31, "no end") is open on every quarter
    end after its start. Dates are compared in days: through nanoseconds that end wrapped
    round to 1816 and the stay vanished from every count the backtest checks against."""
    import pandas as pd

    from forecasts.selection import census

    stays = pd.DataFrame(
        {
            "placement_type": ["supported_lodgings", "supported_lodgings", "council_flat"],
            "lot": [None, None, None],
            "start": pd.to_datetime(["2023-01-10", "2023-05-01", "2023-02-01"]),
            "end": pd.to_datetime(["9999-12-31", "2023-08-01", None]),
        }
    )
    counts = census(stays, pd.to_datetime(["2023-03-31", "2023-06-30", "2023-09-30"]))
    assert counts.to_dict(orient="list") == {
        "council_flat": [1.0, 1.0, 1.0],
        "supported_lodgings": [1.0, 2.0, 1.0],
    }
