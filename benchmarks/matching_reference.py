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

* **reference, side**: an independent MIP (`run_side_mip`): every row written in this file
  from the per-pair arrays the project's rules produced, the whole model (every pair, no
  column generation, no reduced-cost fixing, no tightened rows, no warm start) solved by
  HiGHS step by step with each optimum kept by a floor row; bounded by `--reference-limit`
  seconds for the whole run. `--side-reference pulp` uses the project's PuLP model with CBC
  instead (minutes to build at county size). It runs at the sizes given by
  `--side-reference-sizes` (council by default; county takes it about ten minutes):

      .venv/bin/python benchmarks/matching_reference.py --sizes county --kinds side \
          --limit 60 --side-reference-sizes county --reference-limit 1800

  A table of every step's objective, project against reference, follows each side row.

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
        g = s.graph
        side = {}
        if kind == "side":
            # what the independent side MIP needs, as plain codes (no project objects)
            _, provision = np.unique(g.provision_ids.astype(str), return_inverse=True)
            names = np.unique(g.provision_ids.astype(str))
            mix = g.mix_limits
            side = {
                "provision": provision,
                "lot": np.array([str(x) for x in g.lots]),
                "mix_provision": np.searchsorted(names, mix["provision_id"].astype(str)),
                "mix_limit": mix["max_young_people"].to_numpy(dtype=np.int64),
                "mix_flagged": np.array(
                    [[flag in flags for flags in g.risk_flags] for flag in mix["risk_flag"]],
                    dtype=bool,
                ).reshape(len(mix), len(g.person_ids)),
                "lot_name": np.array([str(x) for x in g.lot_limits["lot"]], dtype=str),
                "lot_min": g.lot_limits["min_young_people"].fillna(0).to_numpy(dtype=float),
                "lot_max": g.lot_limits["max_young_people"].astype(float).to_numpy(),
                "group": np.array([str(x) if isinstance(x, str) else "" for x in g.together_group]),
                "tier": s.tier,
            }
        np.savez(
            dump,
            person=g.person,
            vacancy=g.vacancy,
            capacity=g.capacity,
            urgency_rank=s.urgency_rank,
            deadline_rank=s.deadline_rank,
            on_time=s.on_time,
            score=s.score,
            **side,
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


def run_side_mip(dump: Path, limit: float) -> dict:
    """The side-constrained steps as one plain MIP over every pair, written here from the arrays.

    Independent of `optimiser.side`: every row is built here (no column generation, no
    reduced-cost fixing, no tightened group rows, no warm start), each step's optimum is kept
    by a floor row, and HiGHS (with its presolve) solves the whole MIP of each step. It is
    slow at county size, hence its own time limit (`--reference-limit`, for the whole run)."""
    import highspy
    import numpy as np

    data = dict(np.load(dump))
    cpu, wall = _cpu(), time.perf_counter()
    person, vacancy = data["person"], data["vacancy"]
    n = len(person)
    people = len(data["urgency_rank"])
    provision = data["provision"][vacancy]
    lot = data["lot"][vacancy]
    rows: list[tuple[np.ndarray, np.ndarray, float, float]] = []
    zero = np.zeros(n, dtype=bool)
    for key, bound in ((person, np.ones(people)), (vacancy, data["capacity"])):
        order = np.argsort(key, kind="stable")
        cuts = np.flatnonzero(np.diff(key[order])) + 1
        for part in np.split(order, cuts):
            if len(part):
                rows.append((part, np.ones(len(part)), -np.inf, float(bound[key[part[0]]])))
    for k, (where, most) in enumerate(zip(data["mix_provision"], data["mix_limit"], strict=True)):
        part = np.flatnonzero((provision == where) & data["mix_flagged"][k][person])
        rows.append((part, np.ones(len(part)), -np.inf, float(most)))
    for name, least, most in zip(data["lot_name"], data["lot_min"], data["lot_max"], strict=True):
        part = np.flatnonzero(lot == name)
        upper = float(most) if most == most else np.inf
        rows.append((part, np.ones(len(part)), float(least) if least else -np.inf, upper))
    group = data["group"]
    for name in sorted(set(group) - {""}):
        members = np.flatnonzero(group == name)
        mine = np.flatnonzero(group[person] == name)
        if any(not (person[mine] == m).any() for m in members):
            zero[mine] = True  # a member with no possible place: nobody of the group moves
        for a, b in zip(members[:-1], members[1:], strict=True):
            for where in np.unique(provision[mine]):
                pa = mine[(person[mine] == a) & (provision[mine] == where)]
                pb = mine[(person[mine] == b) & (provision[mine] == where)]
                rows.append((np.r_[pa, pb], np.r_[np.ones(len(pa)), -np.ones(len(pb))], 0.0, 0.0))
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    h.addVars(n, np.zeros(n), np.where(zero, 0.0, 1.0))
    h.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.ones(n, dtype=np.uint8))
    lengths = np.array([len(r[0]) for r in rows])
    starts = np.r_[0, np.cumsum(lengths)[:-1]].astype(np.int32)
    h.addRows(
        len(rows),
        np.array([r[2] for r in rows]),
        np.array([r[3] for r in rows]),
        int(lengths.sum()),
        starts,
        np.concatenate([r[0] for r in rows]).astype(np.int32),
        np.concatenate([r[1] for r in rows]),
    )
    urgency, deadline, tier = data["urgency_rank"], data["deadline_rank"], data["tier"]
    unsuitable, imminent = (urgency >= 0)[person], (deadline >= 0)[person]

    def ranks(rank):
        return np.where(rank >= 0, int((rank >= 0).sum()) - rank, 0).astype(float)

    on_time = (imminent & data["on_time"].astype(bool)).astype(float)
    steps = [unsuitable * 1.0]
    steps += [(unsuitable & (tier[person] >= 0) & (tier[person] <= t)) * 1.0 for t in range(3)]
    steps += [ranks(urgency)[person], on_time, on_time * ranks(deadline)[person]]
    steps.append(data["score"].astype(float))
    values: list[float | None] = []
    gaps: list[float | None] = []
    proposals = 0
    status = "optimal"
    last = None
    for k, weights in enumerate(steps):
        final = k == len(steps) - 1
        if (not final and not weights.any()) or (last is not None and (weights == last).all()):
            continue
        left = limit - (time.perf_counter() - wall)
        if left <= 0:
            status = "time_limit"
            break
        h.changeColsCost(n, np.arange(n, dtype=np.int32), weights)
        h.setOptionValue("time_limit", left)
        h.run()
        info = h.getInfo()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            status = "time_limit" if info.primal_solution_status == 2 else "no_solution"
            if info.primal_solution_status == 2:
                values.append(float(round(info.objective_function_value)))
                gaps.append(float(info.mip_gap))
            break
        x = np.rint(np.asarray(h.getSolution().col_value))
        value = float(weights @ x)
        proposals = int(x.sum())
        values.append(value)
        gaps.append(0.0)
        positions = np.flatnonzero(weights).astype(np.int32)
        h.addRow(value - 0.5, np.inf, len(positions), positions, weights[positions])
        last = weights
    cpu = _cpu() - cpu
    return {
        "who": "independent MIP (HiGHS, whole model, written in the benchmark)",
        "status": status,
        "proposals": proposals,
        "cpu_s": cpu,
        "wall_s": time.perf_counter() - wall,
        "stages_s": time.perf_counter() - wall,
        "stages_cpu_s": cpu,
        "values": values,
        "gaps": gaps,
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
    parser.add_argument(
        "--side-reference",
        choices=("mip", "pulp"),
        default="mip",
        help="the independent reference for side constraints: a whole-model HiGHS MIP written"
        " in this file (mip), or the project's PuLP model with CBC (pulp)",
    )
    parser.add_argument("--json", type=Path)
    parser.add_argument("--one", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        what = args.one[0]
        if what == "ortools":
            print(json.dumps(run_ortools(Path(args.one[1]))))
        elif what == "side-mip":
            print(json.dumps(run_side_mip(Path(args.one[1]), float(args.one[2]))))
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
                    one = ["--one", "project", size, kind, "auto", str(args.limit), str(dump)]
                    projects.append(_child(one))
                    limit = str(args.reference_limit)
                    if kind == "pure":
                        references.append(_child(["--one", "ortools", str(dump)], env))
                    elif size in args.side_reference_sizes and args.side_reference == "pulp":
                        references.append(_child(["--one", "project", size, kind, "pulp", limit]))
                    elif size in args.side_reference_sizes:
                        references.append(_child(["--one", "side-mip", str(dump), limit]))
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
            if reference is not None and kind == "side" and args.side_reference == "pulp":
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
            if kind == "side":
                theirs = reference["values"] if reference else []
                their_gaps = (reference.get("gaps") or []) if reference else []
                mine_gaps = project.get("gaps") or []
                print("\nstep | project (gap) | reference (gap) | agree")
                for k, value in enumerate(project["values"]):
                    other = theirs[k] if k < len(theirs) else None
                    same = "n/a" if other is None else ("yes" if other == value else "NO")
                    gap = mine_gaps[k] if k < len(mine_gaps) else None
                    other_gap = their_gaps[k] if k < len(their_gaps) else None
                    if same == "yes" and (gap or other_gap):
                        same = "same value, not both proven"
                    print(f"{k + 1} | {value} ({gap}) | {other} ({other_gap}) | {same}")
                print()
            rows.append({"size": size, "kind": kind, "project": project, "reference": reference})
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f} (2 cores, shared)")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
