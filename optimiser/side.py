"""Side constraints on arrays: exact lexicographic MIP steps that never solve the whole model.

Mix limits, lot limits and together groups break the matroid structure, so their steps are
MIPs (`stages._run_with_floors` is the PuLP reference of the same steps, on the whole model).
Here each step is solved without ever handing HiGHS all the pairs (`SideModel`):

* its LP bound comes from column generation (a restricted LP, every pair priced with numpy);
* the bound is recomputed here from the LP's prices, so the proof does not rest on the
  solver's tolerances, and a pair whose reduced cost shows it cannot beat the incumbent is
  left out of the step's MIP (reduced-cost fixing): the MIP over the rest has the step's
  optimum;
* a proven step's prices also fix pairs and fill rows for every later step (its floor said
  pair by pair), and the together rows are tightened by a row every whole solution meets.

Before the first step the run is solved without side constraints on the flow path, and that
solution is repaired into a feasible one by dropping proposals (mix limits and lot maximums:
the last proposals in the set; together groups: every member unless all are placed at one
provision). Dropping never breaks a `<=` row, so the repaired solution is feasible whenever no
lot minimum is missed. It is the first step's incumbent, and the answer of last resort: a run
whose time runs out returns the best solution found so far, with its gap and `time_limit`,
never nothing after the limit while a feasible solution is known.

The clock covers building as well as solving: the run's limit is shared by the build, the
flow solve and every step. docs/optimiser.md ("With side constraints") has the argument.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

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
    kinds: list[str] = field(default_factory=list)  # per row: its family

    def add(self, family: str, positions, coefficients, lower: float, upper: float) -> None:
        self.positions.append(np.asarray(positions, dtype=np.int64))
        self.coefficients.append(np.asarray(coefficients, dtype=float))
        self.lower.append(lower)
        self.upper.append(upper)
        self.families[family] = self.families.get(family, 0) + 1
        self.kinds.append(family)


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
        flags = graph.risk_flags
        # provisions as whole-number codes: comparing 600,000 strings per limit took seconds
        names, codes = np.unique(graph.provision_ids.astype(str), return_inverse=True)
        by_code = dict(positions_by_key(codes[graph.vacancy]))
        empty = np.zeros(0, dtype=np.int64)
        for provision_id, flag, limit in graph.mix_limits.rows(
            "provision_id", "risk_flag", "max_young_people"
        ):
            flagged = np.array([flag in f for f in flags], dtype=bool)
            where = int(np.searchsorted(names, str(provision_id)))
            known = where < len(names) and names[where] == str(provision_id)
            here = np.sort(by_code.get(where, empty)) if known else empty
            positions = here[flagged[graph.person[here]]]
            if len(positions) > limit:
                rows.add("provision_mix", positions, np.ones(len(positions)), -inf, int(limit))
    lots = graph.lots[graph.vacancy]
    for lot, minimum, maximum in graph.lot_limits.rows(
        "lot", "min_young_people", "max_young_people"
    ):
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
                if len(pos_a) == 0 or len(pos_b) == 0:
                    # one member cannot go here, so neither can the other: a bound, not a row
                    rows.zero[pos_a] = True
                    rows.zero[pos_b] = True
                    continue
                positions = np.concatenate([pos_a, pos_b])
                coefficients = np.concatenate([np.ones(len(pos_a)), -np.ones(len(pos_b))])
                rows.add("together", positions, coefficients, 0.0, 0.0)
            _group_fits(graph, rows, members, here)
        covered = set(graph.person[edges_of_group].tolist())
        if any(int(m) not in covered for m in members):
            rows.zero[edges_of_group] = True
    return rows


def _group_fits(graph: Graph, rows: SideRows, members: np.ndarray, here: np.ndarray) -> None:
    """A tighter row for a group in one provision: it fills a vacancy at most to capacity.

    `sum over members of x[member, v] <= capacity(v) * (first member in this provision)` for
    each vacancy v with fewer places than the group has members. Every solution meets it (a
    group is placed in the provision whole, or not at all), so no answer changes; but without
    it the LP relaxation places a pair as two halves in one single place and twice elsewhere,
    which at county size left the fit step's bound 212 above its optimum (0.1 %, but every pair
    with a reduced cost within that of its best was then a candidate for the MIP)."""
    person = graph.person[here]
    first = here[person == members[0]]
    for vacancy, positions in positions_by_key(graph.vacancy[here]):
        pairs = here[positions]
        capacity = int(graph.capacity[vacancy])
        if len(np.unique(graph.person[pairs])) <= capacity:
            continue
        index = np.concatenate([pairs, first])
        values = np.concatenate([np.ones(len(pairs)), -capacity * np.ones(len(first))])
        unique, inverse = np.unique(index, return_inverse=True)
        summed = np.bincount(inverse, weights=values)
        nonzero = summed != 0
        rows.add("together_fits", unique[nonzero], summed[nonzero], -np.inf, 0.0)


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


def seed_columns(graph: Graph, score: np.ndarray, chosen: np.ndarray, per_person: int = 3):
    """The pairs the column generation starts from: a solution's and each person's best few."""
    n = len(graph.person)
    order = np.lexsort((-score, graph.person))
    person = graph.person[order]
    firsts = np.flatnonzero(np.r_[True, person[1:] != person[:-1]]) if n else np.zeros(0, int)
    run_start = np.repeat(firsts, np.diff(np.r_[firsts, n]))
    best = np.zeros(n, dtype=bool)
    best[order[(np.arange(n) - run_start) < per_person]] = True
    return np.flatnonzero(best | chosen)


@dataclass
class StepOutcome:
    status: str
    values: np.ndarray | None
    objective: float | None
    gap: float | None
    seconds: float
    columns: int = 0  # pairs in the step's MIP after reduced-cost fixing (0: proven by bound)
    lp_columns: int = 0  # pairs the column-generated LP needed
    bound: float | None = None  # the proven upper bound on the step's value


# A bound is compared with whole-number step values; float sums of ~10^6 terms carry far less
# error than this margin, so a pair is left out only when it provably cannot help.
MARGIN = 1e-3
# The most pairs an intermediate MIP of a step takes before the one that proves the optimum.
CORE_PAIRS = 50_000
# The most pairs one round of the column generation adds to the restricted LP.
ENTERING_PAIRS = 5_000


class SideModel:
    """The side-constrained steps: column generation for the bound, a small MIP for the value.

    Every step's weights are whole numbers. For any row prices y (signed as the row's sense
    allows), `bound(y) = sum_r y_r * rhs_r + sum_j max(0, w_j - y.A_j)` bounds every feasible
    solution, and a solution using pair j is worth at most `bound(y) + min(0, d_j)`
    (d_j = w_j - y.A_j, the reduced cost). So with an incumbent worth z, a pair with
    `bound + d_j < z + 1` is in no solution better than the incumbent: it is left out of the
    step's MIP, and the MIP's optimum over the remaining pairs is the optimum of the whole
    step (reduced-cost fixing; the bound is computed here in numpy from the prices, so it does
    not rest on the LP solver's tolerances). When `bound < z + 1` the incumbent is optimal
    and no MIP runs at all.

    The prices come from the LP relaxation solved by column generation: an LP over the pairs
    that seem to matter (the incumbent's, the lot minimums', each young person's best few),
    priced over all pairs with numpy, the pairs with a positive reduced cost added, until none
    is left; that LP's optimum is then the optimum of the LP over all pairs (11.5 s for the
    first county step as one LP over 600,000 pairs, 0.4 s this way).
    """

    def __init__(self, graph: Graph, rows: SideRows, seed_columns: np.ndarray):
        import highspy
        import scipy.sparse as sp

        from optimiser.solve import quiet_highs_banner

        quiet_highs_banner()
        self.highspy = highspy
        self.sp = sp
        n = len(graph.person)
        self.n = n
        self.person = graph.person
        count = len(rows.lower)
        lengths = np.array([len(p) for p in rows.positions], dtype=np.int64)
        indptr = np.zeros(count + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        index = np.concatenate(rows.positions) if count else np.zeros(0, dtype=np.int64)
        values = np.concatenate(rows.coefficients) if count else np.zeros(0)
        self.matrix = sp.csr_matrix((values, index, indptr), shape=(count, n))
        self.columns_matrix = self.matrix.tocsc()
        self.lower = np.asarray(rows.lower, dtype=float)
        self.upper = np.asarray(rows.upper, dtype=float)
        self.column_upper = np.where(rows.zero, 0.0, 1.0)
        self.column_lower = np.zeros(n)
        self.whole_rows = np.ones(count, dtype=bool)  # whole-number rows (not the floors)
        self.rows = count
        self.floors: list[tuple[np.ndarray, float]] = []
        self.lp_point: np.ndarray | None = None
        # per MIP: pairs, status, objective, the step's bound, seconds (for benchmarks)
        self.trace: list[tuple[int, str, float | None, float, float]] = []
        # the LP of the column generation: every row, the pairs that were priced in
        self.lp = self._highs()
        self._add_rows(self.lp)
        self.in_lp = np.zeros(n, dtype=bool)
        self.lp_order = np.zeros(0, dtype=np.int64)  # LP column -> pair
        must = self.lower > 0  # rows with a minimum (lot minimums): their pairs from the start
        seed = np.zeros(n, dtype=bool)
        seed[seed_columns] = True
        if must.any():
            seed[self.matrix[np.flatnonzero(must)].indices] = True
        self._add_lp_columns(np.flatnonzero(seed & (self.column_upper > 0)), np.zeros(n))

    def _add_rows(self, h) -> None:  # type: ignore[no-untyped-def]
        """Every side row, empty (the pairs' columns bring their coefficients)."""
        count = self.rows
        h.addRows(
            count,
            self.lower,
            self.upper,
            0,
            np.zeros(count, dtype=np.int32),
            np.zeros(0, dtype=np.int32),
            np.zeros(0),
        )

    def _highs(self):
        h = self.highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("threads", 1)
        h.setOptionValue("random_seed", 0)
        h.changeObjectiveSense(self.highspy.ObjSense.kMaximize)
        # primal simplex: the column generation adds columns to an optimal basis, which stays
        # primal feasible (the dual simplex took 2-3 times as long per round at county size)
        h.setOptionValue("simplex_strategy", 4)
        return h

    def _add_lp_columns(self, new: np.ndarray, weights: np.ndarray) -> None:
        new = new[~self.in_lp[new]]
        if len(new) == 0:
            return
        part = self.columns_matrix[:, new]
        self.lp.addCols(
            len(new),
            weights[new].astype(float),
            self.column_lower[new],
            self.column_upper[new],
            part.nnz,
            part.indptr[:-1].astype(np.int32),
            part.indices.astype(np.int32),
            part.data,
        )
        self.in_lp[new] = True
        self.lp_order = np.concatenate([self.lp_order, new])

    def add_floor(self, weights: np.ndarray, value: float) -> None:
        """Keep an earlier step's optimum: sum(weights * x) >= value, in the LP and the MIPs."""
        sp = self.sp
        row = sp.csr_matrix(weights.astype(float)[None, :])
        row.eliminate_zeros()
        self.matrix = sp.vstack([self.matrix, row], format="csr")
        self.columns_matrix = self.matrix.tocsc()
        self.lower = np.append(self.lower, value)
        self.upper = np.append(self.upper, np.inf)
        self.whole_rows = np.append(self.whole_rows, False)
        in_lp = weights[self.lp_order] != 0
        positions = np.flatnonzero(in_lp).astype(np.int32)
        self.lp.addRow(
            value, np.inf, len(positions), positions, weights[self.lp_order][in_lp].astype(float)
        )
        self.rows += 1
        self.floors.append((weights, value))

    def feasible(self, chosen: np.ndarray) -> bool:
        """Whether a 0/1 solution meets every row and bound (floors included), exactly."""
        x = chosen.astype(float)
        if (x < self.column_lower).any() or (x > self.column_upper).any():
            return False
        ax = self.matrix @ x
        return bool(((ax >= self.lower - 1e-9) & (ax <= self.upper + 1e-9)).all())

    def keeps_floors(self, chosen: np.ndarray) -> bool:
        """Whether a solution that meets the side rows also keeps every earlier optimum."""
        return all(float(weights[chosen].sum()) >= value for weights, value in self.floors)

    def _prices(self, y: np.ndarray) -> np.ndarray:
        """Row prices with the sign each row allows (a `<=` row's price is not negative)."""
        y = np.where(y > 0, np.where(np.isfinite(self.upper), y, 0.0), y)
        return np.where(y < 0, np.where(np.isfinite(self.lower), y, 0.0), y)

    def _bound(self, weights: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        """The Lagrangian bound for prices `y` and the reduced cost of every pair."""
        reduced = weights - self.matrix.T @ y
        rhs = np.where(y > 0, self.upper, np.where(y < 0, self.lower, 0.0))
        with np.errstate(invalid="ignore"):
            rows = float(np.where(y != 0, y * rhs, 0.0).sum())
        columns = np.where(reduced > 0, self.column_upper, self.column_lower) * reduced
        return rows + float(columns.sum()), reduced

    def relaxation(
        self, weights: np.ndarray, deadline: float, start: np.ndarray | None = None
    ) -> tuple[bool, tuple[float, np.ndarray, np.ndarray] | None]:
        """The LP bound of a step over every pair, by column generation, and the reduced costs.

        Returns (feasible, (bound, reduced costs) or None when time ran out first)."""
        lp = self.lp
        # HiGHS's simplex fails on costs near 10^9 (the tie-break's hashes); the LP only gives
        # prices, so it sees the weights scaled by a power of two and the prices are scaled back
        top = float(np.abs(weights).max()) if len(weights) else 0.0
        scale = 2.0 ** max(0, int(np.ceil(np.log2(top / 1e6)))) if top > 1e6 else 1.0
        lp.changeColsCost(
            len(self.lp_order),
            np.arange(len(self.lp_order), dtype=np.int32),
            weights[self.lp_order] / scale,
        )
        # a feasible solution's pairs keep the restricted LP feasible (rows made full by
        # `_tighten` need them), and so do the pairs every solution uses
        needed = self.column_lower > 0
        if start is not None:
            needed |= start
        self._add_lp_columns(np.flatnonzero(needed), weights / scale)
        best: tuple[float, np.ndarray, np.ndarray] | None = None
        self.lp_point = None
        while True:
            lp.setOptionValue("time_limit", max(0.1, deadline - time.perf_counter()))
            lp.run()
            statuses = self.highspy.HighsModelStatus
            status = lp.getModelStatus()
            if status == statuses.kInfeasible:
                missing = np.flatnonzero(~self.in_lp & (self.column_upper > 0))
                if len(missing) == 0:
                    return False, None
                self._add_lp_columns(missing, weights / scale)  # the LP lacked pairs
                continue
            if status != statuses.kOptimal:
                return True, best
            solution = lp.getSolution()
            y = self._prices(np.asarray(solution.row_dual, dtype=float) * scale)
            self.lp_point = np.zeros(self.n)
            self.lp_point[self.lp_order] = np.asarray(solution.col_value, dtype=float)
            bound, reduced = self._bound(weights, y)
            if best is None or bound < best[0]:
                best = (bound, reduced, y)
            entering = np.flatnonzero((reduced > 1e-9) & ~self.in_lp & (self.column_upper > 0))
            if len(entering) == 0 or time.perf_counter() >= deadline:
                return True, best
            self._add_lp_columns(self._best_entering(entering, reduced), weights / scale)

    def _best_entering(self, entering: np.ndarray, reduced: np.ndarray) -> np.ndarray:
        """The `ENTERING_PAIRS` priced-out pairs with the largest reduced costs (ties by pair).

        Adding every priced-out pair at once (74,000 in the first imminent-needs round at
        county size) made one restricted LP slower than the LP over all pairs; one pair per
        young person took a hundred rounds, as the priced-out pairs sit with few people."""
        if len(entering) <= ENTERING_PAIRS:
            return entering
        order = np.lexsort((entering, -reduced[entering]))
        return np.sort(entering[order[:ENTERING_PAIRS]])

    def solve(
        self, weights: np.ndarray, start: np.ndarray | None, time_limit: float
    ) -> StepOutcome:
        """One step: its bound, a MIP over the LP's pairs, then over every pair that could help.

        A step proven optimal also fixes at 0, for every later step, the pairs that cannot be
        in any solution keeping its value (`bound + d_j < value`): later steps keep this
        step's value as a floor, so those pairs are in none of their solutions either."""
        from optimiser.solve import INFEASIBLE, NO_SOLUTION, OPTIMAL, TIME_LIMIT

        started = time.perf_counter()
        deadline = started + max(0.5, float(time_limit))
        feasible, relaxed = self.relaxation(weights, deadline, start)
        lp_columns = len(self.lp_order)

        def done(outcome: StepOutcome) -> StepOutcome:
            outcome.seconds = time.perf_counter() - started
            outcome.lp_columns = lp_columns
            return outcome

        if not feasible:
            return done(StepOutcome(INFEASIBLE, None, None, None, 0.0))
        incumbent = None if start is None else float(weights[start].sum())
        if relaxed is None:  # out of time before the bound
            if start is None:
                return done(StepOutcome(NO_SOLUTION, None, None, None, 0.0))
            return done(StepOutcome(TIME_LIMIT, start.astype(float), incumbent, None, 0.0))
        bound, reduced, prices = relaxed
        usable = self.column_upper > 0
        outcome = StepOutcome(OPTIMAL, None, incumbent, 0.0, 0.0, bound=bound)
        if start is not None:
            outcome.values = start.astype(float)
        point = self.lp_point
        if point is not None and np.abs(point - np.rint(point)).max() < 1e-9:
            # the LP's own point is whole: a solution if it meets every row exactly
            candidate = np.rint(point) > 0.5
            if self.feasible(candidate) and (
                incumbent is None or float(weights[candidate].sum()) > incumbent
            ):
                start, incumbent = candidate, float(weights[candidate].sum())
                outcome = StepOutcome(OPTIMAL, start.astype(float), incumbent, 0.0, 0.0)
        # MIPs over growing sets of pairs: the LP point's own, then all the LP priced with no
        # loss (reduced cost 0), then those within `delta`, until the set holds every pair
        # that could beat the incumbent (`bound + d_j >= incumbent + 1`): that MIP's optimum
        # is the step's, and the loop stops only when it is proven so.
        support = np.zeros(self.n, dtype=bool) if point is None else point > 1e-9
        delta, round_ = 0.0, 0
        while incumbent is None or bound >= incumbent + 1 - MARGIN:
            needed = np.inf if incumbent is None else bound - incumbent - 1
            if round_ == 0:
                core = usable & support
            elif round_ == 1:
                core = usable & self.in_lp & (reduced >= -MARGIN)
            else:
                core = usable & (reduced >= -min(delta, needed) - MARGIN)
            if start is not None:
                core |= start
            round_ += 1
            began = time.perf_counter()
            outcome = self._mip(weights, np.flatnonzero(core), start, deadline)
            self.trace.append(
                (
                    int(core.sum()),
                    outcome.status,
                    outcome.objective,
                    bound,
                    time.perf_counter() - began,
                )
            )
            if outcome.values is not None:
                start = outcome.values > 0.5
                incumbent = outcome.objective
            if outcome.status == INFEASIBLE and (usable & ~core).any():
                # no whole solution among these pairs (only possible without an incumbent):
                # that says nothing of the others, so the next MIP takes every pair
                delta, round_ = np.inf, max(round_, 2)
                continue
            if outcome.status != OPTIMAL or incumbent is None:
                break
            needed = bound - incumbent - 1
            required = usable & (reduced >= -needed - MARGIN)
            if not (required & ~core).any():
                break  # every pair that could beat this optimum was in the MIP: proven
            if round_ < 2:
                continue
            # the next set: every pair that could help, or the best CORE_PAIRS if that is fewer
            ranked = np.sort(-reduced[usable])
            widest = ranked[min(CORE_PAIRS, len(ranked) - 1)] if len(ranked) else 0.0
            delta = float(min(needed, max(widest, delta * 2 + 1)))
        if outcome.status == OPTIMAL and outcome.objective is not None:
            self._tighten(bound - outcome.objective, reduced, prices)
            outcome.bound = outcome.objective
            outcome.gap = 0.0
        elif outcome.status == TIME_LIMIT and outcome.objective is not None:
            proven = bound
            if outcome.bound is not None:
                proven = min(bound, max(outcome.bound, incumbent or -np.inf))
            outcome.bound = proven
            outcome.gap = max(0.0, proven - outcome.objective) / max(abs(proven), 1.0)
        elif outcome.status == NO_SOLUTION and start is not None:
            outcome = StepOutcome(TIME_LIMIT, start.astype(float), incumbent, None, 0.0)
            outcome.bound = bound
            outcome.gap = max(0.0, bound - float(incumbent or 0)) / max(abs(bound), 1.0)
        return done(outcome)

    def _tighten(self, gap: float, reduced: np.ndarray, prices: np.ndarray) -> None:
        """What every later solution must do, from a proven step's bound and prices.

        Later solutions keep this step's value z, and every solution x satisfies
        `z <= w.x = bound - sum_r |y_r| slack_r(x) - sum_j |d_j| (distance of x_j from the
        bound the reduced cost prefers)`, so no term may exceed gap = bound - z. A pair with
        `d_j < -gap` is never used and one with `d_j > gap` always is; a whole-number row
        (slack 0 or at least 1) with `|y_r| > gap` is full in every later solution. These are
        the lexicographic floors said pair by pair and row by row: the later steps' LPs get
        tighter (they are what keeps the fit step's LP bound close to its optimum)."""
        limit = gap + MARGIN
        never = (reduced < -limit) & (self.column_upper > 0) & (self.column_lower == 0)
        always = (reduced > limit) & (self.column_lower == 0) & (self.column_upper > 0)
        self.column_upper[never] = 0.0
        self.column_lower[always] = 1.0
        changed = np.flatnonzero((never | always)[self.lp_order]).astype(np.int32)
        if len(changed):
            pairs = self.lp_order[changed]
            self.lp.changeColsBounds(
                len(changed), changed, self.column_lower[pairs], self.column_upper[pairs]
            )
        full_upper = self.whole_rows & (prices > limit) & np.isfinite(self.upper)
        full_lower = self.whole_rows & (prices < -limit) & np.isfinite(self.lower)
        full_upper &= self.lower < self.upper
        full_lower &= self.lower < self.upper
        self.lower[full_upper] = self.upper[full_upper]
        self.upper[full_lower] = self.lower[full_lower]
        rows = np.flatnonzero(full_upper | full_lower).astype(np.int32)
        if len(rows):
            self.lp.changeRowsBounds(len(rows), rows, self.lower[rows], self.upper[rows])

    def _mip(
        self, weights: np.ndarray, columns: np.ndarray, start: np.ndarray | None, deadline: float
    ) -> StepOutcome:
        """The step's MIP over `columns` only (every row, the other pairs fixed at 0)."""
        from optimiser.solve import INFEASIBLE, NO_SOLUTION, OPTIMAL, TIME_LIMIT

        highspy = self.highspy
        h = self._highs()
        h.setOptionValue("mip_rel_gap", 0.0)
        h.setOptionValue("presolve", "off")  # HiGHS's MIP presolve stalls on large matchings
        # Symmetry detection and the feasibility jump cost seconds before the first node and
        # found nothing the warm start had not given.
        h.setOptionValue("mip_detect_symmetry", False)
        h.setOptionValue("mip_heuristic_run_feasibility_jump", False)
        self._add_rows(h)
        part = self.columns_matrix[:, columns]
        k = len(columns)
        h.addCols(
            k,
            weights[columns].astype(float),
            self.column_lower[columns],
            self.column_upper[columns],
            part.nnz,
            part.indptr[:-1].astype(np.int32),
            part.indices.astype(np.int32),
            part.data,
        )
        h.changeColsIntegrality(k, np.arange(k, dtype=np.int32), np.ones(k, dtype=np.uint8))
        h.setOptionValue("time_limit", max(0.1, deadline - time.perf_counter()))
        if start is not None:
            solution = highspy.HighsSolution()
            solution.col_value = start[columns].astype(float).tolist()
            h.setSolution(solution)
        h.run()
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
            values = np.zeros(self.n)
            values[columns] = np.rint(np.asarray(h.getSolution().col_value, dtype=float))
            objective = float(weights @ values)
            bound = objective if verdict == OPTIMAL else float(info.mip_dual_bound)
            gap = 0.0 if verdict == OPTIMAL else None
            return StepOutcome(verdict, values, objective, gap, 0.0, k, 0, bound)
        return StepOutcome(verdict, None, None, None, 0.0, k)
