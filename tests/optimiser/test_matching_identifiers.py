"""Councils' own references may hold any characters; the model must not depend on them."""

from __future__ import annotations

import pytest
from matching_builders import pairs, person, run, vacancy

REFERENCES = ["YP-0001", "YP 0001", "YP_0001", "YP/1", "YP[1]", "YP+1", "YP>1", "YP.1"]


@pytest.mark.parametrize("backend", ["pulp", "arrays"])
@pytest.mark.parametrize("solver", ["cbc", "highs"])
def test_references_with_any_characters_are_matched_like_plain_ones(backend, solver):
    people = [
        person(ref, current_accommodation="bed_and_breakfast", unsuitable_since="2024-03-01")
        for ref in REFERENCES
    ]
    vacancies = [vacancy(f"V-{n} [{n}]") for n in range(len(REFERENCES))]
    result = run(people, vacancies, solver=solver, backend=backend)
    assert result.status == "optimal"
    assert {p for p, _ in pairs(result)} == set(REFERENCES)
    plain = run(
        [dict(p, person_id=f"P{n}") for n, p in enumerate(people)],
        [dict(v, vacancy_id=f"W{n}") for n, v in enumerate(vacancies)],
        solver=solver,
        backend=backend,
    )
    assert len(pairs(plain)) == len(pairs(result)) == len(REFERENCES)
