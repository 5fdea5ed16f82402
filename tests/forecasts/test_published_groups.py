"""Aggregate mode per group: a group is published with the model only where the model beat
"same as last year" in the forecasts made before the origin, and each group's intervals are
calibrated on its own past errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from shared_data import DFE, require_dfe

from forecasts.published import forecast_published
from forecasts.published_groups import (
    MODEL,
    NAIVE,
    backtest_by_group,
    forecast_by_group,
    group_accuracy,
    group_targets,
)

AGES = ("17 to 18 years", "19 to 21 years")
KEYS = ["la_code", "age_group", "measure", "year"]


def two_kinds_of_group(seed: int, councils: int = 40, years: int = 4) -> pd.DataFrame:
    """17-18 year olds whose numbers rise and fall by 30% in turn (the model's drift, learned
    from the past, points the wrong way; "same as last year" does better), and 19-21 year olds
    with a steady 5% drift (the model learns it and wins). No cell is suppressed, so the
    record can be recomputed here by hand."""
    rng = np.random.default_rng(seed)
    rows = []
    for age, base in zip(AGES, (60.0, 180.0), strict=True):
        level = np.log(rng.lognormal(np.log(base), 0.5, councils))
        for k in range(years):
            total = rng.poisson(np.exp(level))
            unsuitable = rng.binomial(total, 0.08)
            for i in range(councils):
                rows.append((f"E06{i:06d}", age, "total", 2015 + k, float(total[i]), ""))
                rows.append((f"E06{i:06d}", age, "unsuitable", 2015 + k, float(unsuitable[i]), ""))
            step = (0.3 if k % 2 == 0 else -0.3) if age == AGES[0] else 0.05
            level = level + step + rng.normal(0, 0.05, councils)
    return pd.DataFrame(rows, columns=[*KEYS[:3], "year", "value", "status"])


def record_by_hand(counts: pd.DataFrame, origin: int) -> dict[tuple[str, str], float]:
    """The model's summed absolute error over naive's, per group, on every forecast made
    before ``origin`` whose year is known at ``origin``."""
    first = int(counts["year"].min()) + 1
    values = counts.set_index(KEYS)["value"]
    sums: dict[tuple[str, str], list[float]] = {}
    for past in range(first, origin):
        made = forecast_published(counts[counts["year"] <= past], past, origin - past)
        made["actual"] = values.reindex(pd.MultiIndex.from_frame(made[KEYS])).to_numpy()
        at_past = made[KEYS[:3]].assign(year=past)
        made["naive"] = values.reindex(pd.MultiIndex.from_frame(at_past)).to_numpy()
        for (age, measure), g in made.groupby(["age_group", "measure"]):
            pair = sums.setdefault((age, measure), [0.0, 0.0])
            pair[0] += float((g["median"] - g["actual"]).abs().sum())
            pair[1] += float((g["naive"] - g["actual"]).abs().sum())
    return {group: model / naive for group, (model, naive) in sums.items()}


def test_a_group_that_loses_to_naive_is_published_as_naive():
    counts = two_kinds_of_group(4)
    fell_back = won = 0
    for origin in (2017, 2018):
        known = counts[counts["year"] <= origin]
        table, choices = forecast_by_group(known, origin, 2)
        by_hand = record_by_hand(counts, origin)
        model = forecast_published(known, origin, 2).set_index(KEYS)
        last = known[known["year"] == origin].set_index(KEYS[:3])["value"]
        for (age, measure), ratio in by_hand.items():
            choice = choices[(age, measure)]
            assert choice.mase == pytest.approx(ratio)
            rows = table[(table["age_group"] == age) & (table["measure"] == measure)]
            assert (rows["method"] == choice.method).all()
            if ratio >= 1:
                # lost to naive: published as the last figure, and said so
                assert choice.method == NAIVE
                assert "same as last year" in choice.words() and "not used" in choice.words()
                expected = last.reindex(pd.MultiIndex.from_frame(rows[KEYS[:3]])).to_numpy()
                fell_back += 1
            else:
                assert choice.method == MODEL
                expected = model["median"].reindex(pd.MultiIndex.from_frame(rows[KEYS])).to_numpy()
                won += 1
            assert np.allclose(rows["median"].to_numpy(), expected)
    assert fell_back >= 2 and won >= 2  # both branches were exercised


def test_the_first_origin_has_no_record_and_uses_naive():
    counts = two_kinds_of_group(4)
    table, choices = forecast_by_group(counts[counts["year"] <= 2016], 2016, 1)
    assert {c.method for c in choices.values()} == {NAIVE}
    assert all("no earlier forecast" in c.words() for c in choices.values())
    assert (table["method"] == NAIVE).all()


def test_per_group_choice_and_intervals_read_nothing_after_the_origin():
    counts = two_kinds_of_group(6)
    changed = counts.copy()
    later = changed["year"] > 2017
    changed.loc[later, "value"] = changed.loc[later, "value"] * 3 + 7
    a, choices_a = forecast_by_group(counts, 2017, 2)
    b, choices_b = forecast_by_group(changed, 2017, 2)
    pd.testing.assert_frame_equal(a, b)
    assert choices_a == choices_b


def test_the_choice_does_not_depend_on_the_horizon_asked_for():
    counts = two_kinds_of_group(4)
    _, one = forecast_by_group(counts, 2017, 1)
    _, three = forecast_by_group(counts, 2017, 3)
    assert one == three


@pytest.fixture(scope="module")
def dfe_backtest():
    from planner.forecasting.published import load_care_leaver_counts

    require_dfe()
    counts = load_care_leaver_counts(DFE)
    rows, choices = backtest_by_group(counts)
    return counts, rows, choices, group_accuracy(rows)


def test_every_published_group_beats_naive_or_is_naive(dfe_backtest):
    _, rows, choices, accuracy = dfe_backtest
    assert len(accuracy) == 8  # 2 age groups x 2 measures x 2 horizons
    for _, line in accuracy.iterrows():
        assert line["mase"] <= 1.0 + 1e-9, line
    # where a group fell back, its published median is naive's exactly
    naive = rows[rows["method"] == NAIVE]
    assert len(naive) > 0 and np.allclose(naive["median"], naive["naive"])
    # the first origin (2021) has no earlier forecast to judge by
    assert {c.method for c in choices[2021].values()} == {NAIVE}


def test_each_groups_intervals_are_within_five_points_of_nominal_a_year_ahead(dfe_backtest):
    _, _, _, accuracy = dfe_backtest
    for _, line in accuracy.iterrows():
        for level in (50, 80, 95):
            gap = abs(line[f"coverage_{level}"] - level / 100)
            # a year ahead: within 5 points in every group. Two years ahead the forecasts
            # made in 2021 have no two-year record (naive's one-year spread times sqrt(2)),
            # which over-covers (docs/forecasts.md); the bound there is 9 points
            assert gap <= (0.05 if line["horizon"] == 1 else 0.09), (level, line)


def test_the_per_group_targets_name_each_miss_and_why(dfe_backtest):
    _, rows, _, accuracy = dfe_backtest
    targets = group_targets(rows)
    assert len(targets) == len(accuracy)
    assert targets["mase_met"].all()
    for _, line in targets.merge(accuracy).iterrows():
        misses = [
            level for level in (50, 80, 95) if abs(line[f"coverage_{level}"] - level / 100) > 0.05
        ]
        # a verdict exactly where an interval is more than 5 points off its level
        assert line["coverage_met"] == (not misses), line
        assert bool(line["why"]) == bool(misses)
        if misses:
            # why: per origin, how the interval was made and what it held
            assert "by origin: made in 2021 (same as last year" in line["why"]
            assert "no record this far ahead" in line["why"]
    # a year ahead every interval is calibrated on its own horizon's record
    assert rows.loc[rows["horizon"] == 1, "calibrated"].all()
    assert not rows.loc[rows["horizon"] == 2, "calibrated"].any()
