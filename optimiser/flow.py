"""The flow path: a pure stage solved exactly as an assignment problem, with no LP solver.

A pure stage (no side constraints) is a bipartite b-matching, i.e. a min-cost flow. Up to
`PLAIN_MAX_PAIRS` pairs (a council's stages) it is solved in plain Python by shortest
augmenting paths on the b-matching itself (`optimiser.augment`, which needs no reduction and
whose answer carries its own dual certificate): importing SciPy's sparse graph routines costs
more than those stages take. Above that it is solved by scipy's sparse Jonker-Volgenant
assignment (`min_weight_full_bipartite_matching`, LAPJVsp, compiled code), after two exact
reductions:

* **Places become slots.** A vacancy with capacity c becomes c slots with the same pairs, so
  every row has right-hand side 1.
* **Optional rows get a partner of their own.** An assignment solver matches every row. A
  young person who may stay unplaced gets a dummy column of their own at the cost of "no
  place"; a slot that may stay empty gets a mirror row (the Ramshaw-Tarjan mirror
  construction: each pair (p, s) also appears as (s', p'), and s' may take s itself).
  A young person an earlier stage placed (`person_eq`), or a vacancy that must stay full
  (`vacancy_eq`, in the tie-break), simply has no such partner. Without `vacancy_eq` rows only
  the young people's dummies are needed (slots may stay unmatched in a rectangular problem).

Costs are `W - weight` for a pair and `W` for "no place", with W one more than the largest
weight, so every cost is a positive whole number; every row is matched exactly once, so the
constant per row does not change the optimum, and the minimum cost is the maximum weight.
All costs stay below 2**53, so the float arithmetic of the solver is exact in whole numbers.

Stage (c)'s tie-break needs the optimal face, which the LP path reads from the solver's row
duals. The plain search proves its own answer with duals, which serve as they are
(`augment.max_weight_b_matching`); after SciPy's solver (which returns none) they are
computed from the optimal assignment by one Bellman-Ford search on the difference
constraints that complementary slackness imposes (`_duals`). Either way they are whole
numbers and are checked as a certificate by `pure.optimal_face` exactly as the LP's are;
any optimal duals give the same face (every optimal solution is complementary to every
optimal dual), so the proposals do not depend on which are used. The
tie-break problem is then solved by the same assignment solver, so the flow path returns the
same proposals as the LP path (the hash optimum over the face is unique but by chance).
"""

from __future__ import annotations

import sys
import time

import numpy as np

from optimiser.augment import max_weight_b_matching
from optimiser.pure import PureProblem
from optimiser.solve import INFEASIBLE, OPTIMAL, SolveOutcome

SOLVER = "flow"
EXACT = 2.0**53
# Up to this many pairs a stage is solved in plain Python (`optimiser.augment`): at council
# size that is quicker than importing SciPy's sparse graph routines, which cost about 0.3 s
# of CPU before they solve anything (docs/performance.md, "`planner match` at council size").
PLAIN_MAX_PAIRS = 100_000


