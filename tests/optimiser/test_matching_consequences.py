"""The consequence of each alternative is the truth: forcing the pair and solving stage a
again (here by exhaustive search, independent of the model) must agree with the words.

Stage a moves out the most young people in unsuitable accommodation, most urgent first
(distinct weights n, n-1, ..., 1 in urgency order). For every alternative of small random
runs, the test pins the pair, finds the heaviest stage-a assignment by trying every one,
and checks what the consequence says about the young person who loses the proposal and
about anyone else left in unsuitable accommodation."""

from __future__ import annotations

import datetime as dt
import itertools
import random

import pytest
from matching_builders import person, run, vacancy

AREAS = ("Weymouth", "Dorchester", "Bridport")


def _instance(seed: int) -> tuple[list[dict], list[dict]]:
    rng = random.Random(seed)
    people = []
    for k in range(rng.randint(4, 7)):
        unsuitable = rng.random() < 0.75
        people.append(
            person(
                f"YP{k}",
                current_accommodation="bed_and_breakfast" if unsuitable else "supported_lodgings",
                unsuitable_since=f"2024-0{rng.randint(1, 4)}-0{rng.randint(1, 9)}",
                support_need=rng.choice(["low", "medium", "high"]),
                excluded_areas=rng.choice(["", "Dorchester", "Bridport", "Weymouth"]),
            )
        )
    places = [
        vacancy(
            f"V{k}",
            area=rng.choice(AREAS),
            support_level=rng.choice(["low", "medium", "high"]),
            weekly_cost=rng.randint(100, 900),
        )
        for k in range(rng.randint(2, 4))
    ]
    return people, places


def _forced_stage_a(result, people: list[dict], pid: str, vid: str) -> set[str]:
    """The young people in unsuitable accommodation moved out when `pid` must take `vid`:
    the heaviest assignment over every possible one, each vacancy holding one young person.

    Everyone here is an adult in bed and breakfast or settled, so the urgency order is the
    longest in unsuitable accommodation first, then the id (docs/optimiser.md)."""
    in_unsuitable = [p for p in people if p["current_accommodation"] == "bed_and_breakfast"]
    order = sorted(
        in_unsuitable, key=lambda p: (dt.date.fromisoformat(p["unsuitable_since"]), p["person_id"])
    )
    weight_of = {p["person_id"]: len(order) - i for i, p in enumerate(order)}
    compatibility = result.compatibility
    ids = compatibility.person_ids
    vids = compatibility.vacancy_ids
    options: dict[str, list[str]] = {}
    for p, v in zip(compatibility.person, compatibility.vacancy, strict=True):
        options.setdefault(str(ids[p]), []).append(str(vids[v]))
    others = [p for p in weight_of if p != pid]
    best: set[str] = set()
    best_weight = -1
    for choice in itertools.product(*[[None, *options.get(p, [])] for p in others]):
        taken = [c for c in choice if c is not None] + [vid]
        if len(taken) != len(set(taken)):
            continue
        placed = {p for p, c in zip(others, choice, strict=True) if c is not None}
        weight = sum(weight_of[p] for p in placed)
        if weight > best_weight:
            best, best_weight = placed, weight
    return best | ({pid} if pid in weight_of else set())


@pytest.mark.parametrize("seed", range(40))
def test_every_consequence_agrees_with_a_forced_re_solve(seed):
    people, places = _instance(seed)
    result = run(people, places)
    moved = set(result.proposals.loc[result.proposals["stage"] == "a", "person_id"])
    for alt in result.alternatives.to_dict(orient="records"):
        if alt["kind"] not in ("vacancy", "young_person"):
            continue
        after = _forced_stage_a(result, people, alt["person_id"], alt["vacancy_id"])
        text = alt["consequence"]
        assert "stage" not in text
        replaced = alt["replaces"]
        if replaced and replaced in moved:
            if replaced in after:
                assert "would still be moved out of unsuitable accommodation" in text, alt
            else:
                assert f"{replaced} would lose" in text or "who would lose it" in text
                assert "and would stay in unsuitable accommodation" in text, alt
        for other in moved - after - {replaced}:
            assert f"{other} (" in text and "instead" in text, (alt, other)
        if not (moved - after):
            assert "instead" not in text and "would stay in" not in text, alt


def test_above_the_size_limit_the_words_say_it_was_not_worked_out(monkeypatch):
    import optimiser.explain as explain

    monkeypatch.setattr(explain, "CONSEQUENCE_PAIR_LIMIT", 0)
    people, places = _instance(7)
    result = run(people, places)
    texts = " ".join(result.alternatives["consequence"])
    assert "not worked out for a run this size" in texts
    assert "still be moved out" not in texts and "stage" not in texts
