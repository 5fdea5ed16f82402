"""Accuracy of the forecasts: the DfE annual backtest over every council, and the rolling-origin
backtest of the microsimulation on synthetic stay histories with known rates.

    .venv/bin/python benchmarks/forecast_backtest.py
    .venv/bin/python benchmarks/forecast_backtest.py --data ../shared/data/external/dfe_cla_la

Part 1 (aggregate mode): every origin year with a later published year; forecasts use only
data up to the origin; scored against the published figure (suppressed actuals not scored).
The independent reference is the naive forecast (the origin's figure), scored on the same
cases: MASE is the model's mean absolute error over naive's. A second table scores the
suppressed cells too (a ``c`` is each of 1-5 with weight 1/5; naive is 3 where the origin's
figure is suppressed); the verdicts use it for the unsuitable measure. Targets: MASE < 1 at 1 and 2
years; coverage of each nominal interval within 3 points.

Part 2 (microsimulation): synthetic councils generated in continuous time from known rates,
cut at an origin, refitted and projected 8 quarters; coverage, WAPE, MASE against naive and
the Brier score of P(shortfall > 0) against the planned places.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import pandas as pd  # noqa: E402

from forecasts.backtest import backtest_stays  # noqa: E402
from forecasts.forecast import ForecastSettings  # noqa: E402
from forecasts.metrics import accuracy_table  # noqa: E402
from forecasts.published import (  # noqa: E402
    backtest_published,
    published_accuracy,
    suppressed_accuracy,
)
from forecasts.synthetic import generate_council  # noqa: E402
from planner.forecasting.published import load_care_leaver_counts  # noqa: E402

DEFAULT_DATA = HERE.parent.parent / "shared" / "data" / "external" / "dfe_cla_la"
SHOW = [
    "wape",
    "wape_naive",
    "mase",
    "bias",
    "coverage_50",
    "coverage_80",
    "coverage_95",
    "interval_score_80",
]


def published_part(data: Path) -> pd.DataFrame:
    start = time.perf_counter()
    counts = load_care_leaver_counts(data)
    rows = backtest_published(counts, include_suppressed=True)
    table = published_accuracy(rows)
    scored = suppressed_accuracy(rows)
    print(
        f"\nDfE annual backtest: {counts['la_code'].nunique()} councils, years "
        f"{counts['year'].min()}-{counts['year'].max()}, origins "
        f"{sorted(int(y) for y in rows['origin'].unique())}, {time.perf_counter() - start:.1f} s"
    )
    print("Published actuals only (suppressed cells dropped):")
    print(
        table[["measure", "age_group", "horizon", "forecasts", *SHOW]]
        .round(3)
        .to_string(index=False)
    )
    print("Suppressed cells scored as 1-5 with weight 1/5 each (naive = 3 where suppressed):")
    print(scored.round(3).to_string(index=False))
    pooled = table[(table["measure"] == "total") & (table["age_group"] == "all")]
    verdicts = [*pooled.iterrows(), *scored[scored["measure"] == "unsuitable"].iterrows()]
    for _, row in verdicts:
        gaps = [(row[f"coverage_{n}"] - n / 100) * 100 for n in (50, 80, 95)]
        verdict = "meets" if row["mase"] < 1 and max(map(abs, gaps)) <= 3 else "misses"
        print(
            f"  {row['measure']}, {int(row['horizon'])} year(s) ahead: MASE {row['mase']:.3f}, "
            f"coverage minus nominal {', '.join(f'{g:+.1f}' for g in gaps)} points -> "
            f"{verdict} the targets"
        )
    return table


def synthetic_part(seeds: int, runs: int) -> pd.DataFrame:
    start = time.perf_counter()
    rows = []
    for seed in range(seeds):
        council = generate_council(100 + seed, "2022-03-31", future_months=24)
        rows.append(
            backtest_stays(
                council.stays,
                ["2021-03-31", "2021-09-30", "2022-03-31"],
                capacity=council.capacity,
                child_population=council.child_population,
                quarters=8,
                settings=ForecastSettings(runs=runs, seed=seed),
                select=False,  # the model alone (the choice per type: forecast_accuracy.py)
            )
        )
    rows = pd.concat(rows, ignore_index=True)
    table = accuracy_table(rows, ["horizon_quarters"])
    print(
        f"\nMicrosimulation rolling-origin backtest on {seeds} synthetic councils x 3 origins, "
        f"states pooled, {time.perf_counter() - start:.1f} s"
    )
    print(
        table[["horizon_quarters", "forecasts", *SHOW, "brier_shortfall"]]
        .round(3)
        .to_string(index=False)
    )
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    published_part(args.data)
    synthetic_part(args.seeds, args.runs)


if __name__ == "__main__":
    main()
