"""Benchmark of the matching model at council, county and regional size.

    .venv/bin/python benchmarks/matching.py                      # all sizes, CBC and HiGHS
    .venv/bin/python benchmarks/matching.py --sizes council --solvers cbc

Each (size, solver) runs in its own process so peak memory (ru_maxrss) is that run's own.
For every run, stage (a) is also solved by an independent method, networkx maximum flow on
the same possible pairs restricted to young people in unsuitable accommodation, and the two
optima must agree; the table prints the planner's end-to-end time over the max-flow time.
"""

from __future__ import annotations

import argparse
import json
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


def independent_stage_a(result, vacancies) -> tuple[int, float]:
    """Maximum number moved out of unsuitable accommodation, by networkx max-flow."""
    import networkx as nx
    import numpy as np

    compatibility = result.compatibility
    unsuitable = set(result.unmatched.query("need == 'unsuitable'")["person_id"]) | set(
        result.proposals.query("need == 'unsuitable'")["person_id"]
    )
    started = time.perf_counter()
    person_ids = compatibility.person_ids.to_numpy()
    vacancy_ids = compatibility.vacancy_ids.to_numpy()
    keep = np.isin(person_ids[compatibility.person], list(unsuitable))
    graph = nx.DiGraph()
    people = person_ids[compatibility.person[keep]]
    places = vacancy_ids[compatibility.vacancy[keep]]
    graph.add_edges_from(("s", p, {"capacity": 1}) for p in set(people))
    graph.add_edges_from((p, v, {"capacity": 1}) for p, v in zip(people, places, strict=True))
    capacity = dict(zip(vacancies["vacancy_id"], vacancies["capacity"], strict=True))
    graph.add_edges_from((v, "t", {"capacity": int(capacity[v])}) for v in set(places))
    value = 0
    if "s" in graph and "t" in graph:
        value = int(nx.maximum_flow_value(graph, "s", "t"))
    return value, time.perf_counter() - started


def run_one(size_name: str, solver: str) -> dict[str, object]:
    from matching_instances import AS_OF, SIZES, make_instance

    from optimiser import match

    instance = make_instance(SIZES[size_name])
    started = time.perf_counter()
    result = match(
        instance["people"],
        instance["vacancies"],
        travel_times=instance["travel_times"],
        as_of=AS_OF,
        solver=solver,
        time_limit_seconds=600,
        max_travel_minutes=MAX_TRAVEL_MINUTES,
    )
    end_to_end = time.perf_counter() - started
    # Peak memory of the planner's run (this process and the CBC child), before max-flow.
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    flow, flow_seconds = independent_stage_a(result, instance["vacancies"])
    stages = result.stages.set_index("stage")
    return {
        "size": size_name,
        "solver": solver,
        "people": len(instance["people"]),
        "vacancies": len(instance["vacancies"]),
        "pairs": result.counts["possible_pairs"],
        "status": result.status,
        "validate_s": result.timings["validate"],
        "rules_s": result.timings["rules"] + result.timings["scores"],
        "build_s": float(stages["build_seconds"].sum()),
        "solve_a_s": float(stages.loc["a", "solve_seconds"]) if "a" in stages.index else 0.0,
        "solve_b_s": float(stages.loc["b", "solve_seconds"]) if "b" in stages.index else 0.0,
        "solve_c_s": float(stages.loc["c", "solve_seconds"]) if "c" in stages.index else 0.0,
        "explain_s": result.timings["explain"],
        "end_to_end_s": end_to_end,
        "moved_out": result.counts["moved_out_of_unsuitable"],
        "in_unsuitable": result.counts["in_unsuitable_accommodation"],
        "max_flow": flow,
        "max_flow_s": flow_seconds,
        "agree": flow == result.counts["moved_out_of_unsuitable"],
        "fractional": int(result.stages["fractional_in_lp"].sum()),
        "peak_mb": peak_mb,
        "solver_child_peak_mb": children_mb,
    }


def table(rows: list[dict[str, object]]) -> str:
    header = (
        "| size | solver | people x vacancies | pairs | rules s | build s | solve a / b / c s "
        "| explain s | end to end s | peak MB (planner / CBC child) "
        "| stage a: planner = max-flow | max-flow s | end to end / max-flow |"
    )
    lines = [header, "|" + "---|" * 13]
    for r in rows:
        lines.append(
            f"| {r['size']} | {r['solver']} | {r['people']:,} x {r['vacancies']:,} "
            f"| {r['pairs']:,} | {r['rules_s']:.2f} | {r['build_s']:.2f} "
            f"| {r['solve_a_s']:.2f} / {r['solve_b_s']:.2f} / {r['solve_c_s']:.2f} "
            f"| {r['explain_s']:.2f} | {r['end_to_end_s']:.2f} "
            f"| {r['peak_mb']:,.0f} / {r['solver_child_peak_mb']:,.0f} "
            f"| {r['moved_out']:,} = {r['max_flow']:,} {'yes' if r['agree'] else 'NO'} "
            f"| {r['max_flow_s']:.2f} | {r['end_to_end_s'] / max(r['max_flow_s'], 1e-9):.0f}x |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["council", "county", "regional"])
    parser.add_argument("--solvers", nargs="+", default=["cbc", "highs"])
    parser.add_argument("--one", nargs=2, metavar=("SIZE", "SOLVER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(*args.one)))
        return 0
    rows = []
    for size in args.sizes:
        for solver in args.solvers:
            done = subprocess.run(
                [sys.executable, __file__, "--one", size, solver],
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
    failed = [r for r in rows if not r["agree"]]
    for r in rows:
        target = TARGETS.get(r["size"])
        if target is not None:
            verdict = "met" if r["end_to_end_s"] < target else "MISSED"
            print(f"{r['size']} {r['solver']}: end to end target < {target:g} s {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
