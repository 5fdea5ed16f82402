"""The forecast's accuracy on a council's own history: the demo and three synthetic councils.

    .venv/bin/python benchmarks/forecast_accuracy.py                  # all four, 200 runs
    .venv/bin/python benchmarks/forecast_accuracy.py --councils demo --runs 100

For each council, the rolling-origin backtest of ``planner forecast-backtest`` (4 origins a
quarter apart, 1-4 quarters ahead; at each origin the records are cut to what was known then,
the candidates are refitted and the forecast for each type is the one chosen from forecasts
scored before the origin, ``forecasts.selection``). Printed per council and horizon: MASE
against naive and seasonal naive, the microsimulation's own MASE, bias, coverage of the
50/80/95% intervals and CRPS, and a verdict against the targets (MASE below 0.9, 80%
coverage within 5 points of 80%) that says why where one is missed
(``forecasts.backtest.targets_verdict``, as ``planner forecast-backtest`` prints it). The
synthetic councils come from ``benchmarks/synthetic_councils.py`` (not from the model's own
rates).
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import pandas as pd  # noqa: E402

from forecasts.metrics import mase_against_naive  # noqa: E402
from planner.forecasting.cli import BACKTEST_COLUMNS, targets_text  # noqa: E402
from planner.forecasting.service import backtest_frames  # noqa: E402

DEMO_AS_OF = date(2026, 11, 30)
ALL = ("demo", "scheme", "staying_put", "uasc")


def frames_of(name: str, seed: int) -> tuple[dict[str, pd.DataFrame], date, int]:
    if name == "demo":
        from planner.demo.council import generate_council

        council = generate_council(2024, DEMO_AS_OF)
        return council.forecast, DEMO_AS_OF, 67_300
    from synthetic_councils import generate

    syn = generate(name, seed)
    return {"stays": syn.stays, "capacity": syn.capacity}, syn.as_of.date(), syn.child_population


def score(
    name: str, runs: int, seed: int, origins: int, horizon: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The council's accuracy by horizon, and its verdict against the targets."""
    frames, as_of, child_population = frames_of(name, seed)
    start = time.process_time()
    result = backtest_frames(
        frames,
        as_of=as_of,
        origins=origins,
        horizon=horizon,
        runs=runs,
        seed=seed,
        child_population=child_population,
    )
    cpu = time.process_time() - start
    table = result.overall.copy()
    table.insert(0, "council", name)
    table["mase_microsim"] = [
        mase_against_naive(g["actual"], g["microsim"], g["naive"])
        for _, g in result.rows.groupby("horizon_quarters")
    ]
    models = result.rows.drop_duplicates(["origin", "state"])["model"].value_counts()
    print(
        f"\n{name}: origins {', '.join(d.isoformat() for d in result.origins)}; "
        f"{runs} runs; {cpu:.1f} s CPU; models chosen (type x origin): "
        + ", ".join(f"{k} {v}" for k, v in models.items())
    )
    assert result.targets is not None
    return table, result.targets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--councils", nargs="+", default=list(ALL), choices=ALL)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--origins", type=int, default=4)
    parser.add_argument("--horizon", type=int, default=4)
    args = parser.parse_args()
    scored = {n: score(n, args.runs, args.seed, args.origins, args.horizon) for n in args.councils}
    table = pd.concat([t for t, _ in scored.values()], ignore_index=True)
    show = ["council", *(c for c in BACKTEST_COLUMNS if c not in ("state", "mae"))]
    print()
    print(table[show].round(2).to_string(index=False))
    print()
    for council, (_, targets) in scored.items():
        print(f"{council}: " + targets_text(targets).replace("\n", "\n    "))


if __name__ == "__main__":
    main()
