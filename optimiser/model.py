"""The PuLP model of one stage: variables for possible pairs only, one function per family.

Every constraint is named from its family and index (`vacancy_capacity__V0012`) so that a
written-out model (`prob.writeLP`) can be read by a person and rows can be mapped back to the
frames. Rows that the variable bounds already imply (a young person with one possible vacancy,
a vacancy with no more candidates than places) are left out: they change nothing and cost time
at regional scale.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pulp

from optimiser.graph import Graph, group_edges
from optimiser.pure import PureProblem

__all__ = ["Graph", "StageModel"]


@dataclass
class StageModel:
    """A PuLP problem over a subset of the edges; `edges[k]` is the edge of `variables[k]`."""

    prob: pulp.LpProblem
    edges: np.ndarray
    variables: list[pulp.LpVariable]
    families: dict[str, int] = field(default_factory=dict)
    problem: PureProblem | None = None  # set for a pure stage built by `build_pure_model`
    person_rows: dict[int, str] = field(default_factory=dict)  # person -> row name
    vacancy_rows: dict[int, str] = field(default_factory=dict)  # vacancy -> row name


def _groups(keys: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """Positions of `keys` grouped by value, in ascending key order (deterministic)."""
    if len(keys) == 0:
        return []
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    cuts = np.flatnonzero(np.diff(sorted_keys)) + 1
    starts = np.concatenate([[0], cuts])
    return [
        (int(sorted_keys[start]), part)
        for start, part in zip(starts, np.split(order, cuts), strict=True)
    ]


def _expression(
    variables: list[pulp.LpVariable], positions: np.ndarray, coefficients: np.ndarray | None = None
) -> pulp.LpAffineExpression:
    if coefficients is None:
        return pulp.LpAffineExpression([(variables[k], 1) for k in positions])
    return pulp.LpAffineExpression(
        [(variables[k], float(c)) for k, c in zip(positions, coefficients, strict=True) if c]
    )


_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9_.]")


def _add(
    model: StageModel,
    family: str,
    index: str,
    expression: pulp.LpAffineExpression,
    sense: int,
    rhs: float,
) -> str:
    """Add a named row and return the name it is filed under.

    PuLP rewrites ``-+[] ->/`` in names, so a council's reference such as ``YP-0001`` would
    be filed under another name than the one asked for; the name is made safe here, and a
    suffix keeps two references that differ only in such characters apart."""
    base = f"{family}__{_UNSAFE_NAME.sub('_', str(index))}"
    name, copy = base, 1
    while name in model.prob.constraints:
        copy += 1
        name = f"{base}__{copy}"
    model.prob.addConstraint(pulp.LpConstraint(expression, sense, name, rhs), name)
    model.families[family] = model.families.get(family, 0) + 1
    return name


def define_assignment_variables(
    name: str, edges: np.ndarray, shared: list[pulp.LpVariable] | None = None
) -> StageModel:
    """One binary per possible pair; the stage decides whether to relax them to [0, 1].

    Stages over subsets of the same pairs may pass `shared` (one variable per edge of the run,
    made once by `make_edge_variables`): creating Python objects for millions of pairs is the
    largest part of building a stage at regional scale.
    """
    prob = pulp.LpProblem(name, pulp.LpMaximize)
    if shared is None:
        shared = make_edge_variables(prob, len(edges))
        return StageModel(prob=prob, edges=edges, variables=shared)
    return StageModel(prob=prob, edges=edges, variables=[shared[k] for k in edges])


def make_edge_variables(prob: pulp.LpProblem, count: int) -> list[pulp.LpVariable]:
    """`count` binaries named x_0, x_1, ... through the problem (PuLP 3.3 and 4.x alike)."""
    created = prob.add_variable_dict("x", range(count), 0, 1, pulp.LpBinary)
    return [created[k] for k in range(count)]


def define_person_assignment_constraints(
    model: StageModel, graph: Graph, must_place: np.ndarray, must_not_place: np.ndarray
) -> None:
    """Each young person takes at most one vacancy; exactly one if an earlier stage placed them."""
    for person, positions in _groups(graph.person[model.edges]):
        if must_not_place[person]:
            for k in positions:
                model.variables[k].upBound = 0
            continue
        pid = graph.person_ids[person]
        if must_place[person]:
            expression = _expression(model.variables, positions)
            _add(model, "person_assignment", pid, expression, pulp.LpConstraintEQ, 1)
        elif len(positions) > 1:
            expression = _expression(model.variables, positions)
            _add(model, "person_assignment", pid, expression, pulp.LpConstraintLE, 1)


def define_vacancy_capacity_constraints(model: StageModel, graph: Graph) -> None:
    """A vacancy holds at most its capacity."""
    for vacancy, positions in _groups(graph.vacancy[model.edges]):
        capacity = int(graph.capacity[vacancy])
        if len(positions) > capacity:
            expression = _expression(model.variables, positions)
            vid = graph.vacancy_ids[vacancy]
            _add(model, "vacancy_capacity", vid, expression, pulp.LpConstraintLE, capacity)


def define_mix_limit_constraints(model: StageModel, graph: Graph) -> None:
    """At most k young people with a given risk flag in one provision (e.g. a shared house)."""
    provision = graph.provision_ids[graph.vacancy[model.edges]]
    flags = graph.risk_flags[graph.person[model.edges]]
    for provision_id, flag, limit in graph.mix_limits.rows(
        "provision_id", "risk_flag", "max_young_people"
    ):
        positions = np.flatnonzero(
            (provision == provision_id) & np.array([flag in f for f in flags], dtype=bool)
        )
        if len(positions) > limit:
            expression = _expression(model.variables, positions)
            index = f"{provision_id}__{flag}"
            _add(model, "provision_mix", index, expression, pulp.LpConstraintLE, int(limit))


def define_lot_limit_constraints(model: StageModel, graph: Graph) -> None:
    """Ring-fenced lots: at least the contract's minimum and at most its maximum proposals."""
    lots = graph.lots[graph.vacancy[model.edges]]
    for lot, minimum, maximum in graph.lot_limits.rows(
        "lot", "min_young_people", "max_young_people"
    ):
        positions = np.flatnonzero(lots == lot)
        expression = _expression(model.variables, positions)
        if minimum:
            _add(model, "lot_minimum", lot, expression, pulp.LpConstraintGE, int(minimum))
        if maximum is not None and maximum == maximum and len(positions) > maximum:
            _add(model, "lot_maximum", lot, expression, pulp.LpConstraintLE, int(maximum))