def _slots(problem: PureProblem) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Each pair repeated once per place of its vacancy: (pair, slot) entries and slot starts."""
    capacity = np.maximum(problem.vacancy_rhs, 0).astype(np.int64)
    slot_start = np.zeros(len(capacity) + 1, dtype=np.int64)
    np.cumsum(capacity, out=slot_start[1:])
    copies = capacity[problem.vacancy]
    pair = np.repeat(np.arange(problem.size, dtype=np.int64), copies)
    first = np.repeat(np.cumsum(copies) - copies, copies)
    slot = slot_start[problem.vacancy[pair]] + (np.arange(len(pair)) - first)
    return pair, slot, slot_start, int(slot_start[-1])


def assign(problem: PureProblem) -> np.ndarray | None:
    """The 0/1 values of an optimal solution of `problem`, or None if it is infeasible.

    Up to `PLAIN_MAX_PAIRS` pairs by plain shortest augmenting paths (`optimiser.augment`, no
    import beyond numpy), above it by SciPy's compiled sparse assignment, imported only then;
    once anything in the process has imported it (a larger stage, the side constraints'
    path) SciPy takes every stage, being quicker once paid for. Both are exact, so the
    choice changes the time, never the proposals."""
    if _plain(problem):
        return _assign_plain(problem)
    return _assign_scipy(problem)


def _plain(problem: PureProblem) -> bool:
    """Whether `assign` solves `problem` in plain Python (see `assign`); refuses a problem the
    flow path cannot solve exactly."""
    weights = problem.weights
    if problem.size and (weights.min() < 0 or not np.array_equal(weights, np.rint(weights))):
        raise ValueError("the flow path needs whole, non-negative weights")
    if (problem.person_rhs > 1).any():
        raise ValueError("the flow path places each young person at most once")
    return problem.size <= PLAIN_MAX_PAIRS and "scipy.sparse.csgraph" not in sys.modules


def _assign_plain(problem: PureProblem) -> np.ndarray | None:
    """`assign` by `optimiser.augment` on the pairs whose rows are open."""
    found = _assign_plain_with_duals(problem)
    return None if found is None else found[0]


def _assign_plain_with_duals(
    problem: PureProblem,
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """`_assign_plain` with the search's optimal duals (y per young person, z per vacancy:
    `augment.max_weight_b_matching`); a row whose right-hand side is 0 takes no part in the
    search, so with such a row the duals are left to `_duals`."""
    values = np.zeros(problem.size)
    # the bonused weights of `optimiser.augment` reach about 2 * weight * people (int64)
    if problem.size and float(problem.weights.max()) * (2 * len(problem.person_rhs) + 2) >= 2.0**62:
        raise ValueError("weights too large for exact assignment")
    open_rows = (problem.person_rhs[problem.person] > 0) & (
        problem.vacancy_rhs[problem.vacancy] > 0
    )
    pairs = np.flatnonzero(open_rows)
    found = max_weight_b_matching(
        problem.person[pairs],
        problem.vacancy[pairs],
        problem.weights[pairs].astype(np.int64),
        np.maximum(problem.vacancy_rhs, 0).astype(np.int64),
        problem.person_eq & (problem.person_rhs > 0),
        problem.vacancy_eq & (problem.vacancy_rhs > 0),
    )
    if found is None:
        return None
    chosen, person_dual, vacancy_dual = found
    values[pairs[chosen]] = 1.0
    return values, person_dual, vacancy_dual


def _assign_scipy(problem: PureProblem) -> np.ndarray | None:
    """`assign` by SciPy's sparse Jonker-Volgenant solver on slots, dummies and mirrors."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import min_weight_full_bipartite_matching

    values = np.zeros(problem.size)
    weights = problem.weights
    people = np.flatnonzero(problem.person_rhs > 0)
    required_people = problem.person_eq & (problem.person_rhs > 0)
    required_slots = problem.vacancy_eq & (problem.vacancy_rhs > 0)
    keep = (problem.person_rhs[problem.person] > 0) & (problem.vacancy_rhs[problem.vacancy] > 0)
    pair, slot, slot_start, slots = _slots(problem)
    pair_keep = keep[pair]
    pair, slot = pair[pair_keep], slot[pair_keep]
    top = float(weights.max()) + 1.0 if problem.size else 1.0
    if top * (len(people) + slots + 1) >= EXACT:
        raise ValueError("weights too large for exact assignment")
    row_of = np.full(len(problem.person_rhs), -1, dtype=np.int64)
    row_of[people] = np.arange(len(people))
    n = len(people)
    optional = np.flatnonzero(~required_people[people])  # rows with a dummy column
    rows = [row_of[problem.person[pair]], optional]
    cols = [slot, slots + np.arange(len(optional))]
    costs = [top - weights[pair], np.full(len(optional), top)]
    shape_rows, shape_cols = n, slots + len(optional)
    if required_slots.any():
        # The square mirror construction: rows are the young people and a mirror row s' per
        # slot; columns are the slots and a mirror column p' per young person. p' takes p
        # itself (p unplaced, optional people only) or the mirror s' of a pair (p, s);
        # s' takes s itself (s empty, slots that may stay empty only) or such a p'.
        slot_vacancy = np.repeat(np.arange(len(slot_start) - 1), np.diff(slot_start))
        optional_slot = np.flatnonzero(~required_slots[slot_vacancy])
        pair_row = row_of[problem.person[pair]]
        rows = [pair_row, optional, n + slot, n + optional_slot]
        cols = [slot, slots + optional, slots + pair_row, optional_slot]
        costs = [
            top - weights[pair],
            np.full(len(optional), top),
            np.ones(len(pair)),
            np.ones(len(optional_slot)),
        ]
        shape_rows, shape_cols = n + slots, slots + n
    row = np.concatenate(rows)
    col = np.concatenate(cols)
    cost = np.concatenate(costs)
    if shape_rows == 0:
        return values
    matrix = csr_matrix((cost, (row, col)), shape=(shape_rows, shape_cols))
    try:
        matched_rows, matched_cols = min_weight_full_bipartite_matching(matrix)
    except ValueError:
        return None
    if len(matched_rows) < shape_rows:
        return None  # more required rows than places: the solver matched only the columns
    real = (matched_rows < n) & (matched_cols < slots)
    person = people[matched_rows[real]]
    vacancy = np.searchsorted(slot_start, matched_cols[real], side="right") - 1
    # back from (person, vacancy) to the variable
    width = np.int64(len(problem.vacancy_rhs))
    key = problem.person.astype(np.int64) * width + problem.vacancy
    order = np.argsort(key, kind="stable")
    found = order[np.searchsorted(key[order], person.astype(np.int64) * width + vacancy)]
    np.add.at(values, found, 1.0)
    return values


