"""Benchmark of the matching model at council, county and regional size.

    .venv/bin/python benchmarks/matching.py                 # all sizes, all paths
    .venv/bin/python benchmarks/matching.py --sizes council --paths auto cbc/pulp

A path is `solver/backend` (`cbc/pulp`, `highs/pulp`, `highs/arrays`) or `auto`, the default
a council gets: solver CBC and backend auto, which takes the array path (HiGHS) for a pure
run from `optimiser.stages.ARRAY_PATH_MIN_PAIRS` possible pairs and PuLP with CBC below.
Each (size, path) runs in its own process so peak memory (ru_maxrss) is that run's own.
For every run, stage (a) is also solved by an independent method, scipy's maximum flow
(Dinic) on the same possible pairs restricted to young people in unsuitable accommodation,
and the two optima must agree; the table prints the planner's end-to-end time over the
max-flow time. Runs of one size must also give identical proposals on every path.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

MAX_TRAVEL_MINUTES = 40
TARGETS = {"council": 1.0, "regional": 60.0}
MEMORY_TARGET_MB = 4096
PATHS = ["auto", "cbc/pulp", "highs/pulp", "highs/arrays", "cbc/flow"]


def independent_stage_a(result, vacancies) -> tuple[int, float]:
    """Maximum number moved out of unsuitable accommodation, by scipy's maximum flow."""
    import numpy as np
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import maximum_flow

    compatibility = result.compatibility
    unsuitable = set(result.unmatched.query("need == 'unsuitable'")["person_id"]) | set(
        result.proposals.query("need == 'unsuitable'")["person_id"]
    )
    started = time.perf_counter()
    person_ids = compatibility.person_ids
    keep = np.isin(person_ids, list(unsuitable))[compatibility.person]
    people = compatibility.person[keep]
    places = compatibility.vacancy[keep]
    if len(people) == 0:
        return 0, time.perf_counter() - started
    n, m = len(person_ids), len(vacancies)
    source, sink = n + m, n + m + 1
    heads = np.unique(people)
    tails = np.concatenate([np.full(len(heads), source), people, n + np.arange(m)])
    ends = np.concatenate([heads, n + places, np.full(m, sink)])
    capacity = np.concatenate(
        [np.ones(len(heads) + len(people)), vacancies["capacity"].to_numpy()]
    ).astype(np.int32)
    graph = csr_matrix((capacity, (tails, ends)), shape=(n + m + 2, n + m + 2))
    value = int(maximum_flow(graph, source, sink, method="dinic").flow_value)
    return value, time.perf_counter() - started


def run_one(size_name: str, path: str) -> dict[str, object]:
    import hashlib

    from matching_instances import AS_OF, SIZES, make_instance

    from optimiser import match

    solver, backend = ("cbc", "auto") if path == "auto" else path.split("/")
    instance = make_instance(SIZES[size_name])
    started = time.perf_counter()
    result = match(
        instance["people"],
        instance["vacancies"],
        travel_times=instance["travel_times"],
        as_of=AS_OF,
        solver=solver,
        backend=backend,
        time_limit_seconds=600,
        max_travel_minutes=MAX_TRAVEL_MINUTES,
    )
    end_to_end = time.perf_counter() - started
    # Peak memory of the planner's run (this process and the CBC child), before max-flow.
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    flow, flow_seconds = independent_stage_a(result, instance["vacancies"])
    stages = result.stages
    by_stage = stages.groupby("stage")["solve_seconds"].sum()
    pairs = result.proposals[["person_id", "vacancy_id"]].to_csv(index=False)
    return {
        "size": size_name,
        "path": path,
        "solver": result.solver,
        "backend": result.backend,
        "people": len(instance["people"]),
        "vacancies": len(instance["vacancies"]),
        "pairs": result.counts["possible_pairs"],
        "status": result.status,
        "validate_s": result.timings["validate"],
        "rules_s": result.timings["rules"] + result.timings["scores"],
        "build_s": float(stages["build_seconds"].sum()),
        "solve_a_s": float(by_stage.get("a", 0.0)),
        "solve_b_s": float(by_stage.get("b", 0.0)),
        "solve_c_s": float(by_stage.get("c", 0.0)),
        "tie_break_s": float(stages["tie_break_seconds"].sum()),
        "tie_break": ",".join(t for t in stages["tie_break"] if t),
        "tie_break_variables": int(stages["tie_break_variables"].sum()),
        "explain_s": result.timings["explain"],
        "end_to_end_s": end_to_end,
        "moved_out": result.counts["moved_out_of_unsuitable"],
        "in_unsuitable": result.counts["in_unsuitable_accommodation"],
        "stage_values": [float(v) for v in stages["value"]],
        "proposals_sha": hashlib.sha256(pairs.encode()).hexdigest()[:12],
        "max_flow": flow,
        "max_flow_s": flow_seconds,
        "agree": flow == result.counts["moved_out_of_unsuitable"],
        "fractional": int(stages["fractional_in_lp"].sum()),
        "peak_mb": peak_mb,
        "solver_child_peak_mb": children_mb,
        "load_1min": os.getloadavg()[0],
    }


