"""The project against independent references, same instances, same run, each in its own process.

    .venv/bin/python benchmarks/matching_reference.py                        # all sizes
    .venv/bin/python benchmarks/matching_reference.py --sizes council county --runs 3
    .venv/bin/python benchmarks/matching_reference.py --sizes county --kinds side

For each size (council 600 x 250, county 5,000 x 2,000, regional 20,000 x 8,000, from
`matching_instances.py`) and kind (`pure`: no side constraints; `side`: the mix limits, lot
limits and together groups of `matching_instances.side_constraints`):

* **project**: `optimiser.match` with the defaults a council gets (`backend="auto"`: the flow
  path for a pure run, HiGHS MIP steps on arrays with side constraints), alternatives off.
  It reports the whole run and the stages alone (build, solve and tie-break of every stage).
* **reference, pure**: OR-Tools' `SimpleMinCostFlow`, three stages written here from the
  per-pair arrays the project's rules produced (who may take which vacancy, urgency and
  deadline ranks, on-time pairs, fit scores): (a) the most urgent set out of unsuitable
  accommodation, (b) imminent needs on time with (a)'s set kept, (c) best fit with both kept.
  OR-Tools cannot share a process with highspy (google/or-tools#5246), so it runs in its own
  process, from the folder given by `--ortools` (default `.bench-ortools`, made by
  `pip install --target .bench-ortools ortools==9.15.6755`; not a dependency of the project).
The ratio is of CPU seconds: whole run / reference, then the stages alone (the project's
`run_stages`, i.e. building, solving and the tie-break of the three stages, against the
reference's three min-cost flows after loading the arrays).

* **reference, side**: the PuLP reference model (`backend="pulp"`, CBC), an independent
  build of the same rows, solved as MIPs step by step; bounded by `--reference-limit` seconds,
  because at county size it does not finish (docs/performance.md); by default only at
  council size (`--side-reference-sizes`). Elsewhere the project's own gaps are the check.

Every process's peak memory is its own (ru_maxrss). The table gives CPU seconds (user +
system of the process, the figure least disturbed by other work on a shared machine) and wall
seconds, the ratio project / reference, and whether every stage objective agrees.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MAX_TRAVEL_MINUTES = 40
SIZES = ("council", "county", "regional")
KINDS = ("pure", "side")


def _cpu() -> float:
    """CPU seconds of this process and its finished children (CBC runs as a child)."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_project(size: str, kind: str, dump: Path | None, backend: str, limit: float) -> dict:
    """One match run; with `dump`, also the per-pair arrays the pure reference needs."""
    sys.path.insert(0, str(HERE))
    sys.path.insert(0, str(ROOT))
    import numpy as np
    from matching_instances import AS_OF, make_instance, side_constraints
    from matching_instances import SIZES as INSTANCE_SIZES

    import optimiser.match_run as match_run
    from optimiser import match

    instance = make_instance(INSTANCE_SIZES[size])
    extra = {}
    if kind == "side":
        instance = side_constraints(instance)
        extra = {"mix_limits": instance["mix_limits"], "lot_limits": instance["lot_limits"]}
    captured = {}
    run_stages = match_run.run_stages

    def spy(inputs):
        captured["inputs"] = inputs
        started = _cpu()
        try:
            return run_stages(inputs)
        finally:
            captured["stages_cpu"] = _cpu() - started

    match_run.run_stages = spy
    cpu, wall = _cpu(), time.perf_counter()
    result = match(
        instance["people"],
        instance["vacancies"],
        travel_times=instance["travel_times"],
        as_of=AS_OF,
        backend=backend,
        time_limit_seconds=limit,
        max_travel_minutes=MAX_TRAVEL_MINUTES,
        alternatives=False,
        **extra,
    )
    cpu, wall = _cpu() - cpu, time.perf_counter() - wall
    stages = result.stages
    if dump is not None:
        s = captured["inputs"]
        np.savez(
            dump,
            person=s.graph.person,
            vacancy=s.graph.vacancy,
            capacity=s.graph.capacity,
            urgency_rank=s.urgency_rank,
            deadline_rank=s.deadline_rank,
            on_time=s.on_time,
            score=s.score,
        )
    stage_seconds = float(
        stages["build_seconds"].sum()
        + stages["solve_seconds"].sum()
        + stages["tie_break_seconds"].sum()
    )
    return {
        "who": f"project ({result.backend}, {result.solver})",
        "pairs": int(result.counts["possible_pairs"]),
        "status": result.status,
        "cpu_s": cpu,
        "wall_s": wall,
        "stages_s": stage_seconds,
        "stages_cpu_s": captured["stages_cpu"],
        "values": [None if v != v else float(v) for v in stages["value"]],
        "gaps": [None if g != g or g is None else float(g) for g in stages["gap"]],
        "stage_names": list(stages["stage"]),
        "proposals": int(len(result.proposals)),
        "peak_mb": _peak_mb(),
    }


