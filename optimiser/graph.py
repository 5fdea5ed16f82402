"""The possible pairs of a match run, as arrays: what every path and constraint family reads.

It lives apart from `model` (the PuLP model) so that the flow and array paths, and a command
that never builds a PuLP model, do not import PuLP at all (`planner match` starts faster).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optimiser.table import Table


@dataclass(frozen=True, eq=False)  # holds arrays: compared by identity
class Graph:
    """The possible pairs of a match run and what the constraint families read about them."""

    person: np.ndarray  # edge -> position in people
    vacancy: np.ndarray  # edge -> position in vacancies
    person_ids: np.ndarray
    vacancy_ids: np.ndarray
    capacity: np.ndarray  # per vacancy
    provision_ids: np.ndarray  # per vacancy
    lots: np.ndarray  # per vacancy
    risk_flags: np.ndarray  # per person: tuple of flags
    together_group: np.ndarray  # per person: group name or None
    mix_limits: Table
    lot_limits: Table


def positions_by_key(keys: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """Positions of `keys` grouped by value, in ascending key order (deterministic)."""
    if len(keys) == 0:
        return []
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    cuts = np.flatnonzero(np.diff(sorted_keys)) + 1
    starts = np.concatenate([[0], cuts])
    return [
        (int(sorted_keys[a]), part) for a, part in zip(starts, np.split(order, cuts), strict=True)
    ]


def group_edges(graph: Graph) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """Each together group, in name order: its members and the positions of their pairs.

    The pairs of all groups are found in one pass over the edges; a row per group and
    provision then compares only the group's own pairs (comparing every edge per row took
    minutes at county size)."""
    names = graph.together_group.tolist()
    ordered = sorted({name for name in names if name is not None})
    if not ordered:
        return []
    number = {name: k for k, name in enumerate(ordered)}
    of_person = np.array([number.get(n, -1) if isinstance(n, str) else -1 for n in names])
    of_edge = of_person[graph.person]
    grouped = dict(positions_by_key(np.where(of_edge >= 0, of_edge, len(ordered))))
    found = []
    for k, name in enumerate(ordered):
        members = np.flatnonzero(of_person == k)
        found.append((name, members, np.sort(grouped.get(k, np.zeros(0, dtype=np.int64)))))
    return found
