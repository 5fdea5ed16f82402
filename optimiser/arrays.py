"""The array path: a pure stage handed to HiGHS as sparse arrays, without PuLP objects.

The stage's constraint matrix is built column-wise (CSC) with numpy: column k has a 1 in its
young person's row (if that person has a row) and a 1 in its vacancy's row (if that vacancy
has one). Person rows come first, in person order, then vacancy rows, in vacancy order. It is
passed to `highspy.Highs.passModel` in one call and solved as an LP with the simplex method,
so the answer is a vertex and, the matrix being totally unimodular, 0/1. The status, values
and duals are read back from HiGHS directly; there is no file and no per-pair Python object.

If a value is nevertheless fractional, the stage is solved again as a MIP with presolve off
(HiGHS's MIP presolve stalls on large matchings), as on the PuLP path.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from optimiser.pure import PureProblem
from optimiser.solve import (
    FRACTIONAL_TOLERANCE,
    INFEASIBLE,
    NO_SOLUTION,
    OPTIMAL,
    TIME_LIMIT,
    SolveOutcome,
    quiet_highs_banner,
)

# Simplex returns a vertex, and every vertex of the pure matching is 0/1. Presolve finds little
# to remove from a matching and copies the model: at regional size turning it off took the
# three stages from 18 s to 9 s and the peak from 1.9 GB to 1.3 GB (docs/performance.md).
LP_OPTIONS: dict[str, bool | int | float | str] = {"solver": "simplex", "presolve": "off"}


@dataclass(frozen=True, eq=False)  # holds arrays: compared by identity
class ArrayModel:
    """A pure problem as the CSC arrays HiGHS reads, and which row is which."""

    problem: PureProblem
    person_rows: np.ndarray  # young people with a row, ascending
    vacancy_rows: np.ndarray  # vacancies with a row, ascending
    start: np.ndarray  # int32, columns + 1
    index: np.ndarray  # int32
    row_lower: np.ndarray
    row_upper: np.ndarray

    @property
    def rows(self) -> int:
        return len(self.row_lower)


def build_arrays(problem: PureProblem) -> ArrayModel:
    """The CSC matrix and row bounds of `problem`, with numpy only."""
    person_rows = problem.person_rows()
    vacancy_rows = problem.vacancy_rows()
    person_row = np.full(len(problem.person_rhs), -1, dtype=np.int64)
    person_row[person_rows] = np.arange(len(person_rows))
    vacancy_row = np.full(len(problem.vacancy_rhs), -1, dtype=np.int64)
    vacancy_row[vacancy_rows] = len(person_rows) + np.arange(len(vacancy_rows))
    pair_rows = np.stack([person_row[problem.person], vacancy_row[problem.vacancy]], axis=1)
    present = pair_rows >= 0
    start = np.zeros(problem.size + 1, dtype=np.int32)
    np.cumsum(present.sum(axis=1), out=start[1:])
    index = pair_rows[present].astype(np.int32)  # row-major: person row before vacancy row
    upper = np.concatenate(
        [problem.person_rhs[person_rows], problem.vacancy_rhs[vacancy_rows]]
    ).astype(float)
    is_eq = np.concatenate([problem.person_eq[person_rows], problem.vacancy_eq[vacancy_rows]])
    lower = np.where(is_eq, upper, -np.inf)
    return ArrayModel(problem, person_rows, vacancy_rows, start, index, lower, upper)


def _highs(model: ArrayModel, *, mip: bool, time_limit: float):
    import highspy

    quiet_highs_banner()

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("random_seed", 0)
    h.setOptionValue("time_limit", max(1.0, float(time_limit)))
    if mip:
        h.setOptionValue("presolve", "off")
        h.setOptionValue("mip_rel_gap", 0.0)
    else:
        for option, value in LP_OPTIONS.items():
            h.setOptionValue(option, value)
    n = model.problem.size
    status = h.passModel(
        n,
        model.rows,
        len(model.index),
        int(highspy.MatrixFormat.kColwise),
        int(highspy.ObjSense.kMaximize),
        0.0,
        np.ascontiguousarray(model.problem.weights, dtype=float),
        np.zeros(n),
        np.ones(n),
        model.row_lower,
        model.row_upper,
        model.start,
        model.index,
        np.ones(len(model.index)),
        np.ones(n, dtype=np.int32) if mip else np.zeros(n, dtype=np.int32),
    )
    if status == highspy.HighsStatus.kError:
        raise RuntimeError(f"HiGHS refused the arrays of {model.problem.name}")
    return h


def _solve_once(model: ArrayModel, *, mip: bool, time_limit: float) -> SolveOutcome:
    import highspy

    started = time.perf_counter()
    h = _highs(model, mip=mip, time_limit=time_limit)
    h.run()
    seconds = time.perf_counter() - started
    status = h.getModelStatus()
    info = h.getInfo()
    feasible = info.primal_solution_status == highspy.SolutionStatus.kSolutionStatusFeasible
    statuses = highspy.HighsModelStatus
    if status in (statuses.kOptimal, statuses.kModelEmpty):
        verdict = OPTIMAL
    elif status in (statuses.kInfeasible, statuses.kUnboundedOrInfeasible):
        verdict = INFEASIBLE
    elif feasible and status in (
        statuses.kTimeLimit,
        statuses.kIterationLimit,
        statuses.kInterrupt,
    ):
        verdict = TIME_LIMIT
    else:
        verdict = NO_SOLUTION
    n = model.problem.size
    person_dual = vacancy_dual = None
    if verdict in (OPTIMAL, TIME_LIMIT):
        solution = h.getSolution()
        values = np.asarray(solution.col_value, dtype=float)
        if verdict == OPTIMAL and not mip and solution.dual_valid:
            row_dual = np.asarray(solution.row_dual, dtype=float)
            split = len(model.person_rows)
            person_dual = np.zeros(len(model.problem.person_rhs))
            person_dual[model.person_rows] = row_dual[:split]
            vacancy_dual = np.zeros(len(model.problem.vacancy_rhs))
            vacancy_dual[model.vacancy_rows] = row_dual[split:]
    else:
        values = np.zeros(n)
    fractional = int(
        np.count_nonzero((values > FRACTIONAL_TOLERANCE) & (values < 1 - FRACTIONAL_TOLERANCE))
    )
    objective = None
    gap = None
    if verdict in (OPTIMAL, TIME_LIMIT):
        objective = float(model.problem.weights @ values)
        gap = 0.0 if verdict == OPTIMAL else (float(info.mip_gap) if mip else None)
    return SolveOutcome(
        status=verdict,
        objective=objective,
        seconds=seconds,
        gap=gap,
        values=np.rint(values) if fractional == 0 else values,
        as_lp=not mip,
        fractional=fractional,
        solver="highs",
        person_dual=person_dual,
        vacancy_dual=vacancy_dual,
    )


def solve_arrays(problem: PureProblem, *, time_limit: float) -> tuple[SolveOutcome, float, int]:
    """Build and solve `problem` as an LP; returns the outcome, build seconds and row count."""
    started = time.perf_counter()
    model = build_arrays(problem)
    built = time.perf_counter() - started
    if problem.size == 0:
        empty = SolveOutcome(OPTIMAL, 0.0, 0.0, 0.0, np.zeros(0), True, 0, "highs")
        return empty, built, 0
    outcome = _solve_once(model, mip=False, time_limit=time_limit)
    if outcome.status == OPTIMAL and outcome.fractional:
        remaining = max(1.0, time_limit - outcome.seconds)
        again = _solve_once(model, mip=True, time_limit=remaining)
        outcome = SolveOutcome(
            again.status,
            again.objective,
            outcome.seconds + again.seconds,
            again.gap,
            again.values,
            False,
            outcome.fractional,
            "highs",
        )
    return outcome, built, model.rows