def run_ortools(dump: Path) -> dict:
    """Three lexicographic stages as min-cost flows (OR-Tools), from the per-pair arrays."""
    import numpy as np
    from ortools.graph.python import min_cost_flow

    data = dict(np.load(dump))
    cpu, wall = _cpu(), time.perf_counter()
    person, vacancy, capacity = data["person"], data["vacancy"], data["capacity"]
    people = int(person.max()) + 1 if len(person) else 0
    urgency, deadline = data["urgency_rank"], data["deadline_rank"]
    unsuitable, imminent = urgency >= 0, deadline >= 0
    on_time = data["on_time"].astype(bool)

    def ranks(rank):
        count = int((rank >= 0).sum())
        return np.where(rank >= 0, count - rank, 0).astype(np.int64)

    def solve(edges, weights, must):
        """max sum(weights) over `edges`; people in `must` placed. Returns the chosen edges."""
        if len(edges) == 0:
            return edges
        n_vac = len(capacity)
        source, sink = people + n_vac, people + n_vac + 1
        flow = min_cost_flow.SimpleMinCostFlow()
        p, v = person[edges], vacancy[edges]
        arcs = flow.add_arcs_with_capacity_and_unit_cost(
            p, people + v, np.ones(len(edges), dtype=np.int64), -weights.astype(np.int64)
        )
        optional = np.unique(p[~must[p]])
        fixed = np.unique(p[must[p]])
        flow.add_arcs_with_capacity_and_unit_cost(
            np.full(len(optional), source),
            optional,
            np.ones(len(optional), np.int64),
            np.zeros(len(optional), np.int64),
        )
        flow.add_arcs_with_capacity_and_unit_cost(
            people + np.arange(n_vac),
            np.full(n_vac, sink),
            capacity.astype(np.int64),
            np.zeros(n_vac, np.int64),
        )
        flow.add_arc_with_capacity_and_unit_cost(source, sink, len(optional), 0)  # bypass
        for node in fixed:
            flow.set_node_supply(int(node), 1)
        flow.set_node_supply(source, len(optional))
        flow.set_node_supply(sink, -(len(optional) + len(fixed)))
        status = flow.solve()
        if status != flow.OPTIMAL:
            raise RuntimeError(f"min-cost flow status {status}")
        return edges[flow.flows(arcs) > 0]

    placed = np.zeros(people, dtype=bool)
    edges_a = np.flatnonzero(unsuitable[person])
    chosen = solve(edges_a, ranks(urgency)[person[edges_a]], placed)
    moved_out = np.zeros(people, dtype=bool)
    moved_out[person[chosen]] = True
    keep = moved_out[person] | (imminent[person] & on_time)
    edges_b = np.flatnonzero(keep & ~(unsuitable & ~moved_out)[person])
    weights_b = np.where(moved_out[person[edges_b]], 0, ranks(deadline)[person[edges_b]])
    chosen = solve(edges_b, weights_b, moved_out)
    met = np.zeros(people, dtype=bool)
    met[person[chosen]] = True
    met &= imminent
    keep = moved_out[person] | (met[person] & on_time) | ~(unsuitable | met)[person]
    edges_c = np.flatnonzero(keep)
    chosen = solve(edges_c, data["score"][edges_c], moved_out | met)
    values = [float(moved_out.sum()), float(met.sum()), float(data["score"][chosen].sum())]
    cpu = _cpu() - cpu
    return {
        "who": "OR-Tools min-cost flow, 3 stages",
        "status": "optimal",
        "proposals": int(len(chosen)),
        "cpu_s": cpu,
        "wall_s": time.perf_counter() - wall,
        "stages_s": time.perf_counter() - wall,
        "stages_cpu_s": cpu,
        "values": values,
        "peak_mb": _peak_mb(),
    }


def _child(args: list[str], env: dict[str, str] | None = None) -> dict | str:
    done = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, env=env, check=False
    )
    if done.returncode:
        return done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"
    return json.loads(done.stdout.strip().splitlines()[-1])


