"""An exact maximum-weight b-matching in plain Python, for the flow path's small instances.

`optimiser.flow` solves a pure stage as an assignment problem. SciPy's compiled sparse
Jonker-Volgenant solver is the fastest at county and regional size, but importing
`scipy.sparse.csgraph` costs about 0.3 s of CPU, more than every stage of a council-size run
takes (docs/performance.md, "`planner match` at council size"). This module solves the same
problem with no import beyond the standard library: the Hungarian method on the b-matching
itself (vacancies keep their capacity, no slots), one young person at a time, each added by
a shortest augmenting path (Dijkstra with `heapq` over the reduced costs).

Exactness. Weights are whole numbers and all arithmetic is on Python integers, so there is
no rounding at any size. The stage's `=` rows are made part of the objective: every pair of
a young person who must be placed, and every pair into a vacancy that must stay full, earns
a bonus `big` larger than any matching's total weight. A maximum of the bonused problem then
meets every `=` row whenever some solution does (each row met is worth more than all the
weights together), and among those solutions it has the largest weight; if it leaves an
`=` row unmet, there is no solution. So this returns an optimum of the stage, exactly as the
SciPy path does, and the stages' sets and the tie-break's proposals are the same
(`optimiser.flow`'s docstring says why any exact optimum gives the same proposals).

The method. Duals `u` (young people) and `p` (vacancies) are kept feasible for the young
people added so far (`w <= u + p` on every pair, `u, p >= 0`) and complementary with the
matching (chosen pairs tight, `u = 0` for one left unplaced, `p = 0` for a vacancy with room).
A new young person starts with `u` as large as their best pair needs; the search then lowers
the `u` of the young people in its tree and raises the `p` of its full vacancies at the same
rate until it reaches a vacancy with room, or a young person whose `u` reaches 0 (who can
then give up their place). The search order makes this Dijkstra over the vacancies, with
the pairs' slacks `u + p - w` as lengths.
"""

from __future__ import annotations

from heapq import heappop, heappush

import numpy as np


def max_weight_b_matching(
    person: np.ndarray,
    vacancy: np.ndarray,
    weight: np.ndarray,
    capacity: np.ndarray,
    required_people: np.ndarray,
    required_vacancies: np.ndarray,
) -> np.ndarray | None:
    """Which pairs a maximum-weight b-matching chooses (a bool per pair), or None if none fits.

    Pair k joins young person `person[k]` and vacancy `vacancy[k]` (each pair at most once)
    with whole weight `weight[k] >= 0`; `capacity[v]` is vacancy v's number of places. A
    required young person must be placed; a required vacancy must be full. The optimum is
    checked against its duals before it is returned (`_certify`).
    """
    n_people, n_vacancies = len(required_people), len(capacity)
    top = int(weight.max()) if len(weight) else 0
    big = top * min(n_people, int(capacity.sum())) + 1  # more than any matching's weight
    bonused = weight.astype(np.int64) + big * (
        required_people[person].astype(np.int64) + required_vacancies[vacancy]
    )
    # each young person's pairs, best first (a search stops reading a list where the rest
    # cannot reach the end it has found); the young people in order of their best pair
    order = np.lexsort((-bonused, person))
    counts = np.bincount(person, minlength=n_people)
    starts = np.cumsum(counts) - counts
    best = np.zeros(n_people, dtype=np.int64)
    best[counts > 0] = bonused[order[starts[counts > 0]]]
    triples = list(
        zip(vacancy[order].tolist(), bonused[order].tolist(), order.tolist(), strict=True)
    )
    pairs = [
        triples[at : at + count] for at, count in zip(starts.tolist(), counts.tolist(), strict=True)
    ]
    sequence = np.argsort(-best, kind="stable").tolist()
    chosen, value, price = _hungarian(pairs, sequence, capacity.tolist())
    picked = np.zeros(len(person), dtype=bool)
    picked[chosen] = True
    _certify(person, vacancy, bonused, capacity, picked, value, price)
    placed = np.zeros(n_people, dtype=bool)
    placed[person[picked]] = True
    filled = np.bincount(vacancy[picked], minlength=n_vacancies)
    if (required_people & ~placed).any() or (required_vacancies & (filled < capacity)).any():
        return None
    return picked


def _certify(
    person: np.ndarray,
    vacancy: np.ndarray,
    weight: np.ndarray,
    capacity: np.ndarray,
    picked: np.ndarray,
    value: np.ndarray,
    price: np.ndarray,
) -> None:
    """Raise unless `picked` and the duals prove each other optimal (LP duality).

    Feasible duals (`u, p >= 0`, `u + p >= w` on every pair) that are complementary with a
    feasible matching (chosen pairs tight, `u = 0` for a young person left unplaced, `p = 0`
    for a vacancy with room) make both optimal. A failure would be a bug here, never a
    property of the input, so it is an error rather than a status."""
    placed = np.zeros(len(value), dtype=bool)
    placed[person[picked]] = True
    filled = np.bincount(vacancy[picked], minlength=len(capacity))
    slack = value[person] + price[vacancy] - weight
    if (
        np.bincount(person[picked], minlength=len(value)).max(initial=0) > 1
        or (filled > capacity).any()
        or (value < 0).any()
        or (price < 0).any()
        or (slack < 0).any()
        or (slack[picked] != 0).any()
        or (value[~placed] != 0).any()
        or (price[filled < capacity] != 0).any()
    ):
        raise RuntimeError("the augmenting-path assignment is not optimal (a bug)")


