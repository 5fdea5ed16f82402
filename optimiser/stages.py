"""The lexicographic staged solve: (a) out of unsuitable accommodation, (b) imminent needs, (c) fit.

No big-M weights mix the stages: each stage's optimum is kept by the next one.

Without side constraints (the pure matching), the sets of young people that can be placed
together form a matroid (a transversal matroid: vacancies with capacities on one side).
For a matroid, a maximum-weight set under weights that only depend on the young person is
found greedily, so it depends only on the *order* of the weights, not their sizes, and the
greedy set is the most urgent one for every prefix of the order (Gale-optimal). Stage (a)
therefore maximises sum(rank weight) with distinct weights n, n-1, ..., 1 in urgency order:
the result moves the largest possible number out of unsuitable accommodation and, among those,
never leaves a more urgent young person in place of a less urgent one. That set is unique, so
the next stages keep it exactly by bounds on each young person's row (`= 1` for those placed,
no variables for the others), which keeps the model totally unimodular and the LP exact.
Stage (b) does the same for imminent needs on the vacancies free by each deadline.

With side constraints (mix limits, lot limits, together groups) the matroid argument fails,
so each stage's optimum is kept as a `stage_floor` row and every stage is a MIP: (a) first
maximises the number moved out, then the number among the urgency tiers in order
(under-18s in B&B, no fixed abode or emergency accommodation; other under-18s; adults in
those; other adults), then the rank-weighted urgency within the tiers.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from optimiser.arrays import solve_arrays
from optimiser.flow import solve_flow
from optimiser.graph import Graph
from optimiser.pure import PureProblem, optimal_face, stage_problem, tie_break_problem
from optimiser.solve import (
    INFEASIBLE,
    NO_SOLUTION,
    OPTIMAL,
    TIME_LIMIT,
    SolveOutcome,
    solve_stage,
)

if TYPE_CHECKING:
    import pulp

    from optimiser.model import StageModel

SEVERITY = {OPTIMAL: 0, TIME_LIMIT: 1, NO_SOLUTION: 2, INFEASIBLE: 3}
PULP = "pulp"
ARRAYS = "arrays"
FLOW = "flow"
AUTO = "auto"
BACKENDS = (AUTO, PULP, ARRAYS, FLOW)
# The array path (HiGHS on sparse arrays) was the automatic choice from this many pairs before
# the flow path; it stays selectable (backend="arrays") and is what place values re-solve on.
ARRAY_PATH_MIN_PAIRS = 100_000


def choose_backend(
    backend: str, pairs: int, side_constraints: bool, solver: str = "cbc"
) -> tuple[str, str | None]:
    """The backend a run uses, and a note when it is not what was asked for.

    With "auto", every pure run (no side constraints) takes the flow path: it is exact, it
    gives the same stage values and proposals as PuLP (tests/optimiser/test_matching_flow.py)
    and it is the fastest at every size (docs/performance.md). A run with side constraints
    takes HiGHS on arrays (`optimiser.side`: bounded, warm-started MIP steps); "pulp" keeps
    the PuLP reference model for either. The run's `backend` and `solver` name the path;
    `pairs` is kept for callers that report it.
    """
    del pairs, solver
    if side_constraints:
        if backend == FLOW:
            return ARRAYS, (
                "backend 'flow' solves the pure matching only; the side constraints (mix"
                " limits, lot limits, together groups) were solved by HiGHS on arrays"
            )
        return (ARRAYS if backend == AUTO else backend), None
    if backend == AUTO:
        return FLOW, None
    return backend, None


@dataclass(frozen=True)
class StageRecord:
    """What one stage asked, what it got, and how long it took."""

    stage: str
    objective: str
    value: float | None
    status: str
    model: str
    variables: int
    constraints: int
    build_seconds: float
    solve_seconds: float
    gap: float | None
    fractional_in_lp: int
    backend: str = PULP  # pulp | arrays | flow
    solver: str = ""  # the solver that ran: cbc | highs | flow
    tie_break: str = ""  # stage c: unique | hash | skipped (why)
    tie_break_variables: int = 0
    tie_break_seconds: float = 0.0


@dataclass(frozen=True, eq=False)  # holds arrays: compared by identity
class StageInputs:
    """Per-edge and per-person arrays the stages read."""

    graph: Graph
    need: np.ndarray  # per person: need label
    tier: np.ndarray  # per person: urgency tier (0 most urgent), -1 if not unsuitable
    urgency_rank: np.ndarray  # per person, -1 if not unsuitable
    deadline_rank: np.ndarray  # per person, -1 if not imminent
    on_time: np.ndarray  # per edge: the vacancy is free by the young person's deadline
    score: np.ndarray  # per edge: fit score
    side_constraints: bool
    solver: str
    time_limit: float
    backend: str = PULP  # resolved: pulp | arrays | flow (arrays and flow: pure matching only)
    # the last stage to solve: "c" for a match run; "b" when only the first two stages'
    # sets matter (optimiser.place_values re-solves them once per kind of vacancy)
    stop_after: str = "c"


@dataclass(frozen=True, eq=False)  # holds arrays: compared by identity
class StagedSolution:
    chosen: np.ndarray  # per edge: proposed
    records: tuple[StageRecord, ...]
    status: str
    moved_out: np.ndarray  # per person: placed in stage (a)
    deadline_met: np.ndarray  # per person: placed in stage (b)


class _Clock:
    def __init__(self, limit: float):
        self.started = time.perf_counter()
        self.limit = limit

    def remaining(self) -> float:
        return self.limit - (time.perf_counter() - self.started)


def _rank_weights(rank: np.ndarray) -> np.ndarray:
    """Distinct positive integer weights, largest for rank 0; 0 where rank is -1."""
    count = int((rank >= 0).sum())
    return np.where(rank >= 0, count - rank, 0).astype(float)


def _record(
    stage: str,
    objective: str,
    model: StageModel,
    outcome: SolveOutcome,
    build_seconds: float,
    value: float | None = None,
) -> StageRecord:
    return StageRecord(
        stage=stage,
        objective=objective,
        value=value if value is not None else outcome.objective,
        status=outcome.status,
        model="lp" if outcome.as_lp else "mip",
        variables=len(model.variables),
        constraints=len(model.prob.constraints),
        build_seconds=build_seconds,
        solve_seconds=outcome.seconds,
        gap=outcome.gap,
        fractional_in_lp=outcome.fractional,
        backend=PULP,
        solver=outcome.solver,
    )


def _placed_people(graph: Graph, edges: np.ndarray, values: np.ndarray, people: int) -> np.ndarray:
    placed = np.zeros(people, dtype=bool)
    placed[graph.person[edges[values > 0.5]]] = True
    return placed


def run_stages(s: StageInputs) -> StagedSolution:
    """Solve the stages in order and return the proposals of the last stage that has a solution."""
    if s.side_constraints:
        if s.backend == ARRAYS:
            return _run_side_arrays(s)
        return _run_with_floors(s)
    return _run_pure(s)


def _side_steps(s: StageInputs) -> list[tuple[str, str, np.ndarray]]:
    """The lexicographic steps of a run with side constraints, as per-edge weights."""
    p = s.graph.person
    unsuitable = s.urgency_rank >= 0
    imminent = s.deadline_rank >= 0
    steps: list[tuple[str, str, np.ndarray]] = [
        ("a", "number moved out of unsuitable accommodation", unsuitable[p].astype(float))
    ]
    for tier in range(3):
        in_tiers = unsuitable[p] & (s.tier[p] <= tier) & (s.tier[p] >= 0)
        steps.append(("a", f"number moved out from urgency tiers 0-{tier}", in_tiers * 1.0))
    steps.append(("a", "urgency order within the tiers", _rank_weights(s.urgency_rank)[p]))
    on_time = (imminent[p] & s.on_time).astype(float)
    steps.append(("b", "number of imminent needs met on time", on_time))
    steps.append(("b", "earliest deadline first", on_time * _rank_weights(s.deadline_rank)[p]))
    steps.append(("c", "best fit for everyone needing a move", s.score.astype(float)))
    return steps


def _run_side_arrays(s: StageInputs) -> StagedSolution:
    """The side-constrained steps on arrays, warm-started, inside the run's clock.

    See `optimiser.side`: each step's bound comes from a column-generated LP over all pairs,
    its MIP keeps only the pairs that can beat the incumbent (reduced-cost fixing), and the
    flow solution without side constraints, repaired, is the first incumbent and the answer
    of last resort; every later step starts from the one before.
    """
    from optimiser.side import SideModel, augment, repair, seed_columns, side_rows

    graph = s.graph
    people = len(graph.person_ids)
    clock = _Clock(s.time_limit)
    started = time.perf_counter()
    rows = side_rows(graph)
    pure = _run_pure(replace(s, side_constraints=False, backend=FLOW))
    incumbent = repair(graph, rows, pure.chosen.copy())
    seed = seed_columns(graph, s.score, pure.chosen)
    model = SideModel(graph, rows, seed)
    built = time.perf_counter() - started
    p = graph.person
    unsuitable = s.urgency_rank >= 0
    imminent = s.deadline_rank >= 0
    records: list[StageRecord] = []
    status = OPTIMAL
    chosen = incumbent if incumbent is not None else np.zeros(len(p), dtype=bool)
    last_weights: np.ndarray | None = None
    for stage, text, weights in _side_steps(s) + [_side_tie_break(s)]:
        if stage > s.stop_after:
            break
        if text == TIE_BREAK_STEP:
            if records and records[-1].stage == "c" and status == OPTIMAL:
                records[-1], chosen = _side_tie_break_solve(
                    model, records[-1], weights, chosen, clock
                )
            break
        if stage != "c" and not weights.any():
            continue
        if last_weights is not None and np.array_equal(weights, last_weights):
            continue
        start = chosen if (incumbent is not None or records) else None
        # the repaired flow solution may be the better start for a later step (fit, deadlines)
        candidates = [incumbent]
        if start is not None and weights.min() >= 0:
            candidates.append(augment(graph, rows, start, weights))
        for candidate in candidates:
            if (
                candidate is not None
                and (start is None or weights[candidate].sum() > weights[start].sum())
                and model.keeps_floors(candidate)
            ):
                start = candidate
        if clock.remaining() <= 0.5:
            if start is None:
                status = max(status, NO_SOLUTION, key=SEVERITY.__getitem__)
                records.append(_side_record(stage, text, None, NO_SOLUTION, None, 0, built))
                chosen = np.zeros(len(p), dtype=bool)
                break
            value = float(weights[start].sum())
            records.append(_side_record(stage, text, value, TIME_LIMIT, None, 0, built))
            status = max(status, TIME_LIMIT, key=SEVERITY.__getitem__)
            chosen = start
            break
        outcome = model.solve(weights, start, clock.remaining())
        records.append(
            _side_record(
                stage,
                text,
                outcome.objective,
                outcome.status,
                outcome.gap,
                outcome.columns or outcome.lp_columns,
                built if not records else 0.0,
                outcome.seconds,
                model.rows,
            )
        )
        status = max(status, outcome.status, key=SEVERITY.__getitem__)
        if outcome.values is None:  # infeasible, or no solution known
            chosen = np.zeros(len(p), dtype=bool)
            break
        chosen = outcome.values > 0.5
        if outcome.status != OPTIMAL:
            break
        model.add_floor(weights, float(weights[chosen].sum()) - 0.5)
        last_weights = weights
    placed = np.zeros(people, dtype=bool)
    placed[p[chosen]] = True
    moved_out = placed & unsuitable
    deadline_met = np.zeros(people, dtype=bool)
    deadline_met[p[chosen & (s.on_time & imminent[p])]] = True
    return StagedSolution(chosen, tuple(records), status, moved_out, deadline_met)


TIE_BREAK_STEP = "tie-break: a fixed hash of the pairs among the optima"
# The tie-break of a side-constrained run is a MIP as large as the fit step's; it may use at
# most this share of the run's limit, so that a run whose tie-break cannot finish still ends
# well inside the limit with optimal step values (the record says the tie-break was skipped).
TIE_BREAK_SHARE = 0.1
# ... and it stops this share of the limit before the limit, which leaves the rest of the match
# (proposals, explanations) time to finish inside it.
TIE_BREAK_RESERVE = 0.15


def _side_tie_break(s: StageInputs) -> tuple[str, str, np.ndarray]:
    """The last step of a side-constrained run: among all optima of every step, the largest
    sum of a fixed hash of the pairs' ids (`pure.tie_break_weights`).

    The earlier steps' optima are kept as floors, so the step values do not change; the hash
    weights are distinct per pair and fixed by the ids, so any two solvers that prove this
    step optimal return the same proposals (CBC and HiGHS alike), which a solver's own choice
    among equal optima would not give."""
    from optimiser.pure import tie_break_weights

    graph = s.graph
    hashes = tie_break_weights(graph.person_ids, graph.vacancy_ids, graph.person, graph.vacancy)
    return ("c", TIE_BREAK_STEP, hashes.astype(float))


def _side_tie_break_solve(model, record: StageRecord, weights, chosen, clock):
    """Stage (c)'s record with the tie-break's verdict, and the proposals it leaves."""
    budget = min(clock.remaining() - TIE_BREAK_RESERVE * clock.limit, TIE_BREAK_SHARE * clock.limit)
    if budget <= 0.5:
        return replace(record, tie_break="skipped: out of time"), chosen
    outcome = model.solve(weights, chosen, budget)
    if outcome.status != OPTIMAL or outcome.values is None:
        verdict = f"skipped: tie-break {outcome.status}"
        return replace(record, tie_break=verdict, tie_break_seconds=outcome.seconds), chosen
    tied = replace(
        record,
        tie_break="hash",
        tie_break_variables=outcome.columns or outcome.lp_columns,
        tie_break_seconds=outcome.seconds,
    )
    return tied, outcome.values > 0.5


def _side_record(
    stage: str,
    text: str,
    value: float | None,
    status: str,
    gap: float | None,
    variables: int,
    built: float,
    seconds: float = 0.0,
    constraints: int = 0,
) -> StageRecord:
    return StageRecord(
        stage=stage,
        objective=text,
        value=value,
        status=status,
        model="mip",
        variables=variables,
        constraints=constraints,
        build_seconds=built,
        solve_seconds=seconds,
        gap=gap,
        fractional_in_lp=0,
        backend=ARRAYS,
        solver="highs",
    )


def _run_pure(s: StageInputs) -> StagedSolution:
    graph = s.graph
    people = len(graph.person_ids)
    edges_count = len(graph.person)
    clock = _Clock(s.time_limit)
    records: list[StageRecord] = []
    chosen = np.zeros(edges_count, dtype=bool)
    unsuitable = s.urgency_rank >= 0
    imminent = s.deadline_rank >= 0
    moved_out = np.zeros(people, dtype=bool)
    deadline_met = np.zeros(people, dtype=bool)
    nobody = np.zeros(people, dtype=bool)
    status = OPTIMAL
    shared: list[pulp.LpVariable] | None = None
    variables_seconds = 0.0
    if s.backend == PULP:  # PuLP is imported only by the path that uses it
        import pulp

        from optimiser.model import make_edge_variables

        started = time.perf_counter()
        shared = make_edge_variables(pulp.LpProblem("edges", pulp.LpMaximize), edges_count)
        variables_seconds = time.perf_counter() - started

    def solve(problem: PureProblem, duals: bool = False) -> tuple[SolveOutcome, float, int]:
        """Build and solve one pure problem on the run's backend: outcome, build s, rows.

        `duals` asks the flow path for row duals (the LP paths always return them)."""
        if s.backend == FLOW:
            return solve_flow(problem, time_limit=clock.remaining(), duals=duals)
        if s.backend == ARRAYS:
            return solve_arrays(problem, time_limit=clock.remaining())
        from optimiser.model import build_pure_model

        started = time.perf_counter()
        model = build_pure_model(problem, graph, shared)
        built = time.perf_counter() - started
        outcome = solve_stage(model, s.solver, as_lp=True, time_limit=clock.remaining())
        return outcome, built, len(model.prob.constraints)

    stages = (
        ("a", "most young people out of unsuitable accommodation, most urgent first"),
        ("b", "most imminent needs met on time, earliest deadline first"),
        ("c", "best fit for everyone needing a move"),
    )
    for stage, text in stages:
        if stage > s.stop_after:
            break
        if clock.remaining() <= 0:
            status = TIME_LIMIT
            break
        if stage == "a":
            edges = np.flatnonzero(unsuitable[graph.person])
            weights = _rank_weights(s.urgency_rank)[graph.person[edges]]
            must = nobody
        elif stage == "b":
            keep = moved_out[graph.person] | (imminent[graph.person] & s.on_time)
            edges = np.flatnonzero(keep & ~(unsuitable & ~moved_out)[graph.person])
            weights = np.where(
                moved_out[graph.person[edges]],
                0.0,
                _rank_weights(s.deadline_rank)[graph.person[edges]],
            )
            must = moved_out
        else:
            p = graph.person
            keep = moved_out[p] | (deadline_met[p] & s.on_time) | ~(unsuitable | deadline_met)[p]
            edges = np.flatnonzero(keep)
            weights = s.score[edges].astype(float)
            must = moved_out | deadline_met
        if stage != "c" and not (weights > 0).any():
            continue
        problem = stage_problem(
            f"match_stage_{stage}",
            graph.person,
            graph.vacancy,
            graph.capacity,
            edges,
            weights,
            must,
        )
        outcome, built, rows = solve(problem, duals=stage == "c")
        if not records:
            built += variables_seconds  # the shared variables count once, in the first stage
        values = outcome.values
        tie = TieBreak()
        if stage == "c" and outcome.status == OPTIMAL and clock.remaining() > 0:
            tie = _tie_break(problem, outcome, graph, solve)
            if tie.values is not None:
                values = tie.values
        value = outcome.objective
        if outcome.has_solution and stage in ("a", "b"):
            placed = _placed_people(graph, edges, values, people)
            value = float((placed & (unsuitable if stage == "a" else imminent)).sum())
        records.append(
            StageRecord(
                stage=stage,
                objective=text,
                value=value,
                status=outcome.status,
                model=("flow" if s.backend == FLOW else "lp") if outcome.as_lp else "mip",
                variables=problem.size,
                constraints=rows,
                build_seconds=built,
                solve_seconds=outcome.seconds,
                gap=outcome.gap,
                fractional_in_lp=outcome.fractional,
                backend=s.backend,
                solver=outcome.solver,
                tie_break=tie.verdict,
                tie_break_variables=tie.variables,
                tie_break_seconds=tie.seconds,
            )
        )
        status = max(status, outcome.status, key=SEVERITY.__getitem__)
        if not outcome.has_solution:
            break
        chosen = np.zeros(edges_count, dtype=bool)
        chosen[edges[values > 0.5]] = True
        placed = _placed_people(graph, edges, values, people)
        if stage == "a":
            moved_out = placed & unsuitable
        elif stage == "b":
            deadline_met = placed & imminent
    stopped_early = records and records[-1].stage < s.stop_after
    if stopped_early and status == OPTIMAL and clock.remaining() <= 0:
        status = TIME_LIMIT
    return StagedSolution(chosen, tuple(records), status, moved_out, deadline_met)


@dataclass(frozen=True, eq=False)  # holds arrays: compared by identity
class TieBreak:
    """How stage (c)'s optimum was made independent of the solver."""

    verdict: str = ""  # unique | hash | skipped (why), "" before stage c
    variables: int = 0
    seconds: float = 0.0
    values: np.ndarray | None = None  # stage (c)'s values after the tie-break