def _duals(problem: PureProblem, values: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Optimal row duals (y per young person, z per vacancy) for the optimal `values`.

    Complementary slackness with `values` asks for: y_p + z_v >= w on a pair not chosen, and
    y_p + z_v <= w on a chosen pair (it sits at its upper bound 1, whose own dual takes the
    slack, so a pair with slack is in every optimum); y_p >= 0 unless p is required, y_p = 0
    if p is optional and unplaced; z_v >= 0 unless v must stay full, z_v = 0 if v is not full.
    With phi_p = y_p and psi_v = -z_v these are difference constraints (x_j <= x_i + c) with a
    root node for the constant 0; they have a solution because `values` is optimal (LP
    duality), and `_feasible_potential` finds one in whole numbers. `pure.optimal_face` checks
    the result as a certificate anyway.
    """
    n_people = len(problem.person_rhs)
    n_vacancies = len(problem.vacancy_rhs)
    root = n_people + n_vacancies
    chosen = values > 0.5
    placed = np.bincount(problem.person[chosen], minlength=n_people)
    filled = np.bincount(problem.vacancy[chosen], minlength=n_vacancies)
    person_node = np.arange(n_people)
    vacancy_node = n_people + np.arange(n_vacancies)
    optional = ~problem.person_eq
    unplaced = optional & (placed < problem.person_rhs)
    not_full = ~problem.vacancy_eq & (filled < problem.vacancy_rhs)
    tails = [
        problem.person[~chosen],  # psi_v <= phi_p - w (pairs not chosen)
        n_people + problem.vacancy[chosen],  # phi_p <= psi_v + w (chosen pairs)
        person_node[optional],  # root <= phi_p  (y_p >= 0)
        np.full(int(unplaced.sum()), root),  # phi_p <= root  (y_p = 0)
        np.full(int((~problem.vacancy_eq).sum()), root),  # psi_v <= root  (z_v >= 0)
        vacancy_node[not_full],  # root <= psi_v  (z_v = 0)
    ]
    heads = [
        n_people + problem.vacancy[~chosen],
        problem.person[chosen],
        np.full(int(optional.sum()), root),
        person_node[unplaced],
        vacancy_node[~problem.vacancy_eq],
        np.full(int(not_full.sum()), root),
    ]
    lengths = [
        -problem.weights[~chosen],
        problem.weights[chosen],
        np.zeros(int(optional.sum())),
        np.zeros(int(unplaced.sum())),
        np.zeros(int((~problem.vacancy_eq).sum())),
        np.zeros(int(not_full.sum())),
    ]
    tail = np.concatenate(tails).astype(np.int64)
    head = np.concatenate(heads).astype(np.int64)
    length = np.concatenate(lengths)
    distance = _feasible_potential(root + 1, tail, head, length)
    if distance is None:
        return None
    distance -= distance[root]
    return distance[:n_people].copy(), -distance[n_people:root]


def _feasible_potential(
    nodes: int, tail: np.ndarray, head: np.ndarray, length: np.ndarray
) -> np.ndarray | None:
    """A solution of x[head] <= x[tail] + length for every arc, or None (a negative cycle).

    Bellman-Ford from a virtual source with a 0 arc to every node (so every node starts at 0),
    vectorised by rounds: each round relaxes only the arcs leaving nodes whose value fell in
    the last round, so there are as many rounds as arcs on the longest shortest path (short
    alternating paths here), not as many as nodes.
    """
    order = np.argsort(tail, kind="stable")
    tail, head, length = tail[order], head[order], length[order]
    first = np.searchsorted(tail, np.arange(nodes + 1))
    distance = np.zeros(nodes)
    frontier = np.arange(nodes)
    for _ in range(nodes + 1):
        if len(frontier) == 0:
            return distance
        starts, ends = first[frontier], first[frontier + 1]
        counts = ends - starts
        arcs = np.repeat(ends - np.cumsum(counts), counts) + np.arange(int(counts.sum()))
        candidate = distance[tail[arcs]] + length[arcs]
        better = candidate < distance[head[arcs]]
        arcs, candidate = arcs[better], candidate[better]
        np.minimum.at(distance, head[arcs], candidate)
        frontier = np.unique(head[arcs])
    return None


def solve_flow(
    problem: PureProblem, *, time_limit: float, duals: bool = False
) -> tuple[SolveOutcome, float, int]:
    """Solve `problem` exactly on the flow path; the same return as `arrays.solve_arrays`.

    There is no time limit inside the assignment solver (it cannot be interrupted); the run's
    clock is checked between stages. `duals=True` (stage c) also returns optimal row duals for
    the tie-break.
    """
    del time_limit
    started = time.perf_counter()
    if problem.size == 0:
        empty = SolveOutcome(OPTIMAL, 0.0, 0.0, 0.0, np.zeros(0), True, 0, SOLVER)
        if duals:
            empty = SolveOutcome(
                OPTIMAL,
                0.0,
                0.0,
                0.0,
                np.zeros(0),
                True,
                0,
                SOLVER,
                np.zeros(len(problem.person_rhs)),
                np.zeros(len(problem.vacancy_rhs)),
            )
        return empty, 0.0, 0
    person_dual = vacancy_dual = None
    open_rows = (problem.person_rhs > 0).all() and (problem.vacancy_rhs > 0).all()
    if duals and open_rows and _plain(problem):
        found = _assign_plain_with_duals(problem)  # the search's duals: no second search
        values = None if found is None else found[0]
        if found is not None:
            person_dual, vacancy_dual = found[1].astype(float), found[2].astype(float)
    else:
        values = assign(problem)
    if values is None:
        outcome = SolveOutcome(
            INFEASIBLE,
            None,
            time.perf_counter() - started,
            None,
            np.zeros(problem.size),
            True,
            0,
            SOLVER,
        )
        return outcome, 0.0, 0
    if duals and person_dual is None:
        computed = _duals(problem, values)
        if computed is not None:
            person_dual, vacancy_dual = computed
    seconds = time.perf_counter() - started
    outcome = SolveOutcome(
        status=OPTIMAL,
        objective=float(problem.weights @ values),
        seconds=seconds,
        gap=0.0,
        values=values,
        as_lp=True,
        fractional=0,
        solver=SOLVER,
        person_dual=person_dual,
        vacancy_dual=vacancy_dual,
    )
    return outcome, 0.0, 0
