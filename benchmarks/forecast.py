"""Benchmark of the forecast microsimulation: the demo council and ten times its size.

    .venv/bin/python benchmarks/forecast.py                 # demo and 10x, 1,000 runs, 60 months
    .venv/bin/python benchmarks/forecast.py --sizes demo --runs 500

Each size runs in its own process, so peak memory (ru_maxrss) is that size's own. The time is
the whole forecast: estimation from the stays, parameter draws, the demand pass and the
capacity-constrained pass, in CPU seconds of the process (best and median of ``--repeat``
runs after the first; the machine is shared, so wall time, also printed, depends on the
load). Paid once per process and printed apart: ``first s`` is the first forecast's CPU
time, which includes loading the engine's compiled passes (numba's cache; compiling them,
on the first run after an install, takes a few seconds more), and ``import s`` the CPU
time of importing the forecast package (numba itself). The demo
council is ``planner.demo.council.generate_council`` when it exists (else the synthetic council in
``forecasts.synthetic``); ten times its size is ten copies of it with ten times the places.

Independent reference in the same run: a council whose young people only enter one framework
lot (Poisson arrivals, exponential stays capped at 18 months) is forecast for 60 months, and
its mean occupancy is compared with the M/G/infinity result, arrivals x mean length of stay
(insensitive to the stay distribution), and its variance with that mean (Poisson).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

_started = time.process_time()
from forecasts.forecast import ForecastSettings, fit, run_forecast  # noqa: E402
from forecasts.frames import CouncilData  # noqa: E402

# CPU seconds to import the forecast package: mostly numba, which compiles the engine's
# monthly pass (paid once per process, like the first forecast's load of the compiled code)
IMPORT_S = time.process_time() - _started

TARGETS = {"demo": 2.0, "10x": 20.0}
AS_OF = date(2024, 3, 31)


def demo_frames(copies: int) -> tuple[CouncilData, str]:
    """The demo council (``copies`` times over) as forecast input."""
    try:
        from planner.demo.council import generate_council

        council = generate_council(2024, AS_OF)
        people, stays, capacity = council.people, council.stay_history, council.capacity
        source = "planner.demo.council.generate_council"
    except ImportError:  # pragma: no cover - before the planner's demo existed
        from forecasts.synthetic import generate_council

        council = generate_council(2024, AS_OF)
        people, stays, capacity = council.people, council.stays, council.capacity
        source = "forecasts.synthetic.generate_council"
    child_population = council.child_population
    if copies > 1:
        people = pd.concat(
            [people.assign(person_id=people["person_id"] + f"-{k}") for k in range(copies)]
        )
        stays = pd.concat(
            [stays.assign(person_id=stays["person_id"] + f"-{k}") for k in range(copies)]
        )
        capacity = capacity.assign(places=capacity["places"] * copies)
        child_population *= copies
    data = CouncilData.build(
        people=people,
        stays=stays,
        capacity=capacity,
        as_of=pd.Timestamp(AS_OF),
        child_population=child_population,
    )
    return data, source


def measure(size: str, runs: int, months: int, repeat: int) -> dict:
    data, source = demo_frames(10 if size == "10x" else 1)
    settings = ForecastSettings(runs=runs, months=months, seed=1)
    times, walls = [], []
    for _ in range(repeat + 1):  # the first also loads the compiled passes: shown apart
        start, wall = time.process_time(), time.perf_counter()
        forecast = run_forecast(fit(data, settings), settings)
        times.append(time.process_time() - start)
        walls.append(time.perf_counter() - wall)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "size": size,
        "source": source,
        "young_people": len(data.people),
        "stays": len(data.stays),
        "runs": runs,
        "months": months,
        "best_s": min(times[1:]),
        "first_s": times[0],
        "import_s": IMPORT_S,
        "median_s": float(np.median(times[1:])),
        "best_wall_s": min(walls[1:]),
        "peak_mb": peak_mb,
        "columns": int(forecast.demand.stock.shape[2]),
    }


def mg_infinity_check(runs: int) -> dict:
    """One framework lot fed by Poisson arrivals: simulated mean vs arrivals x mean stay."""
    from forecasts.synthetic import ArrivalProfile, SyntheticWorld, generate_council

    lot = "supported_accommodation/care_leavers"
    rate, hazard = 3.0, 0.05
    world = SyntheticWorld(
        hazards={**SyntheticWorld().hazards, lot: hazard},
        destinations={**SyntheticWorld().destinations, lot: {"left": 1.0}},
        arrivals={"only": ArrivalProfile(rate, {lot: 1.0}, (18.0, 19.0), False, False)},
    )
    council = generate_council(5, AS_OF, world=world)
    data = CouncilData.build(
        people=council.people,
        stays=council.stays,
        capacity=None,
        as_of=council.as_of,
        child_population=council.child_population,
    )
    settings = ForecastSettings(runs=runs, months=60, seed=2, constrained=False)
    fitted = fit(data, settings)
    forecast = run_forecast(fitted, settings)
    k = forecast.states.index(lot)
    final = forecast.demand.stock[-1][:, k].astype(float)
    mean_stay = (1 - np.exp(-18 * hazard)) / hazard  # E[min(Exp(hazard), 18 months)]
    trace = fitted.transitions.trace()
    trace = trace[trace["state"] == lot]
    h_est = trace["events"].sum() / trace["exposure_months"].sum()
    rate_est = fitted.streams["new"].rate_per_month
    return {
        "mg_inf_mean": rate * mean_stay,
        "mg_inf_mean_estimated": rate_est * (1 - np.exp(-18 * h_est)) / h_est,
        "simulated_mean": float(final.mean()),
        "simulated_sd": float(final.std()),
        "poisson_sd": float(np.sqrt(rate * mean_stay)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["demo", "10x"], choices=list(TARGETS))
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--months", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.runs, args.months, args.repeat)))
        return
    print(
        f"{'size':<6}{'young people':>14}{'stays':>8}{'runs':>6}{'months':>7}"
        f"{'CPU s':>8}{'median s':>10}{'target s':>10}{'peak MB':>9}{'wall s':>8}"
        f"{'first s':>9}{'import s':>10}  {'':<5}source"
    )
    for size in args.sizes:
        cmd = [
            sys.executable,
            __file__,
            "--one",
            size,
            "--runs",
            str(args.runs),
            "--months",
            str(args.months),
            "--repeat",
            str(args.repeat),
        ]
        row = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)
        ok = "ok" if row["best_s"] < TARGETS[size] else "SLOW"
        print(
            f"{size:<6}{row['young_people']:>14}{row['stays']:>8}{row['runs']:>6}"
            f"{row['months']:>7}{row['best_s']:>8.2f}{row['median_s']:>10.2f}"
            f"{TARGETS[size]:>10.0f}{row['peak_mb']:>9.0f}{row['best_wall_s']:>8.1f}"
            f"{row['first_s']:>9.2f}{row['import_s']:>10.2f}  {ok:<5}{row['source']}"
        )
    check = mg_infinity_check(min(args.runs, 1000))
    print(
        "M/G/inf reference (one framework lot, 60 months): "
        f"arrivals x mean stay = {check['mg_inf_mean']:.1f} with the true rates, "
        f"{check['mg_inf_mean_estimated']:.1f} with the rates estimated from the history; "
        f"simulated mean = {check['simulated_mean']:.1f}; "
        f"simulated sd = {check['simulated_sd']:.1f} vs Poisson sd {check['poisson_sd']:.1f} "
        "(larger: the runs also carry the uncertainty of the estimated rates)"
    )


if __name__ == "__main__":
    main()
