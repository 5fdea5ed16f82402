"""Side constraints on arrays: the lexicographic MIP steps in HiGHS, bounded, warm-started.

Mix limits, lot limits and together groups break the matroid structure, so their stages are
MIPs (`stages._run_with_floors` is the PuLP reference of the same steps). Here the same rows
are built with numpy and passed to one `highspy.Highs` object; each step changes the objective,
adds the previous step's optimum as a `stage_floor` row and starts from the previous step's
solution (`setSolution`), so the MIP starts with an incumbent instead of searching for one.

Before the first step the run is solved without side constraints on the flow path, and that
solution is repaired into a feasible one by dropping proposals (mix limits and lot maximums:
the last proposals in the set; together groups: every member unless all are placed at one
provision). Dropping never breaks a `<=` row, so the repaired solution is feasible whenever no
lot minimum is missed. It is the first step's warm start, and the answer of last resort: a run
whose time runs out returns the best solution found so far, with its gap and `time_limit`,
never nothing after the limit while a feasible solution is known.

The clock covers building as well as solving: the run's limit is shared by the build, the
flow solve and every step.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from optimiser.graph import Graph, group_edges, positions_by_key

FAMILIES = ("person_assignment", "vacancy_capacity", "provision_mix", "lot", "together")


@dataclass
class SideRows:
    """Rows as lists of (positions into edges, lower, upper) plus forced-zero columns."""

    positions: list[np.ndarray]
    coefficients: list[np.ndarray]
    lower: list[float]
    upper: list[float]
    families: dict[str, int]
    zero: np.ndarray  # per edge: upper bound 0 (a together group that cannot all be placed)

    def add(self, family: str, positions, coefficients, lower: float, upper: float) -> None:
        self.positions.append(np.asarray(positions, dtype=np.int64))
        self.coefficients.append(np.asarray(coefficients, dtype=float))
        self.lower.append(lower)
        self.upper.append(upper)
        self.families[family] = self.families.get(family, 0) + 1


def side_rows(graph: Graph) -> SideRows:
    """The rows of `model.build_stage_model(..., side_constraints=True)` over every edge."""
    inf = np.inf
    edges = len(graph.person)
    rows = SideRows([], [], [], [], {}, np.zeros(edges, dtype=bool))
    for _, positions in positions_by_key(graph.person):
        if len(positions) > 1:
            rows.add("person_assignment", positions, np.ones(len(positions)), -inf, 1.0)
    for vacancy, positions in positions_by_key(graph.vacancy):
        capacity = int(graph.capacity[vacancy])
        if len(positions) > capacity:
            rows.add("vacancy_capacity", positions, np.ones(len(positions)), -inf, capacity)
    provision = graph.provision_ids[graph.vacancy]
    if len(graph.mix_limits):
        flags = graph.risk_flags.to_numpy()
        for provision_id, flag, limit in graph.mix_limits.itertuples(index=False):
            flagged = np.array([flag in f for f in flags], dtype=bool)
            positions = np.flatnonzero((provision == provision_id) & flagged[graph.person])
            if len(positions) > limit:
                rows.add("provision_mix", positions, np.ones(len(positions)), -inf, int(limit))
    lots = graph.lots[graph.vacancy]
    for lot, minimum, maximum in graph.lot_limits.itertuples(index=False):
        positions = np.flatnonzero(lots == lot)
        has_max = maximum is not None and not (isinstance(maximum, float) and np.isnan(maximum))
        upper = float(maximum) if has_max and len(positions) > maximum else inf
        lower = float(minimum) if minimum else -inf
        if lower > -inf or upper < inf:
            rows.add("lot", positions, np.ones(len(positions)), lower, upper)
    for _, members, edges_of_group in group_edges(graph):
        for provision_id in sorted(set(provision[edges_of_group])):
            here = edges_of_group[provision[edges_of_group] == provision_id]
            for a, b in zip(members[:-1], members[1:], strict=True):
                pos_a = here[graph.person[here] == a]
                pos_b = here[graph.person[here] == b]
                positions = np.concatenate([pos_a, pos_b])
                coefficients = np.concatenate([np.ones(len(pos_a)), -np.ones(len(pos_b))])
                rows.add("together", positions, coefficients, 0.0, 0.0)
        covered = set(graph.person[edges_of_group].tolist())
        if any(int(m) not in covered for m in members):
            rows.zero[edges_of_group] = True
    return rows


def repair(
    graph: Graph, rows: SideRows, chosen: np.ndarray, protected: np.ndarray | None = None
) -> np.ndarray | None:
    """`chosen` made feasible by dropping proposals, or None if a lot minimum is missed.

    Proposals in `protected` (a feasible solution that others were added to) are dropped
    only if nothing else can be: the others go first."""
    chosen = chosen & ~rows.zero
    keep = np.zeros(len(chosen), dtype=bool) if protected is None else protected
    groups = group_edges(graph)
    provision = graph.provision_ids[graph.vacancy]
    for _ in range(len(rows.lower) + 1):  # dropping a group member may need another pass
        changed = False
        for positions, coefficients, _lower, upper in zip(
            rows.positions, rows.coefficients, rows.lower, rows.upper, strict=True
        ):
            if (coefficients < 0).any() or upper == np.inf:
                continue
            on = positions[chosen[positions]]
            excess = len(on) - int(upper)
            if excess > 0:
                on = np.concatenate([on[keep[on]], on[~keep[on]]])  # unprotected last
                chosen[on[-excess:]] = False
                changed = True
        for _, members, edges_of_group in groups:
            mine = edges_of_group[chosen[edges_of_group]]
            together = len(mine) == len(members) and len(set(provision[mine])) == 1
            if len(mine) and not together:
                chosen[mine] = False
                changed = True
        if not changed:
            break
    for positions, coefficients, lower in zip(
        rows.positions, rows.coefficients, rows.lower, strict=True
    ):
        if lower > 0 and float(coefficients @ chosen[positions]) < lower:
            return None
    return chosen


def augment(
    graph: Graph, rows: SideRows, chosen: np.ndarray, weights: np.ndarray
) -> np.ndarray | None:
    """`chosen` (feasible) plus the best additions for `weights`, repaired: a warm start.

    The young people `chosen` leaves unplaced are matched to the places it leaves free by
    the flow path, on the pairs with a positive weight; the additions that break a side row
    are then dropped. Adding proposals never lowers an earlier step's floor (its weights are
    not negative), so the result keeps every floor `chosen` keeps."""
    from optimiser.flow import assign
    from optimiser.pure import PureProblem

    people = len(graph.person_ids)
    placed = np.zeros(people, dtype=bool)
    placed[graph.person[chosen]] = True
    used = np.bincount(graph.vacancy[chosen], minlength=len(graph.capacity))
    left = np.maximum(graph.capacity - used, 0).astype(np.int64)
    edges = np.flatnonzero(
        (weights > 0) & ~placed[graph.person] & (left[graph.vacancy] > 0) & ~rows.zero
    )
    if len(edges) == 0:
        return None
    problem = PureProblem(
        name="side_warm_start",
        edges=edges,
        person=graph.person[edges],
        vacancy=graph.vacancy[edges],
        weights=np.rint(weights[edges]).astype(float),
        person_rhs=np.ones(people, dtype=np.int64),
        person_eq=np.zeros(people, dtype=bool),
        vacancy_rhs=left,
        vacancy_eq=np.zeros(len(left), dtype=bool),
    )
    values = assign(problem)
    if values is None:
        return None
    grown = chosen.copy()
    grown[edges[values > 0.5]] = True
    return repair(graph, rows, grown, protected=chosen)


@dataclass
class StepOutcome:
    status: str
    values: np.ndarray | None
    objective: float | None
    gap: float | None
    seconds: float


class SideModel:
    """One HiGHS MIP over every edge with the side rows; steps change objective and floors."""

    def __init__(self, graph: Graph, rows: SideRows):
        import highspy

        from optimiser.solve import quiet_highs_banner

        quiet_highs_banner()
        self.highspy = highspy
        n = len(graph.person)
        self.n = n
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("threads", 1)
        h.setOptionValue("random_seed", 0)
        h.setOptionValue("presolve", "off")  # HiGHS's MIP presolve stalls on large matchings
        h.setOptionValue("mip_rel_gap", 0.0)
        # Symmetry detection and the feasibility jump took 2.5 s before the first node on every
        # step at council size (33,000 pairs) and found nothing the warm start had not given.
        h.setOptionValue("mip_detect_symmetry", False)
        h.setOptionValue("mip_heuristic_run_feasibility_jump", False)
        upper = np.where(rows.zero, 0.0, 1.0)
        h.addVars(n, np.zeros(n), upper)
        h.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.ones(n, dtype=np.uint8))
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        count = len(rows.lower)
        if count:
            lengths = np.array([len(p) for p in rows.positions], dtype=np.int64)
            starts = np.zeros(count, dtype=np.int32)
            np.cumsum(lengths[:-1], out=starts[1:])
            index = np.concatenate(rows.positions).astype(np.int32)
            values = np.concatenate(rows.coefficients)
            h.addRows(
                count,
                np.asarray(rows.lower, dtype=float),
                np.asarray(rows.upper, dtype=float),
                len(index),
                starts,
                index,
                values,
            )
        self.h = h
        self.rows = count
        self.floors: list[tuple[np.ndarray, float]] = []

    def add_floor(self, weights: np.ndarray, value: float) -> None:
        positions = np.flatnonzero(weights).astype(np.int32)
        self.h.addRow(value, np.inf, len(positions), positions, weights[positions])
        self.rows += 1
        self.floors.append((weights, value))

    def keeps_floors(self, chosen: np.ndarray) -> bool:
        """Whether a solution that meets the side rows also keeps every earlier optimum."""
        return all(float(weights[chosen].sum()) >= value for weights, value in self.floors)

    def solve(
        self, weights: np.ndarray, start: np.ndarray | None, time_limit: float
    ) -> StepOutcome:
        from optimiser.solve import INFEASIBLE, NO_SOLUTION, OPTIMAL, TIME_LIMIT

        highspy = self.highspy
        h = self.h
        started = time.perf_counter()
        h.changeColsCost(self.n, np.arange(self.n, dtype=np.int32), weights.astype(float))
        h.setOptionValue("time_limit", max(0.5, float(time_limit)))
        if start is not None:
            solution = highspy.HighsSolution()
            solution.col_value = start.astype(float).tolist()
            h.setSolution(solution)
        h.run()
        seconds = time.perf_counter() - started
        status = h.getModelStatus()
        info = h.getInfo()
        statuses = highspy.HighsModelStatus
        feasible = info.primal_solution_status == highspy.SolutionStatus.kSolutionStatusFeasible
        if status == statuses.kOptimal:
            verdict = OPTIMAL
        elif status in (statuses.kInfeasible, statuses.kUnboundedOrInfeasible):
            verdict = INFEASIBLE
        elif feasible:
            verdict = TIME_LIMIT
        else:
            verdict = NO_SOLUTION
        if verdict in (OPTIMAL, TIME_LIMIT):
            values = np.rint(np.asarray(h.getSolution().col_value, dtype=float))
            objective = float(weights @ values)
            gap = 0.0 if verdict == OPTIMAL else float(info.mip_gap)
            return StepOutcome(verdict, values, objective, gap, seconds)
        return StepOutcome(verdict, None, None, None, seconds)
