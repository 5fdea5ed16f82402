"""The plain-Python assignment (`optimiser.augment`) against SciPy's compiled one.

Below `flow.PLAIN_MAX_PAIRS` pairs the flow path solves each stage by shortest augmenting
paths in plain Python, so that a council-size `planner match` never imports SciPy; above it,
by SciPy's sparse Jonker-Volgenant solver. Both must give an optimum of the same problem:
the same objective, a solution that keeps every row, the same verdict on infeasible
problems, and the same solution where the optimum is unique (the tie-break's hash weights).
The instances cover what the stages build: optional and required young people, rows closed
by a zero right-hand side, vacancies of several places, vacancies that must stay full (the
tie-break's mirror construction on SciPy's side) and infeasible `=` rows.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_matching_flow import feasible, random_problem

from optimiser import flow
from optimiser.augment import _certify, max_weight_b_matching
from optimiser.pure import PureProblem, optimal_face, tie_break_problem


def wide_problem(seed: int) -> PureProblem:
    """A larger random stage, feasible or not: `=` rows are drawn without looking."""
    rng = np.random.default_rng(10_000 + seed)
    n, m = int(rng.integers(5, 80)), int(rng.integers(2, 40))
    density = rng.uniform(0.05, 0.6)
    mask = rng.random((n, m)) < density
    person, vacancy = np.nonzero(mask)
    capacity = rng.integers(0, 4, m)
    person_rhs = np.where(rng.random(n) < 0.05, 0, 1)
    person_eq = rng.random(n) < rng.choice([0.0, 0.2, 0.6])
    vacancy_eq = rng.random(m) < rng.choice([0.0, 0.0, 0.3])
    scale = int(rng.choice([1, 2, 110, 2**30]))
    if rng.random() < 0.3:  # stages a and b: one weight per young person
        weights = rng.integers(0, scale + 1, n)[person].astype(float)
    else:
        weights = rng.integers(0, scale + 1, len(person)).astype(float)
    return PureProblem(
        name=f"wide_{seed}",
        edges=np.arange(len(person)),
        person=person,
        vacancy=vacancy,
        weights=weights,
        person_rhs=person_rhs.astype(np.int64),
        person_eq=person_eq,
        vacancy_rhs=capacity.astype(np.int64),
        vacancy_eq=vacancy_eq,
    )


def _both(problem: PureProblem) -> tuple[np.ndarray | None, np.ndarray | None]:
    return flow._assign_plain(problem), flow._assign_scipy(problem)


@pytest.mark.parametrize("seed", range(300))
def test_plain_and_scipy_assignments_agree_on_random_stages(seed):
    problem = random_problem(seed) if seed < 100 else wide_problem(seed)
    plain, scipy = _both(problem)
    assert (plain is None) == (scipy is None)
    if plain is None or scipy is None:
        return
    assert feasible(problem, plain)
    assert problem.weights @ plain == problem.weights @ scipy


def test_the_random_stages_include_infeasible_required_rows_and_full_vacancies():
    """The comparison above is only worth something if it meets each kind of row."""
    problems = [random_problem(s) for s in range(100)] + [wide_problem(s) for s in range(100, 300)]
    assert sum(flow._assign_plain(p) is None for p in problems) >= 20
    assert sum(bool(p.vacancy_eq.any()) for p in problems) >= 50
    assert sum(bool(p.person_eq.any()) for p in problems) >= 100
    assert sum(bool((p.vacancy_rhs > 1).any()) for p in problems) >= 100


@pytest.mark.parametrize("seed", range(40))
def test_with_distinct_weights_both_find_the_one_optimum(seed):
    """Hash-like weights (as the tie-break's) make the optimum unique: the same pairs."""
    problem = wide_problem(seed)
    rng = np.random.default_rng(seed)
    weights = rng.permutation(np.arange(1, problem.size + 1) * 7919 % 2**30 + 1)
    problem = PureProblem(**{**problem.__dict__, "weights": weights.astype(float)})
    plain, scipy = _both(problem)
    assert (plain is None) == (scipy is None)
    if plain is not None and scipy is not None:
        assert np.array_equal(plain, scipy)


def test_a_stage_above_the_threshold_goes_to_scipy_with_the_same_result(monkeypatch):
    problem = random_problem(3)  # feasible by construction
    below = flow.assign(problem)
    monkeypatch.setattr(flow, "PLAIN_MAX_PAIRS", 0)
    calls = []
    monkeypatch.setattr(flow, "_assign_plain", lambda p: calls.append(p))
    above = flow.assign(problem)
    assert calls == []  # SciPy solved it
    assert below is not None and above is not None
    assert problem.weights @ below == problem.weights @ above


def test_a_required_young_person_with_no_open_pair_makes_the_stage_infeasible():
    problem = PureProblem(
        name="closed",
        edges=np.arange(2),
        person=np.array([0, 1]),
        vacancy=np.array([0, 1]),
        weights=np.array([5.0, 3.0]),
        person_rhs=np.array([1, 1]),
        person_eq=np.array([False, True]),
        vacancy_rhs=np.array([1, 0]),  # young person 1's only place is closed
        vacancy_eq=np.array([False, False]),
    )
    assert flow._assign_plain(problem) is None
    assert flow._assign_scipy(problem) is None


def test_a_required_place_is_filled_even_at_a_loss():
    """Vacancy 1 must stay full: its one candidate goes there although vacancy 0 pays more."""
    chosen = max_weight_b_matching(
        person=np.array([0, 0]),
        vacancy=np.array([0, 1]),
        weight=np.array([10, 1]),
        capacity=np.array([1, 1]),
        required_people=np.array([False]),
        required_vacancies=np.array([False, True]),
    )
    assert chosen is not None and chosen[0].tolist() == [False, True]


def test_the_certificate_refuses_an_answer_that_is_not_optimal():
    """`_certify` checks every answer; handed a worse matching with its duals, it raises."""
    person, vacancy = np.array([0, 1, 1]), np.array([0, 0, 1])
    weight = np.array([5, 4, 1])
    capacity = np.array([1, 1])
    best = max_weight_b_matching(
        person, vacancy, weight, capacity, np.zeros(2, bool), np.zeros(2, bool)
    )
    assert best is not None and best[0].tolist() == [True, False, True]
    worse = np.array([False, True, False])  # young person 1 in vacancy 0, 0 left out
    with pytest.raises(RuntimeError, match="not optimal"):
        _certify(person, vacancy, weight, capacity, worse, np.array([0, 4]), np.array([0, 0]))


@pytest.mark.parametrize("seed", range(100, 300))
def test_the_searchs_own_duals_prove_the_stage_and_give_the_same_face(seed):
    """Stage (c)'s tie-break reads its optimal face from the plain search's duals (the bonus
    of the `=` rows taken back off) instead of a Bellman-Ford search for others: they must
    pass `optimal_face`'s certificate wherever the stage has an optimum, and the face they
    give must hold exactly the optima the Bellman-Ford duals' face holds."""
    problem = wide_problem(seed)
    if not ((problem.person_rhs > 0).all() and (problem.vacancy_rhs > 0).all()):
        problem = PureProblem(  # every row open: the case the search's duals are used for
            **{
                **problem.__dict__,
                "person_rhs": np.ones_like(problem.person_rhs),
                "vacancy_rhs": np.maximum(problem.vacancy_rhs, 1),
            }
        )
    found = flow._assign_plain_with_duals(problem)
    if found is None:
        assert flow._assign_plain(problem) is None
        return
    values, person_dual, vacancy_dual = found
    face = optimal_face(problem, values, person_dual.astype(float), vacancy_dual.astype(float))
    assert face is not None
    other = flow._duals(problem, values)
    assert other is not None
    reference = optimal_face(problem, values, *other)
    assert reference is not None
    # the same optima: the pairs every optimum takes and the pairs none does are the same
    for f in (face, reference):
        assert (values[f.ones] == 1).all()
        assert (values[~(f.ones | f.free)] == 0).all()
    ids = (np.arange(len(problem.person_rhs)), np.arange(len(problem.vacancy_rhs)))
    chosen = []
    for f in (face, reference):
        tie, ones, decided = tie_break_problem(problem, f, *ids)
        best = np.zeros(problem.size)
        best[ones] = 1.0
        if tie.size:
            tied = flow._assign_plain(tie)
            assert tied is not None
            best[decided[tied > 0.5]] = 1.0
        assert problem.weights @ best == problem.weights @ values
        chosen.append(best)
    assert np.array_equal(chosen[0], chosen[1])