def define_together_constraints(model: StageModel, graph: Graph) -> None:
    """Members of a group (siblings, a couple) go to the same provision, or none of them moves."""
    person = graph.person[model.edges]
    provision = graph.provision_ids[graph.vacancy[model.edges]]
    position_of = np.full(len(graph.person), -1, dtype=np.int64)
    position_of[model.edges] = np.arange(len(model.edges))
    for group, members, edges_of_group in group_edges(graph):
        mine = position_of[edges_of_group]
        mine = mine[mine >= 0]  # the group's pairs in this model, as positions
        for provision_id in sorted(set(provision[mine])):
            here = mine[provision[mine] == provision_id]
            for k, (a, b) in enumerate(zip(members[:-1], members[1:], strict=True)):
                pos_a = here[person[here] == a]
                pos_b = here[person[here] == b]
                expression = _expression(model.variables, pos_a) - _expression(
                    model.variables, pos_b
                )
                index = f"{group}__{provision_id}__{k}"
                _add(model, "together", index, expression, pulp.LpConstraintEQ, 0)
        # A member with no vacancy at all keeps the others unplaced too.
        covered = set(person[mine].tolist())
        if any(m not in covered for m in members.tolist()):
            for k in mine.tolist():
                model.variables[k].upBound = 0


def build_stage_model(
    name: str,
    graph: Graph,
    edges: np.ndarray,
    *,
    must_place: np.ndarray,
    must_not_place: np.ndarray,
    side_constraints: bool,
    shared: list[pulp.LpVariable] | None = None,
) -> StageModel:
    """Build the model of one stage over `edges`, calling each family in a fixed order."""
    model = define_assignment_variables(name, edges, shared)
    define_person_assignment_constraints(model, graph, must_place, must_not_place)
    define_vacancy_capacity_constraints(model, graph)
    if side_constraints:
        define_mix_limit_constraints(model, graph)
        define_lot_limit_constraints(model, graph)
        define_together_constraints(model, graph)
    return model


def build_pure_model(
    problem: PureProblem, graph: Graph, shared: list[pulp.LpVariable] | None = None
) -> StageModel:
    """The PuLP model of a pure problem: the same rows, in the same order, as the array path.

    `shared` holds one variable per pair of the run (see `define_assignment_variables`); without
    it the problem gets fresh variables (the small tie-break problem).
    """
    model = define_assignment_variables(problem.name, problem.edges, shared)
    model.problem = problem
    senses = {True: pulp.LpConstraintEQ, False: pulp.LpConstraintLE}
    order = np.argsort(problem.person, kind="stable")
    rows = problem.person_rows()
    cuts = np.searchsorted(problem.person[order], rows, side="left")
    ends = np.searchsorted(problem.person[order], rows, side="right")
    for person, start, stop in zip(rows, cuts, ends, strict=True):
        expression = _expression(model.variables, order[start:stop])
        sense = senses[bool(problem.person_eq[person])]
        rhs = int(problem.person_rhs[person])
        model.person_rows[int(person)] = _add(
            model, "person_assignment", graph.person_ids[person], expression, sense, rhs
        )
    order = np.argsort(problem.vacancy, kind="stable")
    rows = problem.vacancy_rows()
    cuts = np.searchsorted(problem.vacancy[order], rows, side="left")
    ends = np.searchsorted(problem.vacancy[order], rows, side="right")
    for vacancy, start, stop in zip(rows, cuts, ends, strict=True):
        expression = _expression(model.variables, order[start:stop])
        sense = senses[bool(problem.vacancy_eq[vacancy])]
        rhs = int(problem.vacancy_rhs[vacancy])
        model.vacancy_rows[int(vacancy)] = _add(
            model, "vacancy_capacity", graph.vacancy_ids[vacancy], expression, sense, rhs
        )
    set_objective(model, problem.weights)
    return model


def set_objective(model: StageModel, weights: np.ndarray) -> None:
    """Maximise sum(weights[k] * x[k]); `weights` is aligned with `model.variables`."""
    positions = np.flatnonzero(weights)
    model.prob.setObjective(_expression(model.variables, positions, weights[positions]))


def add_floor(model: StageModel, name: str, weights: np.ndarray, value: float) -> None:
    """Keep an earlier stage's optimum: sum(weights * x) >= value (used when side rows exist)."""
    positions = np.flatnonzero(weights)
    expression = _expression(model.variables, positions, weights[positions])
    _add(model, "stage_floor", name, expression, pulp.LpConstraintGE, value)