def _hungarian(
    pairs: list[list[tuple[int, int, int]]], sequence: list[int], capacity: list[int]
) -> tuple[list[int], np.ndarray, np.ndarray]:
    """An optimum (the chosen pair ids) and the duals that prove it: u per young person, p per
    vacancy. `pairs[i]` lists young person i's pairs as (vacancy, weight, pair id), best
    first; the young people are added in the order `sequence`."""
    n_people, n_vacancies = len(pairs), len(capacity)
    price = [0] * n_vacancies
    load = [0] * n_vacancies
    holders: list[list[int]] = [[] for _ in range(n_vacancies)]  # young people placed there
    value = [0] * n_people  # u
    place = [-1] * n_people  # the vacancy of each young person, -1 if none
    chosen = [-1] * n_people  # the pair id of each young person
    for start in sequence:
        # the pair that gains most at today's prices, one with room if several tie
        best, best_vacancy, best_pair, room = 0, -1, -1, False
        for v, w, a in pairs[start]:
            gain = w - price[v]
            if gain > best or (gain == best and not room and load[v] < capacity[v]):
                best, best_vacancy, best_pair = gain, v, a
                room = load[v] < capacity[v]
        value[start] = best
        if best == 0:
            continue  # no pair gains anything: unplaced, u = 0
        if room:
            place[start], chosen[start] = best_vacancy, best_pair
            load[best_vacancy] += 1
            holders[best_vacancy].append(start)
            continue
        _augment(start, pairs, capacity, price, load, holders, value, place, chosen)
    return (
        [a for a in chosen if a >= 0],
        np.array(value, dtype=np.int64),
        np.array(price, dtype=np.int64),
    )


def _augment(
    start: int,
    pairs: list[list[tuple[int, int, int]]],
    capacity: list[int],
    price: list[int],
    load: list[int],
    holders: list[list[int]],
    value: list[int],
    place: list[int],
    chosen: list[int],
) -> None:
    """Add young person `start` by one shortest augmenting path, keeping the duals optimal."""
    distance: dict[int, int] = {}  # settled vacancies
    tentative: dict[int, int] = {}
    came_from: dict[int, tuple[int, int]] = {}  # vacancy: (young person, pair id) reaching it
    reached = {start: 0}  # young people in the tree: their distance
    heap: list[tuple[int, int]] = []
    # the best end found so far: [distance, a vacancy with room or -1, a young person giving
    # up their place or -1]; `start` itself ends unplaced where its u reaches 0
    end = [value[start], -1, start]
    _relax(
        start,
        0,
        pairs[start],
        capacity,
        load,
        price,
        value,
        distance,
        tentative,
        came_from,
        heap,
        end,
    )
    while heap:
        at, v = heappop(heap)
        if at >= end[0]:
            break
        if v in distance:
            continue
        distance[v] = at
        for holder in holders[v]:  # a full vacancy: its young people join the tree
            reached[holder] = at
            if at + value[holder] < end[0]:
                end[:] = at + value[holder], -1, holder
            _relax(
                holder,
                at,
                pairs[holder],
                capacity,
                load,
                price,
                value,
                distance,
                tentative,
                came_from,
                heap,
                end,
            )
    end_distance, end_vacancy, end_person = end
    # new duals: the tree's young people lose, its settled vacancies gain
    for v, d in distance.items():
        price[v] += end_distance - d
    for person, d in reached.items():
        value[person] -= end_distance - d
    # augment: walk back from the end, each young person moving to the vacancy reached
    if end_person >= 0:
        if end_person == start:
            return
        v = place[end_person]
        holders[v].remove(end_person)
        place[end_person], chosen[end_person] = -1, -1
    else:
        v = end_vacancy
        load[v] += 1
    while True:
        person, pair = came_from[v]
        previous = place[person]
        if previous >= 0:
            holders[previous].remove(person)
        holders[v].append(person)
        place[person], chosen[person] = v, pair
        if person == start:
            return
        v = previous


def _relax(
    person: int,
    at: int,
    row: list[tuple[int, int, int]],
    capacity: list[int],
    load: list[int],
    price: list[int],
    value: list[int],
    distance: dict[int, int],
    tentative: dict[int, int],
    came_from: dict[int, tuple[int, int]],
    heap: list[tuple[int, int]],
    end: list[int],
) -> None:
    """Offer `person`'s pairs (the young person is in the tree at distance `at`).

    A vacancy with room ends the search; it is not queued but kept as the end if it is the
    nearest one so far (nothing at or beyond the end's distance is worth settling)."""
    base = at + value[person]
    bound = end[0]
    for v, w, a in row:
        if base - w >= bound:
            break  # prices are >= 0 and the rest weigh no more: all at or beyond the end
        if v in distance:
            continue
        length = base + price[v] - w
        if length < bound and length < tentative.get(v, bound):
            tentative[v] = length
            came_from[v] = (person, a)
            if load[v] < capacity[v]:
                bound = length
                end[:] = length, v, -1
            else:
                heappush(heap, (length, v))
