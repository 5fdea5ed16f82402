"""An exact maximum-weight b-matching in plain Python, for the flow path's small instances.

`optimiser.flow` solves a pure stage as an assignment problem. SciPy's compiled sparse
Jonker-Volgenant solver is the fastest at county and regional size, but importing
`scipy.sparse.csgraph` costs about 0.3 s of CPU, more than every stage of a council-size run
takes (docs/performance.md, "`planner match` at council size"). This module solves the same
problem with nothing beyond numpy and the standard library: the Hungarian method on the
b-matching itself (vacancies keep their capacity, no slots), one young person at a time, each
added by a shortest augmenting path (Dijkstra with `heapq` over the reduced costs). At
council size its stages take about 0.1 s together, SciPy's about 0.06 s after its import.

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
the pairs' slacks `u + p - w` as lengths. The final matching and duals are checked against
each other (`_certify`) before they are returned, so an answer is never taken on trust.
"""

from __future__ import annotations

from heapq import heapify, heappop, heappush

import numpy as np

from optimiser.ordering import sort_order


def max_weight_b_matching(
    person: np.ndarray,
    vacancy: np.ndarray,
    weight: np.ndarray,
    capacity: np.ndarray,
    required_people: np.ndarray,
    required_vacancies: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """A maximum-weight b-matching and optimal duals of the problem as posed: (chosen pairs,
    a bool per pair; y per young person; z per vacancy), or None if no matching fits.

    Pair k joins young person `person[k]` and vacancy `vacancy[k]` (each pair at most once)
    with whole weight `weight[k] >= 0`; `capacity[v]` is vacancy v's number of places. A
    required young person must be placed; a required vacancy must be full. The optimum is
    checked against the search's duals before it is returned (`_certify`).

    The search's own duals prove the bonused problem optimal; taking the bonus back off
    (y = u - big for a required young person, z = p - big for a required vacancy) gives duals
    of the problem with its `=` rows: y + z >= weight on every pair and tight on the chosen
    ones, y >= 0 for an optional young person and 0 if unplaced, z >= 0 for an optional
    vacancy and 0 if it has room, so the dual objective equals the matching's weight. Stage
    (c)'s tie-break reads its optimal face from them (`pure.optimal_face`, which checks them
    again as a certificate), instead of a Bellman-Ford search for another set.
    """
    n_people, n_vacancies = len(required_people), len(capacity)
    top = int(weight.max()) if len(weight) else 0
    big = top * min(n_people, int(capacity.sum())) + 1  # more than any matching's weight
    bonused = weight.astype(np.int64) + big * (
        required_people[person].astype(np.int64) + required_vacancies[vacancy]
    )
    # each young person's pairs, best first (a search stops reading a list where the rest
    # cannot reach the end it has found); the young people in order of their best pair
    order = sort_order(person, -bonused)
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
    return picked, value - big * required_people, price - big * required_vacancies


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
    first.

    Any order of adding the young people gives an optimum; the order only changes the work.
    The young person whose best pair gains most at the current prices goes next: prices only
    rise, so gains only fall, and a queue keyed on a gain read earlier needs only a re-read
    of its head. Those who end up placed then tend to come before those who do not, and by
    the time the latter come the prices leave them no gain at all, so they cost one reading
    of their pairs instead of a search (at council size, half the searches)."""
    n_people, n_vacancies = len(pairs), len(capacity)
    price = [0] * n_vacancies
    load = [0] * n_vacancies
    holders: list[list[int]] = [[] for _ in range(n_vacancies)]  # young people placed there
    value = [0] * n_people  # u
    place = [-1] * n_people  # the vacancy of each young person, -1 if none
    chosen = [-1] * n_people  # the pair id of each young person
    queue = [(-row[0][1], i) for i in sequence if (row := pairs[i]) and row[0][1] > 0]
    heapify(queue)
    while queue:
        _, start = heappop(queue)
        row = pairs[start]
        # the pair that gains most at today's prices, one with room if several tie; pairs
        # come best first and prices are >= 0, so none after a weight <= the best gain wins
        best, best_vacancy, best_pair, room = 0, -1, -1, False
        for v, w, a in row:
            if w < best or (w == best and room):
                break
            gain = w - price[v]
            if gain > best or (gain == best and not room and load[v] < capacity[v]):
                best, best_vacancy, best_pair = gain, v, a
                room = load[v] < capacity[v]
        if best == 0:
            continue  # no pair gains anything: unplaced, u = 0
        if queue and best < -queue[0][0]:
            heappush(queue, (-best, start))  # someone else may gain more now
            continue
        value[start] = best
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
    """Add young person `start` by one shortest augmenting path, keeping the duals optimal.

    Dijkstra over the vacancies: a full vacancy, once settled, brings its young people into
    the tree at its distance, and each of them offers their pairs at `distance + u + p - w`.
    The search ends at the nearest vacancy with room (kept as the end when offered, never
    queued: nothing at or beyond the end's distance is worth settling) or at the nearest
    young person whose u falls to 0 on the way (`start` itself: left unplaced). The loop is
    written out in one function, on lists: this is the stage's inner loop."""
    n_vacancies = len(capacity)
    settled = [-1] * n_vacancies  # distance of a settled vacancy, -1 if not settled
    tentative = [value[start] + 1] * n_vacancies  # beyond the first end: "not reached yet"
    came_person = [0] * n_vacancies  # the young person reaching each vacancy...
    came_pair = [0] * n_vacancies  # ... by this pair
    order: list[int] = []  # settled vacancies
    reached = [(start, 0)]  # young people in the tree, with their distance
    heap: list[tuple[int, int]] = []
    end_distance, end_vacancy, end_person = value[start], -1, start
    person, at = start, 0
    todo: list[int] = []  # young people of the vacancy just settled, still to offer pairs
    while True:
        base = at + value[person]
        for v, w, a in pairs[person]:
            if base - w >= end_distance:
                break  # prices are >= 0 and the rest weigh no more: all beyond the end
            if settled[v] >= 0:
                continue
            length = base + price[v] - w
            if length < end_distance and length < tentative[v]:
                tentative[v] = length
                came_person[v], came_pair[v] = person, a
                if load[v] < capacity[v]:
                    end_distance, end_vacancy, end_person = length, v, -1
                else:
                    heappush(heap, (length, v))
        if todo:
            person = todo.pop()
            continue
        person = -1
        while heap:
            at, v = heappop(heap)
            if at >= end_distance:
                heap.clear()
                break
            if settled[v] >= 0:
                continue
            settled[v] = at
            order.append(v)
            todo = list(holders[v])  # a full vacancy: its young people join the tree
            for holder in todo:
                reached.append((holder, at))
                if at + value[holder] < end_distance:
                    end_distance, end_vacancy, end_person = at + value[holder], -1, holder
            person = todo.pop()
            break
        if person < 0:
            break
    # new duals: the tree's young people lose, its settled vacancies gain
    for v in order:
        price[v] += end_distance - settled[v]
    for person, d in reached:
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
        person, pair = came_person[v], came_pair[v]
        previous = place[person]
        if previous >= 0:
            holders[previous].remove(person)
        holders[v].append(person)
        place[person], chosen[person] = v, pair
        if person == start:
            return
        v = previous