def table(rows: list[dict[str, object]]) -> str:
    header = (
        "| size | path (solver, backend) | people x vacancies | pairs | rules s | build s "
        "| solve a / b / c s | tie-break s (free pairs) | explain s | end to end s "
        "| peak MB (planner / CBC child) | stage a: planner = max-flow | max-flow s "
        "| end to end / max-flow | proposals | load |"
    )
    lines = [header, "|" + "---|" * 16]
    for r in rows:
        lines.append(
            f"| {r['size']} | {r['path']} ({r['solver']}, {r['backend']}) "
            f"| {r['people']:,} x {r['vacancies']:,} "
            f"| {r['pairs']:,} | {r['rules_s']:.2f} | {r['build_s']:.2f} "
            f"| {r['solve_a_s']:.2f} / {r['solve_b_s']:.2f} / {r['solve_c_s']:.2f} "
            f"| {r['tie_break_s']:.2f} ({r['tie_break_variables']:,}) "
            f"| {r['explain_s']:.2f} | {r['end_to_end_s']:.2f} "
            f"| {r['peak_mb']:,.0f} / {r['solver_child_peak_mb']:,.0f} "
            f"| {r['moved_out']:,} = {r['max_flow']:,} {'yes' if r['agree'] else 'NO'} "
            f"| {r['max_flow_s']:.3f} | {r['end_to_end_s'] / max(r['max_flow_s'], 1e-9):.0f}x "
            f"| {r['proposals_sha']} | {r['load_1min']:.1f} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["council", "county", "regional"])
    parser.add_argument("--paths", nargs="+", default=PATHS)
    parser.add_argument("--json", type=Path, help="also write the rows to this file")
    parser.add_argument("--one", nargs=2, metavar=("SIZE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(*args.one)))
        return 0
    rows = []
    for size in args.sizes:
        for path in args.paths:
            done = subprocess.run(
                [sys.executable, __file__, "--one", size, path],
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode:
                print(done.stderr, file=sys.stderr)
                continue
            rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(table(rows[-1:]).splitlines()[-1], flush=True)
    print()
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    failed = [r for r in rows if not r["agree"]]
    for size in args.sizes:
        mine = [r for r in rows if r["size"] == size]
        if len({(r["proposals_sha"], tuple(r["stage_values"])) for r in mine}) > 1:
            print(f"{size}: paths DISAGREE on proposals or stage values")
            failed.extend(mine)
        elif len(mine) > 1:
            print(f"{size}: identical proposals and stage values on {len(mine)} paths")
    for r in rows:
        if r["path"] != "auto":
            continue
        target = TARGETS.get(r["size"])
        if target is not None:
            verdict = "met" if r["end_to_end_s"] < target else "MISSED"
            print(f"{r['size']} auto: end to end target < {target:g} s {verdict}")
        verdict = "met" if r["peak_mb"] < MEMORY_TARGET_MB else "MISSED"
        print(f"{r['size']} auto: peak memory target < {MEMORY_TARGET_MB} MB {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
