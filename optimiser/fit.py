"""Best fit (stage c): a score out of 110 for every possible pair, broken into components.

Scores are whole numbers so that the LP solves cleanly and a housing officer can add them up.
The components and their weights are deliberately few and written down (docs/optimiser.md):
an opaque "vulnerability score" is what the homelessness literature warns against.
"""

from __future__ import annotations

import numpy as np

from optimiser.inputs import MatchInputs
from optimiser.rules import AreaIndex
from optimiser.table import Table, blank
from optimiser.vocabulary import SUPPORT_LEVELS

PLACED_POINTS = 10  # any needed move is worth making, so an empty place never scores better
AREA_POINTS = 30
TRAVEL_POINTS = 30
SUPPORT_POINTS = 20
COST_POINTS = 20
TRAVEL_ZERO_AT_MINUTES = 90.0  # travel points fall linearly to 0 at 90 minutes

COMPONENTS: tuple[str, ...] = ("placed", "area", "travel", "support", "cost")
# The most a pair can score (110). The 10 ``placed`` points go to every possible pair alike
# (they only make any needed move better than none), so they never tell two places apart;
# the four parts that do (area 30, travel 30, support 20, cost 20) weigh exactly 100.
MAX_POINTS = PLACED_POINTS + AREA_POINTS + TRAVEL_POINTS + SUPPORT_POINTS + COST_POINTS
# A fit as people read it, in one home for every page, paper, CSV and command: points out of
# 100 (`out_of_100`) and the words for them (`fit_words`). Four bands of 20 points down from
# 100, the last catching everything below 40 (less than half the points of the two parts,
# area and travel, that weigh most).
FIT_BANDS: tuple[tuple[int, str], ...] = (
    (80, "very good fit"),
    (60, "good fit"),
    (40, "fair fit"),
    (0, "poor fit"),
)


def out_of_100(score: float) -> int:
    """A fit score (out of 110) as points out of 100: the score less the 10 points every
    possible pair gets, so the points are the sum of the area, travel, support and cost parts
    a page lists (30 + 30 + 20 + 20) and a difference of 5 in the score is 5 points. Every
    page, paper, CSV and command shows a fit through this, never by its own arithmetic."""
    return max(0, min(100, int(round(float(score))) - PLACED_POINTS))


def fit_words(points: int) -> str:
    """Points out of 100 (from :func:`out_of_100`) in words, lower case: "very good fit"
    (80 and over), "good fit" (60), "fair fit" (40) or "poor fit"."""
    return next(words for floor, words in FIT_BANDS if points >= floor)


def score_pairs(
    inputs: MatchInputs, person: np.ndarray, vacancy: np.ndarray, areas: AreaIndex
) -> Table:
    """Score components for each pair (`person`, `vacancy` are positions in the input frames)."""
    people, vacancies = inputs.people, inputs.vacancies
    v_area = areas.code(vacancies["area"])[vacancy]
    p_area = areas.code(people["area"])[person]
    preferred = areas.membership(people["preferred_areas"])
    has_preferences = np.asarray(preferred.any(axis=1), dtype=bool)
    in_preferred = preferred[person, v_area]
    area = np.where(
        in_preferred,
        AREA_POINTS,
        np.where(~has_preferences[person] & (v_area == p_area), AREA_POINTS // 2, 0),
    )

    anchors = np.stack(
        [
            areas.code(np.where(blank(people[c]), people["area"], people[c]))
            for c in ("education_area", "work_area", "network_area")
        ],
        axis=1,
    )
    minutes = areas.minutes[anchors[person], v_area[:, np.newaxis]].mean(axis=1)
    recorded = (
        areas.recorded[anchors[person], v_area[:, np.newaxis]].all(axis=1)
        if areas.recorded is not None
        else np.ones(len(person), dtype=bool)
    )
    travel = np.rint(TRAVEL_POINTS * np.clip(1 - minutes / TRAVEL_ZERO_AT_MINUTES, 0, 1))

    level = {name: k for k, name in enumerate(SUPPORT_LEVELS)}
    need = np.array([level[v] for v in people["support_need"].tolist()])[person]
    offered = np.array([level[v] for v in vacancies["support_level"].tolist()])[vacancy]
    support = np.clip(SUPPORT_POINTS - 10 * (offered - need), 0, SUPPORT_POINTS)

    cost = vacancies["weekly_cost"].astype(float)
    known = ~np.isnan(cost)
    if known.any() and np.nanmax(cost) > np.nanmin(cost):
        share = (cost - np.nanmin(cost)) / (np.nanmax(cost) - np.nanmin(cost))
        cost_points = np.where(known, np.rint(COST_POINTS * (1 - share)), COST_POINTS // 2)
    else:
        cost_points = np.full(len(cost), COST_POINTS // 2, dtype=float)

    # Small integer types: at regional size this frame has millions of rows.
    parts = {
        "score_placed": np.full(len(person), PLACED_POINTS, dtype=np.int16),
        "score_area": area.astype(np.int16),
        "score_travel": travel.astype(np.int16),
        "score_support": support.astype(np.int16),
        "score_cost": cost_points[vacancy].astype(np.int16),
        "travel_minutes": np.rint(minutes).astype(np.int32),
        "travel_recorded": recorded,
        "in_preferred_area": in_preferred,
    }
    total = np.zeros(len(person), dtype=np.int16)
    for c in COMPONENTS:
        total += parts[f"score_{c}"]
    return Table({**parts, "score": total})
