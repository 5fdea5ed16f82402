"""The flow path, the array path (highspy arrays) and the PuLP path (CBC or HiGHS) agree.

Stages (a) and (b) have a unique set of young people placed (the matroid argument in
`optimiser.stages`), so their objectives must agree. Stage (c) usually has many optima,
because fit scores are small whole numbers; the hash tie-break on stage (c)'s optimal face
(`optimiser.pure`) must make every path return the same proposals.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from matching_builders import AS_OF, person, run, vacancy

from optimiser import MatchSettings
from optimiser.arrays import _highs, build_arrays, solve_arrays
from optimiser.pure import PureProblem, optimal_face, stage_problem, tie_break_weights
from optimiser.stages import choose_backend

# (solver, backend); the flow path ignores the solver and names itself
PATHS = (("cbc", "pulp"), ("highs", "pulp"), ("highs", "arrays"), ("cbc", "flow"))
AREAS = ["Weymouth", "Portland", "Dorchester"]
LEVELS = ["none", "low", "medium", "high"]


def day(offset: int) -> str:
    return (AS_OF + dt.timedelta(days=offset)).isoformat()


def assert_paths_agree(people: list[dict], places: list[dict]) -> None:
    results = {path: run(people, places, solver=path[0], backend=path[1]) for path in PATHS}
    first = results[PATHS[0]]
    assert first.status == "optimal"
    for path, result in results.items():
        assert result.backend == path[1]
        assert result.status == "optimal", path
        assert list(result.stages["stage"]) == list(first.stages["stage"]), path
        assert list(result.stages["value"]) == list(first.stages["value"]), path
        assert set(result.stages["tie_break"]) <= {"", "unique", "hash"}, path
        pd.testing.assert_frame_equal(result.proposals, first.proposals)
        pd.testing.assert_frame_equal(result.unmatched, first.unmatched)
        pd.testing.assert_frame_equal(result.alternatives, first.alternatives)


@st.composite
def tied_instances(draw):
    """Few areas, few support levels and equal costs, so stage (c) has many optima."""
    n = draw(st.integers(1, 14))
    m = draw(st.integers(1, 8))
    people = []
    for k in range(n):
        kind = draw(st.sampled_from(["unsuitable", "imminent", "asked", "asked"]))
        people.append(
            person(
                f"YP{k:02d}",
                date_of_birth=day(-draw(st.integers(16 * 365, 24 * 365))),
                current_accommodation=(
                    draw(st.sampled_from(["bed_and_breakfast", "sofa_surfing"]))
                    if kind == "unsuitable"
                    else "supported_lodgings"
                ),
                unsuitable_since=day(-draw(st.integers(0, 200))),
                needed_by=day(draw(st.integers(1, 40))) if kind == "imminent" else None,
                support_need=draw(st.sampled_from(LEVELS[:2])),
                area=draw(st.sampled_from(AREAS)),
                preferred_areas=draw(st.sampled_from(["", "Weymouth", "Portland"])),
                has_pet=draw(st.booleans()),
            )
        )
    places = [
        vacancy(
            f"V{k:02d}",
            area=draw(st.sampled_from(AREAS)),
            available_from=day(draw(st.integers(-5, 30))),
            capacity=draw(st.integers(1, 3)),
            support_level=draw(st.sampled_from(LEVELS[1:3])),
            pets_allowed=draw(st.booleans()),
            ofsted_registered=True,
            weekly_cost=draw(st.sampled_from([200, 200, 300])),
        )
        for k in range(m)
    ]
    return people, places


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tied_instances())
def test_array_and_pulp_paths_agree_on_random_instances(instance):
    assert_paths_agree(*instance)


def random_instance(seed: int, n: int = 120, m: int = 45) -> tuple[list[dict], list[dict]]:
    rng = np.random.default_rng(seed)
    people = [
        person(
            f"YP{k:03d}",
            date_of_birth=day(-int(rng.integers(16 * 365, 25 * 365))),
            gender=str(rng.choice(["male", "female"])),
            current_accommodation=str(
                rng.choice(["bed_and_breakfast", "no_fixed_abode", "supported_lodgings"])
            ),
            unsuitable_since=day(-int(rng.integers(0, 300))),
            needed_by=day(int(rng.integers(5, 80))) if rng.random() < 0.4 else None,
            support_need=str(rng.choice(LEVELS)),
            area=str(rng.choice(AREAS)),
            has_pet=bool(rng.random() < 0.2),
        )
        for k in range(n)
    ]
    places = [
        vacancy(
            f"V{k:03d}",
            area=str(rng.choice(AREAS)),
            available_from=day(int(rng.integers(0, 60))),
            capacity=int(rng.choice([1, 2, 3])),
            min_age=int(rng.choice([16, 18])),
            gender=str(rng.choice(["any", "any", "male", "female"])),
            support_level=str(rng.choice(LEVELS)),
            ofsted_registered=bool(rng.random() < 0.6),
            pets_allowed=bool(rng.random() < 0.4),
            weekly_cost=int(rng.choice([180, 250, 250, 400])),
        )
        for k in range(m)
    ]
    return people, places


@pytest.mark.parametrize("seed", range(4))
def test_array_and_pulp_paths_agree_on_larger_random_instances(seed):
    assert_paths_agree(*random_instance(seed))


def test_equal_places_are_broken_by_the_hash_the_same_way_on_every_path_and_order():
    people = [person(f"YP{k}") for k in range(3)]
    places = [vacancy(f"V{k}") for k in range(5)]  # five identical places: many optima
    results = [run(people, places, solver=s, backend=b) for s, b in PATHS]
    results.append(run(people[::-1], places[::-1], solver="cbc", backend="pulp"))
    for result in results:
        assert result.stages.set_index("stage").loc["c", "tie_break"] == "hash"
        pd.testing.assert_frame_equal(result.proposals, results[0].proposals)


@pytest.mark.parametrize("solver", ["cbc", "highs"])
def test_a_unique_optimum_needs_no_tie_break(solver):
    # The LP paths' basic duals prove this optimum unique. The flow path's duals (shortest
    # paths, optimal but not strictly complementary) may leave it to a one-pair tie-break.
    result = run(
        [person("YP1", preferred_areas="Portland")],
        [vacancy("V1", area="Portland")],
        solver=solver,
        backend="pulp",
    )
    assert result.stages.set_index("stage").loc["c", "tie_break"] == "unique"


def test_the_auto_backend_takes_the_flow_path_for_pure_runs_and_arrays_for_side_constraints():
    assert choose_backend("auto", 10, False) == ("flow", None)
    assert choose_backend("auto", 10**7, False, "highs") == ("flow", None)
    assert choose_backend("pulp", 10**7, False) == ("pulp", None)
    assert choose_backend("arrays", 10, False) == ("arrays", None)
    assert choose_backend("auto", 10**7, True) == ("arrays", None)
    assert choose_backend("arrays", 10, True) == ("arrays", None)
    assert choose_backend("pulp", 10, True) == ("pulp", None)  # the reference model
    backend, note = choose_backend("flow", 10, True)
    assert backend == "arrays" and "side constraints" in note
    with pytest.raises(ValueError, match="backend"):
        MatchSettings(as_of=AS_OF, backend="network")


def test_flow_asked_for_with_side_constraints_runs_the_mip_on_arrays_and_says_so():
    people = [person("YP1", risk_flags="arson"), person("YP2", risk_flags="arson")]
    places = [vacancy("V1", provision_id="P1"), vacancy("V2", provision_id="P1")]
    mix = pd.DataFrame([{"provision_id": "P1", "risk_flag": "arson", "max_young_people": 1}])
    result = run(people, places, backend="flow", mix_limits=mix)
    assert result.backend == "arrays" and len(result.proposals) == 1
    assert any("side constraints" in w for w in result.warnings)


def small_problem(capacity: list[int], pairs: list[tuple[int, int]], weights, must=None):
    person = np.array([p for p, _ in pairs])
    place = np.array([v for _, v in pairs])
    people = person.max() + 1
    must = np.zeros(people, dtype=bool) if must is None else np.array(must)
    edges = np.arange(len(pairs))
    return stage_problem("t", person, place, np.array(capacity), edges, np.array(weights), must)


def test_the_arrays_are_the_bipartite_incidence_matrix_with_only_the_needed_rows():
    # YP0 has two places (a row); YP1 one (no row); V0 has two candidates for one place (a
    # row); V1 has one candidate (no row).
    problem = small_problem([1, 1], [(0, 0), (0, 1), (1, 0)], [3, 2, 1])
    model = build_arrays(problem)
    assert list(model.person_rows) == [0] and list(model.vacancy_rows) == [0]
    assert list(model.start) == [0, 2, 3, 4]
    assert list(model.index) == [0, 1, 0, 1]
    assert list(model.row_upper) == [1, 1]
    assert np.isneginf(model.row_lower).all()
    h = _highs(model, mip=False, time_limit=7)
    limit = h.getOptionValue("time_limit")  # a time limit is always set
    assert (limit[-1] if isinstance(limit, tuple) else limit) == 7


def test_array_path_reports_optimal_and_infeasible_honestly():
    problem = small_problem([1, 1], [(0, 0), (0, 1), (1, 0)], [3, 2, 2])
    outcome, _, _ = solve_arrays(problem, time_limit=5)
    assert outcome.status == "optimal" and outcome.objective == 4.0  # YP0-V1, YP1-V0
    assert list(outcome.values) == [0, 1, 1]
    # Both young people must be placed, but they share the only place.
    impossible = small_problem([1], [(0, 0), (1, 0)], [1, 1], must=[True, True])
    outcome, _, _ = solve_arrays(impossible, time_limit=5)
    assert outcome.status == "infeasible" and not outcome.has_solution


def test_the_optimal_face_needs_an_exact_dual_certificate():
    # YP0-V0 (3) and YP0-V1 + YP1-V0 (2 + 1) are both optimal: the face must hold both.
    problem = small_problem([1, 1], [(0, 0), (0, 1), (1, 0)], [3, 2, 1])
    outcome, _, _ = solve_arrays(problem, time_limit=5)
    face = optimal_face(problem, outcome.values, outcome.person_dual, outcome.vacancy_dual)
    assert face is not None
    assert not face.ones[0] and face.free[0]  # YP0-V0 is in one optimum, not in the other
    assert not (face.ones & (outcome.values < 0.5)).any()
    zeros = np.zeros(2)
    assert optimal_face(problem, outcome.values, zeros, zeros) is None
    assert optimal_face(problem, outcome.values, None, None) is None


def test_tie_break_weights_depend_on_the_ids_only():
    pids, vids = np.array(["YP1", "YP2"]), np.array(["V1", "V2", "V3"])
    a = tie_break_weights(pids, vids, np.array([0, 1, 1]), np.array([2, 0, 1]))
    b = tie_break_weights(pids[::-1], vids, np.array([1, 0, 0]), np.array([2, 0, 1]))
    assert list(a) == list(b)
    assert ((a >= 1) & (a <= 2**30)).all() and len(set(a)) == 3


def test_a_pure_problem_omits_the_rows_the_bounds_imply():
    problem = PureProblem(
        name="t",
        edges=np.arange(3),
        person=np.array([0, 0, 1]),
        vacancy=np.array([0, 1, 1]),
        weights=np.ones(3),
        person_rhs=np.array([1, 1]),
        person_eq=np.array([False, True]),
        vacancy_rhs=np.array([1, 2]),
        vacancy_eq=np.array([False, False]),
    )
    assert list(problem.person_rows()) == [0, 1]  # YP1's `= 1` row is kept
    assert list(problem.vacancy_rows()) == []
