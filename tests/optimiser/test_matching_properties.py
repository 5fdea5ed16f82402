"""Property tests on random instances, checked against an independent rule check and max-flow.

The rules are re-implemented here one pair at a time in plain Python (no numpy, no shared
code with `optimiser.rules`), and the number moved out of unsuitable accommodation is checked
against networkx's maximum flow on those pairs, for the whole group and for every prefix of
the urgency order (under-18s, then B&B/no fixed abode/emergency, then longest there, then id).
"""

from __future__ import annotations

import datetime as dt

import networkx as nx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from matching_builders import AS_OF, person, run, vacancy

AREAS = ["Weymouth", "Portland", "Dorchester"]
LEVELS = ["none", "low", "medium", "high"]
ACCOMMODATION = [
    "bed_and_breakfast",
    "sofa_surfing",
    "no_fixed_abode",
    "custody",
    "supported_lodgings",
    "staying_put",
]
MOST_URGENT = {"bed_and_breakfast", "no_fixed_abode", "emergency_accommodation"}
UNSUITABLE = MOST_URGENT | {"sofa_surfing", "custody"}


def day(offset: int) -> str:
    return (AS_OF + dt.timedelta(days=offset)).isoformat()


@st.composite
def young_people(draw, index: int):
    accommodation = draw(st.sampled_from(ACCOMMODATION))
    return person(
        f"YP{index:02d}",
        date_of_birth=day(-draw(st.integers(16 * 365, 25 * 365))),
        gender=draw(st.sampled_from(["male", "female", "non_binary"])),
        uasc=draw(st.booleans()),
        current_accommodation=accommodation,
        unsuitable_since=day(-draw(st.integers(0, 400))),
        free_from=day(draw(st.integers(-10, 40))) if accommodation == "custody" else None,
        support_need=draw(st.sampled_from(LEVELS)),
        area=draw(st.sampled_from(AREAS)),
        excluded_areas=draw(st.sampled_from(["", "Portland", "Weymouth;Dorchester"])),
        needs_step_free=draw(st.booleans()),
        has_child=draw(st.sampled_from([False, False, True])),
        has_pet=draw(st.booleans()),
        risk_flags=draw(st.sampled_from(["", "arson", "exploitation"])),
        wants_move=True,
    )


@st.composite
def vacancies_(draw, index: int, people_count: int):
    low = draw(st.integers(16, 21))
    return vacancy(
        f"V{index:02d}",
        area=draw(st.sampled_from(AREAS)),
        available_from=day(draw(st.integers(-5, 30))),
        capacity=draw(st.integers(1, 3)),
        min_age=low,
        max_age=draw(st.integers(low, 25)),
        gender=draw(st.sampled_from(["any", "any", "male", "female"])),
        cohort=draw(st.sampled_from(["any", "any", "uasc"])),
        support_level=draw(st.sampled_from(LEVELS)),
        ofsted_registered=draw(st.booleans()),
        step_free=draw(st.booleans()),
        parent_and_child=draw(st.sampled_from([False, False, True])),
        pets_allowed=draw(st.booleans()),
        excluded_risks=draw(st.sampled_from(["", "arson", "arson;exploitation"])),
        reserved_for=draw(
            st.sampled_from([None, None, None, f"YP{draw(st.integers(0, people_count)):02d}"])
        ),
    )


@st.composite
def instances(draw):
    n = draw(st.integers(1, 12))
    m = draw(st.integers(1, 7))
    people = [draw(young_people(k)) for k in range(n)]
    places = [draw(vacancies_(k, n)) for k in range(m)]
    return people, places


def age_on(born: dt.date, when: dt.date) -> int:
    return when.year - born.year - ((when.month, when.day) < (born.month, born.day))


def compatible(p: dict, v: dict) -> bool:
    """The hard rules, written out one pair at a time."""
    when = max(dt.date.fromisoformat(v["available_from"]), AS_OF)
    age = age_on(dt.date.fromisoformat(p["date_of_birth"]), when)
    risks = set(filter(None, p["risk_flags"].split(";")))
    excluded_risks = set(filter(None, v["excluded_risks"].split(";")))
    free = p["free_from"] is None or dt.date.fromisoformat(p["free_from"]) <= when
    return (
        v["reserved_for"] in (None, p["person_id"])
        and v["min_age"] <= age <= v["max_age"]
        and (v["gender"] == "any" or v["gender"] == p["gender"])
        and (v["cohort"] == "any" or (v["cohort"] == "uasc" and p["uasc"]))
        and (age >= 18 or v["ofsted_registered"])
        and LEVELS.index(v["support_level"]) >= LEVELS.index(p["support_need"])
        and (v["step_free"] or not p["needs_step_free"])
        and v["parent_and_child"] == p["has_child"]
        and (v["pets_allowed"] or not p["has_pet"])
        and v["area"] not in p["excluded_areas"].split(";")
        and free
        and not (risks & excluded_risks)
    )


def max_flow(people: list[dict], places: list[dict]) -> int:
    graph = nx.DiGraph()
    for p in people:
        graph.add_edge("source", p["person_id"], capacity=1)
        for v in places:
            if compatible(p, v):
                graph.add_edge(p["person_id"], v["vacancy_id"], capacity=1)
    for v in places:
        graph.add_edge(v["vacancy_id"], "sink", capacity=v["capacity"])
    if "source" not in graph or "sink" not in graph:
        return 0
    return int(nx.maximum_flow_value(graph, "source", "sink"))


def urgency_order(people: list[dict]) -> list[dict]:
    def key(p):
        age = age_on(dt.date.fromisoformat(p["date_of_birth"]), AS_OF)
        tier = 2 * (age >= 18) + (p["current_accommodation"] not in MOST_URGENT)
        days = (AS_OF - dt.date.fromisoformat(p["unsuitable_since"])).days
        return (tier, -days, p["person_id"])

    return sorted((p for p in people if p["current_accommodation"] in UNSUITABLE), key=key)


FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(instances())
def test_proposals_never_break_a_hard_rule_or_a_capacity(instance):
    people, places = instance
    result = run(people, places)
    by_person = {p["person_id"]: p for p in people}
    by_vacancy = {v["vacancy_id"]: v for v in places}
    proposals = result.proposals
    assert proposals["person_id"].is_unique
    for pid, vid in zip(proposals["person_id"], proposals["vacancy_id"], strict=True):
        assert compatible(by_person[pid], by_vacancy[vid]), (pid, vid)
    taken = proposals["vacancy_id"].value_counts()
    for vid, count in taken.items():
        assert count <= by_vacancy[vid]["capacity"]
    assert result.status == "optimal"


@FAST
@given(instances())
def test_moved_out_equals_max_flow_for_every_prefix_of_the_urgency_order(instance):
    people, places = instance
    result = run(people, places)
    moved = set(result.proposals.query("stage == 'a'")["person_id"])
    ordered = urgency_order(people)
    assert len(moved) == max_flow(ordered, places)
    for k in range(1, len(ordered) + 1):
        prefix = ordered[:k]
        in_prefix = sum(p["person_id"] in moved for p in prefix)
        assert in_prefix == max_flow(prefix, places), f"the {k} most urgent"


@settings(max_examples=15, deadline=None)
@given(instances())
def test_the_same_input_twice_gives_the_same_proposals(instance):
    people, places = instance
    first = run(people, places)
    again = run(list(reversed(people)), list(reversed(places)))
    assert first.proposals.to_dict(orient="records") == again.proposals.to_dict(orient="records")