def _tie_break(problem: PureProblem, outcome: SolveOutcome, graph: Graph, solve) -> TieBreak:
    """Among all optima of stage (c), the one with the largest hash weight (pure.py)."""
    started = time.perf_counter()
    if problem.size == 0:
        return TieBreak("unique")
    face = optimal_face(problem, outcome.values, outcome.person_dual, outcome.vacancy_dual)
    if face is None:
        return TieBreak("skipped: no exact dual certificate", seconds=time.perf_counter() - started)
    tie, ones, decided = tie_break_problem(problem, face, graph.person_ids, graph.vacancy_ids)
    if tie.size == 0:
        return TieBreak("unique", seconds=time.perf_counter() - started)
    result, _, _ = solve(tie)
    seconds = time.perf_counter() - started
    if result.status != OPTIMAL or result.fractional:
        return TieBreak(f"skipped: tie-break {result.status}", tie.size, seconds)
    values = np.zeros(problem.size)
    values[ones] = 1.0
    values[decided[result.values > 0.5]] = 1.0
    if float(problem.weights @ values) != outcome.objective:
        return TieBreak("skipped: tie-break left the optimum", tie.size, seconds)
    return TieBreak("hash", tie.size, seconds, values)


def _run_with_floors(s: StageInputs) -> StagedSolution:
    from optimiser.model import add_floor, build_stage_model, set_objective

    graph = s.graph
    people = len(graph.person_ids)
    clock = _Clock(s.time_limit)
    edges = np.arange(len(graph.person))
    nobody = np.zeros(people, dtype=bool)
    started = time.perf_counter()
    model = build_stage_model(
        "match_side_constraints",
        graph,
        edges,
        must_place=nobody,
        must_not_place=nobody,
        side_constraints=True,
    )
    built = time.perf_counter() - started
    p = graph.person
    unsuitable = s.urgency_rank >= 0
    imminent = s.deadline_rank >= 0
    u_edge = unsuitable[p].astype(float)
    steps: list[tuple[str, str, np.ndarray]] = [
        ("a", "number moved out of unsuitable accommodation", u_edge)
    ]
    for tier in range(3):
        in_tiers = unsuitable[p] & (s.tier[p] <= tier) & (s.tier[p] >= 0)
        steps.append(("a", f"number moved out from urgency tiers 0-{tier}", in_tiers * 1.0))
    steps.append(("a", "urgency order within the tiers", _rank_weights(s.urgency_rank)[p]))
    on_time = (imminent[p] & s.on_time).astype(float)
    steps.append(("b", "number of imminent needs met on time", on_time))
    steps.append(("b", "earliest deadline first", on_time * _rank_weights(s.deadline_rank)[p]))
    steps.append(("c", "best fit for everyone needing a move", s.score.astype(float)))

    records: list[StageRecord] = []
    chosen = np.zeros(len(edges), dtype=bool)
    status = OPTIMAL
    last_weights: np.ndarray | None = None
    for k, (stage, text, weights) in enumerate(steps):
        if stage > s.stop_after:
            break
        if stage != "c" and not weights.any():
            continue
        if last_weights is not None and np.array_equal(weights, last_weights):
            continue
        if clock.remaining() <= 0:
            status = max(status, TIME_LIMIT, key=SEVERITY.__getitem__)
            break
        set_objective(model, weights)
        outcome = solve_stage(model, s.solver, as_lp=False, time_limit=clock.remaining())
        records.append(_record(stage, text, model, outcome, built if k == 0 else 0.0))
        status = max(status, outcome.status, key=SEVERITY.__getitem__)
        if not outcome.has_solution:
            break
        chosen = outcome.values > 0.5
        add_floor(model, f"{stage}_{k}", weights, float(weights[chosen].sum()) - 0.5)
        last_weights = weights
    if records and records[-1].stage == "c" and status == OPTIMAL:
        # the same tie-break as the array path (`_side_tie_break`), so both give one answer
        _, _, hashes = _side_tie_break(s)
        started = time.perf_counter()
        budget = min(
            clock.remaining() - TIE_BREAK_RESERVE * clock.limit, TIE_BREAK_SHARE * clock.limit
        )
        verdict = "skipped: out of time"
        if budget > 0.5:
            set_objective(model, hashes)
            tie = solve_stage(model, s.solver, as_lp=False, time_limit=budget)
            verdict = f"skipped: tie-break {tie.status}"
            if tie.status == OPTIMAL:
                chosen, verdict = tie.values > 0.5, "hash"
        records[-1] = replace(
            records[-1],
            tie_break=verdict,
            tie_break_variables=len(model.variables),
            tie_break_seconds=time.perf_counter() - started,
        )
    placed = np.zeros(people, dtype=bool)
    placed[p[chosen]] = True
    moved_out = placed & unsuitable
    deadline_met = np.zeros(people, dtype=bool)
    deadline_met[p[chosen & (s.on_time & imminent[p])]] = True
    return StagedSolution(chosen, tuple(records), status, moved_out, deadline_met)