def _agree(project: dict, reference: dict, kind: str) -> str:
    if kind == "pure":
        mine = dict(zip(project["stage_names"], project["values"], strict=True))
        theirs = dict(zip("abc", reference["values"], strict=True))
        same = all(mine.get(stage, 0.0) == theirs[stage] for stage in "abc")
    else:
        same = project["values"] == reference["values"]
    return "yes" if same else "NO"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=list(SIZES), choices=SIZES)
    parser.add_argument("--kinds", nargs="+", default=list(KINDS), choices=KINDS)
    parser.add_argument("--runs", type=int, default=1, help="runs per case (median)")
    parser.add_argument("--ortools", type=Path, default=ROOT / ".bench-ortools")
    parser.add_argument("--limit", type=float, default=60.0, help="the project's time limit")
    parser.add_argument("--reference-limit", type=float, default=120.0)
    parser.add_argument(
        "--side-reference-sizes",
        nargs="*",
        default=["council"],
        choices=SIZES,
        help="sizes at which the PuLP reference MIP runs (it builds 1M pairs in minutes)",
    )
    parser.add_argument("--json", type=Path)
    parser.add_argument("--one", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        what = args.one[0]
        if what == "ortools":
            print(json.dumps(run_ortools(Path(args.one[1]))))
        else:
            size, kind, backend, limit = args.one[1:5]
            dump = Path(args.one[5]) if len(args.one) > 5 else None
            print(json.dumps(run_project(size, kind, dump, backend, float(limit))))
        return 0
    env = dict(os.environ, PYTHONPATH=str(args.ortools))
    rows = []
    header = (
        "| size | kind | pairs | who | status | CPU s | wall s | stages CPU s | peak MB "
        "| ratio CPU (project / reference) | stage objectives agree |"
    )
    print(header)
    print("|" + "---|" * 11, flush=True)
    for size in args.sizes:
        for kind in args.kinds:
            projects, references = [], []
            with tempfile.TemporaryDirectory() as scratch:
                dump = Path(scratch) / "pairs.npz"
                for _ in range(args.runs):
                    one = ["--one", "project", size, kind, "auto", str(args.limit)]
                    projects.append(_child(one + ([str(dump)] if kind == "pure" else [])))
                    if kind == "pure":
                        references.append(_child(["--one", "ortools", str(dump)], env))
                    elif size in args.side_reference_sizes:
                        limit = str(args.reference_limit)
                        references.append(_child(["--one", "project", size, kind, "pulp", limit]))
            for label, runs in (("project", projects), ("reference", references)):
                failed = [r for r in runs if isinstance(r, str)]
                if failed:
                    print(f"| {size} | {kind} | | {label} | failed: {failed[0]} |||||||")
            good_p = [r for r in projects if isinstance(r, dict)]
            good_r = [r for r in references if isinstance(r, dict)]
            if not good_p:
                continue
            project = sorted(good_p, key=lambda r: r["cpu_s"])[len(good_p) // 2]
            reference = (
                sorted(good_r, key=lambda r: r["cpu_s"])[len(good_r) // 2] if good_r else None
            )
            if reference is not None and kind == "side":
                reference["who"] = "reference MIP (PuLP model, CBC)"
            ratio = f"{project['cpu_s'] / max(reference['cpu_s'], 1e-9):.1f}x" if reference else ""
            agree = _agree(project, reference, kind) if reference else "n/a"
            if kind == "pure" and reference:
                stages_only = project["stages_cpu_s"] / max(reference["stages_cpu_s"], 1e-9)
                ratio += f"; stages only {stages_only:.1f}x"
            for r in [project] + ([reference] if reference else []):
                print(
                    f"| {size} | {kind} | {project['pairs']:,} | {r['who']} "
                    f"| {r['status']} ({r.get('proposals', '-')} proposals) "
                    f"| {r['cpu_s']:.2f} | {r['wall_s']:.2f} | {r['stages_cpu_s']:.2f} "
                    f"| {r['peak_mb']:,.0f} | {ratio if r is project else ''} "
                    f"| {agree if r is project else ''} |",
                    flush=True,
                )
            if project.get("gaps") and any(g for g in project["gaps"] if g):
                print(f"|  |  |  | gaps per step: {project['gaps']} |||||||")
            rows.append({"size": size, "kind": kind, "project": project, "reference": reference})
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f} (2 cores, shared)")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
