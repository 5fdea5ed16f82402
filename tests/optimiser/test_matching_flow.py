"""The flow path solves every pure problem exactly: the same optimum as the LP, feasible rows.

`optimiser.flow.assign` reduces a pure stage to a sparse assignment problem (slots per place,
a dummy per optional young person, mirror rows when vacancies must stay full) and
`optimiser.flow._duals` recovers optimal duals by shortest paths. Both are checked here on
many small random problems against HiGHS's LP (`optimiser.arrays`), which is exact on these
totally unimodular matrices, and the duals against the exact certificate of
`pure.optimal_face`. Whole match runs on the flow path are compared with PuLP in
test_matching_backends.py (stage values and proposals).
"""

from __future__ import annotations

import numpy as np
import pytest
from matching_builders import person, run, vacancy

from optimiser.arrays import solve_arrays
from optimiser.flow import solve_flow
from optimiser.pure import PureProblem, optimal_face


def random_problem(seed: int) -> PureProblem:
    """A feasible random problem: `=` rows come from a random feasible assignment."""
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(1, 12)), int(rng.integers(1, 8))
    density = rng.uniform(0.2, 0.9)
    pairs = [(p, v) for p in range(n) for v in range(m) if rng.random() < density]
    if not pairs:
        pairs = [(0, 0)]
    person = np.array([p for p, _ in pairs])
    place = np.array([v for _, v in pairs])
    capacity = rng.integers(0, 4, m)
    person_rhs = np.where(rng.random(n) < 0.1, 0, 1)
    # a random feasible assignment decides which rows may be `=`
    used = np.zeros(m, dtype=int)
    placed = np.zeros(n, dtype=int)
    for k in rng.permutation(len(pairs)):
        p, v = pairs[k]
        if placed[p] < person_rhs[p] and used[v] < capacity[v] and rng.random() < 0.7:
            placed[p] += 1
            used[v] += 1
    person_eq = (placed > 0) & (rng.random(n) < 0.5)
    vacancy_eq = rng.random(m) < 0.3
    vacancy_rhs = np.where(vacancy_eq, used, capacity)
    scale = int(rng.choice([1, 3, 110, 2**30]))
    weights = rng.integers(0, scale + 1, len(pairs)).astype(float)
    return PureProblem(
        name=f"random_{seed}",
        edges=np.arange(len(pairs)),
        person=person,
        vacancy=place,
        weights=weights,
        person_rhs=person_rhs.astype(np.int64),
        person_eq=person_eq,
        vacancy_rhs=vacancy_rhs.astype(np.int64),
        vacancy_eq=vacancy_eq,
    )


def feasible(problem: PureProblem, values: np.ndarray) -> bool:
    assert set(np.unique(values)) <= {0.0, 1.0}
    people = np.bincount(problem.person, weights=values, minlength=len(problem.person_rhs))
    places = np.bincount(problem.vacancy, weights=values, minlength=len(problem.vacancy_rhs))
    return bool(
        (people <= problem.person_rhs).all()
        and (people[problem.person_eq] == problem.person_rhs[problem.person_eq]).all()
        and (places <= problem.vacancy_rhs).all()
        and (places[problem.vacancy_eq] == problem.vacancy_rhs[problem.vacancy_eq]).all()
    )


@pytest.mark.parametrize("seed", range(150))
def test_the_flow_path_finds_the_lp_optimum_with_a_dual_certificate(seed):
    problem = random_problem(seed)
    reference, _, _ = solve_arrays(problem, time_limit=10)
    assert reference.status == "optimal"
    outcome, _, _ = solve_flow(problem, time_limit=10, duals=True)
    assert outcome.status == "optimal"
    assert feasible(problem, outcome.values)
    assert outcome.objective == reference.objective
    face = optimal_face(problem, outcome.values, outcome.person_dual, outcome.vacancy_dual)
    assert face is not None  # the duals prove optimality exactly, in whole numbers
    assert (outcome.values[face.ones] == 1).all()


def test_an_infeasible_problem_is_reported_not_solved():
    problem = PureProblem(
        name="two_required_one_place",
        edges=np.arange(2),
        person=np.array([0, 1]),
        vacancy=np.array([0, 0]),
        weights=np.array([1.0, 1.0]),
        person_rhs=np.array([1, 1]),
        person_eq=np.array([True, True]),
        vacancy_rhs=np.array([1]),
        vacancy_eq=np.array([False]),
    )
    outcome, _, _ = solve_flow(problem, time_limit=5)
    assert outcome.status == "infeasible" and not outcome.has_solution


def test_a_pure_run_takes_the_flow_path_by_itself_and_names_it():
    people = [person("YP1", current_accommodation="bed_and_breakfast"), person("YP2")]
    result = run(people, [vacancy("V1"), vacancy("V2")])
    assert result.backend == "flow" and result.solver == "flow"
    assert set(result.stages["backend"]) == {"flow"}
    assert result.summary()["backend"] == "flow"
    assert len(result.proposals) == 2
