"""The pure matching of one stage as plain arrays, shared by the PuLP path and the array path.

A stage without side constraints is a bipartite b-matching: one variable per possible pair,
one row per young person (`<= 1`, or `= 1` when an earlier stage placed them) and one row per
vacancy (`<= capacity`). `PureProblem` holds exactly that, so both paths build the same rows
from the same arrays (rows the variable bounds already imply are left out by both).

It also holds the deterministic tie-break of the last stage. The fit scores are small whole
numbers, so many assignments share the optimum; a solver would pick one of them by its own
pivoting rules, and CBC and HiGHS would pick differently. After stage (c) is solved, its dual
values describe the set of *all* optimal assignments (the optimal face, by complementary
slackness): pairs with a positive reduced cost are in every optimum, pairs with a negative one
in none, and rows with a positive dual are full in every optimum. The tie-break then maximises
a fixed hash of the ids over that face only, so the stage (c) optimum is kept exactly (no
big-M weight mixes the two) and the answer no longer depends on the solver.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

TIE_BREAK_RANGE = 2**30  # hash weights are 1 .. 2**30: exact in MPS files and in doubles


@dataclass(frozen=True, eq=False)  # holds arrays: compared by identity
class PureProblem:
    """max sum(weights * x) over the pairs `edges`, with person rows and vacancy rows."""

    name: str
    edges: np.ndarray  # per variable: index of the pair in the run
    person: np.ndarray  # per variable: position of the young person
    vacancy: np.ndarray  # per variable: position of the vacancy
    weights: np.ndarray  # per variable
    person_rhs: np.ndarray  # per young person (all of the run)
    person_eq: np.ndarray  # per young person: the row is `=` rather than `<=`
    vacancy_rhs: np.ndarray  # per vacancy
    vacancy_eq: np.ndarray  # per vacancy

    @property
    def size(self) -> int:
        return len(self.edges)

    def person_rows(self) -> np.ndarray:
        """Young people who get a row, ascending: fixed ones, and those with a real choice."""
        count = np.bincount(self.person, minlength=len(self.person_rhs))
        return np.flatnonzero((count > 0) & (self.person_eq | (count > self.person_rhs)))

    def vacancy_rows(self) -> np.ndarray:
        """Vacancies that get a row, ascending: those with more candidates than places."""
        count = np.bincount(self.vacancy, minlength=len(self.vacancy_rhs))
        return np.flatnonzero((count > 0) & (self.vacancy_eq | (count > self.vacancy_rhs)))


def stage_problem(
    name: str,
    person: np.ndarray,
    vacancy: np.ndarray,
    capacity: np.ndarray,
    edges: np.ndarray,
    weights: np.ndarray,
    must_place: np.ndarray,
) -> PureProblem:
    """A stage over `edges`: each young person at most one place (exactly one if `must_place`)."""
    return PureProblem(
        name=name,
        edges=edges,
        person=person[edges],
        vacancy=vacancy[edges],
        weights=np.asarray(weights, dtype=float),
        person_rhs=np.ones(len(must_place), dtype=np.int64),
        person_eq=np.asarray(must_place, dtype=bool),
        vacancy_rhs=np.asarray(capacity, dtype=np.int64),
        vacancy_eq=np.zeros(len(capacity), dtype=bool),
    )


def _id_hashes(ids: np.ndarray) -> np.ndarray:
    return np.fromiter((zlib.crc32(str(i).encode()) for i in ids), np.uint64, count=len(ids))


def tie_break_weights(
    person_ids: np.ndarray, vacancy_ids: np.ndarray, person: np.ndarray, vacancy: np.ndarray
) -> np.ndarray:
    """A fixed pseudo-random weight in 1 .. 2**30 per pair, from the two ids only.

    The ids (not positions) are hashed, so the weight of a pair does not change when other rows
    are added or the input is reordered. splitmix64 spreads the two 32-bit CRCs.
    """
    key = (_id_hashes(person_ids)[person] << np.uint64(32)) | _id_hashes(vacancy_ids)[vacancy]
    with np.errstate(over="ignore"):
        z = key + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(34)).astype(np.int64) + 1


@dataclass(frozen=True, eq=False)  # holds arrays: compared by identity
class Face:
    """Every optimal assignment of a pure problem: fixed pairs and the pairs still free."""

    ones: np.ndarray  # per variable: 1 in every optimum
    free: np.ndarray  # per variable: 0 or 1 among the optima
    person_full: np.ndarray  # per young person: the row is full in every optimum
    vacancy_full: np.ndarray  # per vacancy


def optimal_face(
    problem: PureProblem,
    values: np.ndarray,
    person_dual: np.ndarray | None,
    vacancy_dual: np.ndarray | None,
) -> Face | None:
    """The optimal face from a solver's duals, or None if they do not prove optimality exactly.

    The weights are whole numbers and the matrix is totally unimodular, so a basic optimal dual
    is whole too. The duals are rounded and checked as a certificate (dual feasible, and the
    dual objective equals the primal one, exactly, in integers); solvers differ in the sign
    they report for a maximisation, so both signs are tried.
    """
    if person_dual is None or vacancy_dual is None:
        return None
    weights = np.rint(problem.weights).astype(np.int64)
    if not np.array_equal(weights, problem.weights):
        return None
    primal = int(weights[values > 0.5].sum())
    for sign in (1, -1):
        y = np.rint(sign * person_dual).astype(np.int64)
        z = np.rint(sign * vacancy_dual).astype(np.int64)
        if (y[~problem.person_eq] < 0).any() or (z[~problem.vacancy_eq] < 0).any():
            continue
        reduced = weights - y[problem.person] - z[problem.vacancy]
        dual = int(
            (problem.person_rhs * y).sum()
            + (problem.vacancy_rhs * z).sum()
            + np.maximum(reduced, 0).sum()
        )
        if dual != primal:
            continue
        return Face(
            ones=reduced > 0,
            free=reduced == 0,
            person_full=problem.person_eq | (y > 0),
            vacancy_full=problem.vacancy_eq | (z > 0),
        )
    return None


def tie_break_problem(
    problem: PureProblem, face: Face, person_ids: np.ndarray, vacancy_ids: np.ndarray
) -> tuple[PureProblem, np.ndarray, np.ndarray]:
    """The free pairs of the face, with what the fixed pairs leave of each row.

    Returns the problem, the variables of `problem` fixed at 1 and the variables of `problem`
    that the tie-break decides (aligned with its variables). Free pairs of a row the fixed
    pairs already fill can only be 0, so they are dropped.
    """
    ones = face.ones
    person_left = problem.person_rhs - np.bincount(
        problem.person[ones], minlength=len(problem.person_rhs)
    )
    vacancy_left = problem.vacancy_rhs - np.bincount(
        problem.vacancy[ones], minlength=len(problem.vacancy_rhs)
    )
    free = face.free & (person_left[problem.person] > 0) & (vacancy_left[problem.vacancy] > 0)
    positions = np.flatnonzero(free)
    person = problem.person[positions]
    vacancy = problem.vacancy[positions]
    tie = PureProblem(
        name=f"{problem.name}_tie_break",
        edges=problem.edges[positions],
        person=person,
        vacancy=vacancy,
        weights=tie_break_weights(person_ids, vacancy_ids, person, vacancy).astype(float),
        person_rhs=person_left,
        person_eq=face.person_full,
        vacancy_rhs=vacancy_left,
        vacancy_eq=face.vacancy_full,
    )
    return tie, np.flatnonzero(ones), positions
