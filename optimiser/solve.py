"""Run one stage's model through CBC or HiGHS and say honestly what came back.

PuLP calls a time-limited MIP incumbent "Optimal"; only `sol_status` tells a proven optimum
(1) from a feasible solution found before the time limit (2). A safeguarding tool must not
blur the two, so every outcome carries one of: optimal, time_limit (with the gap when the
solver reports it), infeasible, no_solution.

The pure matching is totally unimodular, so it is solved as an LP (simplex returns a vertex,
and every vertex is 0/1). The values are still checked: if any is fractional the stage is
solved again as a MIP, and the outcome says so.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pulp

    from optimiser.model import StageModel

OPTIMAL = "optimal"
TIME_LIMIT = "time_limit"
INFEASIBLE = "infeasible"
NO_SOLUTION = "no_solution"
FRACTIONAL_TOLERANCE = 1e-6


@dataclass(frozen=True, eq=False)  # holds arrays: compared by identity
class SolveOutcome:
    status: str
    objective: float | None
    seconds: float
    gap: float | None
    values: np.ndarray
    as_lp: bool
    fractional: int
    solver: str
    person_dual: np.ndarray | None = None  # per young person (0 without a row); optimal LPs only
    vacancy_dual: np.ndarray | None = None  # per vacancy

    @property
    def has_solution(self) -> bool:
        return self.status in (OPTIMAL, TIME_LIMIT)


def make_solver(name: str, *, mip: bool, time_limit: float) -> pulp.LpSolver:
    """An explicit solver object: CBC (bundled with PuLP 3.x) or HiGHS (highspy), single-threaded.

    One thread keeps runs reproducible. HiGHS's MIP presolve stalls on large matchings
    (reference/matching.md B3), so it is turned off when a MIP is needed.
    """
    import pulp

    limit = max(1.0, float(time_limit))
    if name == "cbc":
        solver_class = getattr(pulp, "PULP_CBC_CMD", None) or pulp.COIN_CMD
        return solver_class(mip=mip, msg=False, timeLimit=limit, gapRel=0.0, threads=1)
    if name == "highs":
        options = {"presolve": "off"} if mip else {}
        return pulp.HiGHS(mip=mip, msg=False, timeLimit=limit, gapRel=0.0, threads=1, **options)
    raise ValueError(f"unknown solver {name!r}: use 'cbc' or 'highs'")


def _gap(model: StageModel, solver: str) -> float | None:
    if solver != "highs":
        return None  # PuLP 3.x does not read CBC's bound back
    highs = getattr(model.prob, "solverModel", None)
    if highs is None:
        return None
    try:
        return float(highs.getInfo().mip_gap)
    except AttributeError:
        return None


def _solve_once(model: StageModel, solver: str, *, mip: bool, time_limit: float) -> SolveOutcome:
    import pulp

    started = time.perf_counter()
    model.prob.solve(make_solver(solver, mip=mip, time_limit=time_limit))
    seconds = time.perf_counter() - started
    status, sol_status = model.prob.status, model.prob.sol_status
    values = np.array([v.varValue or 0.0 for v in model.variables], dtype=float)
    fractional = int(
        np.count_nonzero((values > FRACTIONAL_TOLERANCE) & (values < 1 - FRACTIONAL_TOLERANCE))
    )
    if status == pulp.LpStatusInfeasible or sol_status == pulp.LpSolutionInfeasible:
        verdict = INFEASIBLE
    elif sol_status == pulp.LpSolutionOptimal:
        verdict = OPTIMAL
    elif sol_status == pulp.LpSolutionIntegerFeasible:
        verdict = TIME_LIMIT
    else:
        verdict = NO_SOLUTION
    objective = None
    if verdict in (OPTIMAL, TIME_LIMIT):
        # From the rounded values when they are whole, so both paths report the same number.
        exact = fractional == 0
        objective = sum(
            c * (round(v.varValue or 0.0) if exact else (v.varValue or 0.0))
            for v, c in model.prob.objective.items()
        )
    gap = _gap(model, solver) if verdict == TIME_LIMIT else (0.0 if verdict == OPTIMAL else None)
    person_dual, vacancy_dual = _duals(model) if verdict == OPTIMAL and not mip else (None, None)
    return SolveOutcome(
        status=verdict,
        objective=None if objective is None else float(objective),
        seconds=seconds,
        gap=gap,
        values=np.rint(values) if fractional == 0 else values,
        as_lp=not mip,
        fractional=fractional,
        solver=solver,
        person_dual=person_dual,
        vacancy_dual=vacancy_dual,
    )


def _duals(model: StageModel) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Row duals of a pure model per young person and per vacancy (0 where there is no row)."""
    if model.problem is None:
        return None, None
    constraints = model.prob.constraints
    person = np.zeros(len(model.problem.person_rhs))
    vacancy = np.zeros(len(model.problem.vacancy_rhs))
    for target, rows in ((person, model.person_rows), (vacancy, model.vacancy_rows)):
        for position, name in rows.items():
            pi = constraints[name].pi
            if pi is None:
                return None, None
            target[position] = pi
    return person, vacancy


def solve_stage(model: StageModel, solver: str, *, as_lp: bool, time_limit: float) -> SolveOutcome:
    """Solve as an LP when the stage is the pure matching, else as a MIP; verify integrality."""
    if not model.variables:
        return SolveOutcome(OPTIMAL, 0.0, 0.0, 0.0, np.zeros(0), as_lp, 0, solver)
    outcome = _solve_once(model, solver, mip=not as_lp, time_limit=time_limit)
    if as_lp and outcome.status == OPTIMAL and outcome.fractional:
        remaining = max(1.0, time_limit - outcome.seconds)
        again = _solve_once(model, solver, mip=True, time_limit=remaining)
        return SolveOutcome(
            again.status,
            again.objective,
            outcome.seconds + again.seconds,
            again.gap,
            again.values,
            False,
            outcome.fractional,
            solver,
        )
    return outcome


@functools.cache
def quiet_highs_banner() -> None:
    """HiGHS prints its banner on standard output when the first solver of a process is made,
    before any option can turn output off; the array paths and the value of one more place use
    HiGHS even when the run used CBC, so the banner would land in the middle of a command's
    output. Make the first one with standard output pointed at the null device (once per
    process)."""
    import os
    import sys

    import highspy

    try:
        sys.stdout.flush()
        saved, null = os.dup(1), os.open(os.devnull, os.O_WRONLY)
    except OSError:
        return
    try:
        os.dup2(null, 1)
        highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)
