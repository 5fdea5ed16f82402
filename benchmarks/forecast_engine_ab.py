"""Time this tree's forecast engine against another tree's, in one process, alternating.

    git archive main forecasts benchmarks planner | tar -x -C /tmp/engine-before
    .venv/bin/python benchmarks/forecast_engine_ab.py /tmp/engine-before --rounds 8
    .venv/bin/python benchmarks/forecast_engine_ab.py /tmp/engine-before --rounds 2 --copies 10

Why: on a shared machine one process's CPU time varies by 10% or more from run to run with
the other work, as much as an engine change is worth; running both engines in one process,
each round in turn on the same inputs, puts them under the same load. Only
``forecasts/simulation.py`` is taken from the other tree (the rest of ``forecasts`` is this
tree's, so it must not have changed there). Times both passes (demand and
capacity-constrained) of ``Engine.run``, 1,000 runs, 60 months, seed 1; prints the least and
the median CPU seconds of each engine.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import forecasts.forecast as forecast_module  # noqa: E402
import forecasts.simulation as this_engine  # noqa: E402
from benchmarks.forecast import demo_frames  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("other", type=Path, help="the other tree (git archive of a commit)")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--copies", type=int, default=1, help="10 for ten times the demo")
    args = parser.parse_args()
    spec = importlib.util.spec_from_file_location(
        "other_simulation", args.other / "forecasts" / "simulation.py"
    )
    assert spec is not None and spec.loader is not None
    other = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(other)
    data, _ = demo_frames(args.copies)
    settings = forecast_module.ForecastSettings(runs=1000, months=60, seed=1)
    fitted = forecast_module.fit(data, settings)
    seen: dict = {"plans": []}

    class Recorder(this_engine.Engine):
        """The engine run_forecast builds, with its arguments and plans kept for replay."""

        def __init__(self, *engine_args):
            seen["args"] = engine_args
            super().__init__(*engine_args)

        def run(self, plan=None):
            seen["plans"].append(plan)
            return super().run(plan)

    forecast_module.Engine = Recorder  # type: ignore[misc]
    forecast_module.run_forecast(fitted, settings)
    engine_args, plan = seen["args"], seen["plans"][-1]
    engines = {"other": other, "this": this_engine}
    times: dict[str, list[float]] = {name: [] for name in engines}
    for k in range(args.rounds):
        for name in ("other", "this") if k % 2 == 0 else ("this", "other"):
            engine = engines[name].Engine(*engine_args)
            start = time.process_time()
            engine.run(None)
            engine.run(plan)
            times[name].append(time.process_time() - start)
    for name, values in times.items():
        values.sort()
        print(
            f"{name:<6} least {values[0]:.2f} s  median {values[len(values) // 2]:.2f} s  "
            f"({', '.join(f'{v:.2f}' for v in values)})"
        )


if __name__ == "__main__":
    main()
