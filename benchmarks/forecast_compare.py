"""Compare the forecast engine of this tree with another tree's, on the demo council.

    git archive main forecasts benchmarks planner | tar -x -C /tmp/engine-before
    .venv/bin/python benchmarks/forecast_compare.py --other /tmp/engine-before
    .venv/bin/python benchmarks/forecast_compare.py --other /tmp/engine-before --seeds 1 2 3 4
    .venv/bin/python benchmarks/forecast_compare.py --other /tmp/engine-before --seeds 3 \
        --runs 200 --child-population 6000     # the UASC transfer threshold binds

Why: a change to the engine made for speed must not change what it forecasts. For each seed,
each tree runs the whole forecast (demand and capacity-constrained pass) in its own process
and saves every output array; this script then says whether every array is identical, and,
whatever the answer, prints per placement type the mean and the 10/50/90% quantiles over the
runs of the stock at months 12, 36 and 60 of both passes for both trees, with the difference
and the Monte Carlo standard error of the mean (sd / sqrt(runs)) to judge it against. A
difference of a mean within about two standard errors, and of quantiles by about as much, is
Monte Carlo noise; the quantiles of a count move in whole young people.
"""

from __future__ import annotations

import argparse
import dataclasses
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
MONTHS = (12, 36, 60)
QUANTILES = (0.1, 0.5, 0.9)


def dump(out: str, seed: int, runs: int, child_population: int | None = None) -> None:
    """Run the demo's forecast in this process's tree and save every output array
    (``child_population`` in place of the demo's: a small one makes the UASC transfer
    threshold bind, so the running count of UASC in care is compared too)."""
    sys.path.insert(0, str(Path.cwd()))
    from benchmarks.forecast import demo_frames
    from forecasts.forecast import ForecastSettings, fit, run_forecast

    data, _ = demo_frames(1)
    if child_population is not None:
        data = dataclasses.replace(data, child_population=child_population)
    settings = ForecastSettings(runs=runs, months=max(MONTHS), seed=seed)
    forecast = run_forecast(fit(data, settings), settings)
    arrays = {"states": np.array(forecast.states.names)}
    for name in ("demand", "constrained"):
        result = getattr(forecast, name)
        for field in dataclasses.fields(result):
            value = getattr(result, field.name)
            if value is not None:
                arrays[f"{name}/{field.name}"] = value
    np.savez(out, **arrays)


def run_tree(
    tree: Path, seed: int, runs: int, folder: Path, child_population: int | None
) -> dict[str, np.ndarray]:
    out = folder / f"{tree.name}-{seed}.npz"
    cmd = [sys.executable, str(HERE / "forecast_compare.py"), "--dump", str(out)]
    cmd += ["--seeds", str(seed), "--runs", str(runs)]
    if child_population is not None:
        cmd += ["--child-population", str(child_population)]
    subprocess.run(cmd, cwd=tree, check=True)
    with np.load(out) as arrays:
        return {key: arrays[key] for key in arrays.files}


def _same(a: np.ndarray, b: np.ndarray | None) -> bool:
    return b is not None and a.shape == b.shape and bool((a == b).all())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--other", type=Path, help="the tree to compare with (git archive)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument(
        "--child-population",
        type=int,
        help="in place of the demo's (e.g. 6000: the UASC transfer threshold then binds)",
    )
    parser.add_argument("--dump", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.dump:
        dump(args.dump, args.seeds[0], args.runs, args.child_population)
        return
    if args.other is None:
        parser.error("--other is required")
    this = HERE.parent
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        results = {
            seed: (
                run_tree(args.other.resolve(), seed, args.runs, folder, args.child_population),
                run_tree(this, seed, args.runs, folder, args.child_population),
            )
            for seed in args.seeds
        }
    worst = 0.0
    for seed, (old, new) in results.items():
        differ = [key for key in old if not _same(old[key], new.get(key))]
        said = "identical" if not differ else f"differ in {len(differ)}: {', '.join(differ[:6])}"
        print(f"seed {seed}: {len(old) - 1} output arrays of both passes {said}")
    print()
    print(
        f"{'pass':<12}{'type':<42}{'month':>6}  {'mean other/this (diff, se)':<30}"
        f"{'q10 other/this':>16}{'q50 other/this':>16}{'q90 other/this':>16}"
    )
    for seed, (old, new) in results.items():
        names = [str(n) for n in new["states"]]
        for name in ("demand", "constrained"):
            a, b = old[f"{name}/stock"].astype(float), new[f"{name}/stock"].astype(float)
            for k, state in enumerate(names):
                if state == "left" or a[:, :, k].max() == 0 and b[:, :, k].max() == 0:
                    continue
                for month in MONTHS:
                    x, y = a[month - 1, :, k], b[month - 1, :, k]
                    se = np.sqrt((x.var() + y.var()) / len(x))
                    diff = y.mean() - x.mean()
                    worst = max(worst, abs(diff) / se if se > 0 else 0.0)
                    qx, qy = np.quantile(x, QUANTILES), np.quantile(y, QUANTILES)
                    pairs = zip(qx, qy, strict=True)
                    quantiles = "".join(f"{f'{p:g}/{q:g}':>16}" for p, q in pairs)
                    mean = f"{x.mean():.2f}/{y.mean():.2f} ({diff:+.2f}, {se:.2f})"
                    print(f"{name:<12}{state:<42}{month:>6}  {mean:<30}{quantiles}   seed {seed}")
    print(f"\nlargest difference of a mean: {worst:.2f} standard errors")


if __name__ == "__main__":
    main()
