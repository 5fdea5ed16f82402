"""Matching in the words of the people who decide: the three groups of urgency (never the
model's stage letters), a fit as words and points out of 100, and what makes up the fit.

Pure (no session): the matching page, the proposals command and the JSON-free listings all
read proposals through these, so a proposal reads the same wherever it is shown. The model
keeps its stages "a", "b", "c" and its whole-number scores out of 110
(:mod:`optimiser.fit`); :func:`optimiser.fit.out_of_100` is the one place that rescales and
:func:`optimiser.fit.fit_words` the one place that words the points, so the matching page,
the vacancy page's candidates, a young person's best places and the escalation queue show
the same number and word for the same pair.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from optimiser.explain import TRAVEL_ASSUMED
from optimiser.fit import (
    AREA_POINTS,
    COST_POINTS,
    FIT_BANDS,
    SUPPORT_POINTS,
    TRAVEL_POINTS,
    out_of_100,
)
from optimiser.fit import fit_words as band_words


@dataclass(frozen=True)
class Group:
    """One group of proposals by urgency: its anchor on the page, heading and explanation."""

    stage: str  # the model's letter, never shown
    slug: str
    heading: str
    explains: str


GROUPS: tuple[Group, ...] = (
    Group(
        "a",
        "moved-out",
        "Moved out of unsuitable accommodation",
        "Young people in bed and breakfast or other unsuitable accommodation, the longest "
        "there and the youngest first. These come before everything else.",
    ),
    Group(
        "b",
        "by-a-date",
        "Needed a move by a date",
        "Young people who must move by a date (a stay ending, turning 18, leaving custody), "
        "the earliest date first.",
    ),
    Group(
        "c",
        "best-fit",
        "Best fit",
        "Everyone else who needs or asked to move, matched to the places left so that the "
        "fit is best overall.",
    ),
)
BY_STAGE = {g.stage: g for g in GROUPS}
BY_SLUG = {g.slug: g for g in GROUPS}


# A match run's status as a title reads it (the solver's own word stays in the run's
# technical details and summary.json).
RUN_STATUS_WORDS = {
    "optimal": "the best proposals",
    "time_limit": "stopped at the time limit, the best proposals found in time",
    "infeasible": "no proposals: the limits set cannot all be met",
    "no_solution": "no proposals found in the time",
}


def run_status_words(status: str) -> str:
    """'optimal' -> 'the best proposals': a match run's status in a title."""
    return RUN_STATUS_WORDS.get(status, status.replace("_", " "))


def group_of(stage: str) -> Group:
    """The group of a proposal's stage (an unknown stage reads as best fit)."""
    return BY_STAGE.get(stage, GROUPS[-1])


def group_words(stage: str) -> str:
    """The group's heading, for a listing's column."""
    return group_of(stage).heading


def points(score: float) -> int:
    """A fit as points out of 100."""
    return out_of_100(score)


def point_change(change: float) -> int:
    """A difference between two fit scores in points out of 100 (one score point is one
    point: the rescaling only takes off the 10 points every pair gets)."""
    return int(round(abs(float(change))))


def fit_words(score: float) -> str:
    """A fit in a word or two, from its points out of 100 ("Good fit")."""
    words = band_words(out_of_100(score))
    return words[:1].upper() + words[1:]


def fit_tag(points: int) -> str:
    """The GOV.UK tag colour of a fit's words: green for the best band, blue for the next,
    grey below (the bands of :data:`optimiser.fit.FIT_BANDS`)."""
    floors = [floor for floor, _ in FIT_BANDS]
    if points >= floors[0]:
        return "govuk-tag--green"
    if points >= floors[1]:
        return "govuk-tag--blue"
    return "govuk-tag--grey"


def fit_sentence(score: float) -> str:
    """ "Good fit: 77 points out of 100"."""
    return f"{fit_words(score)}: {points(score)} points out of 100"


def _share(value: Any, most: int) -> float:
    try:
        return float(value) / most
    except (TypeError, ValueError):
        return 0.0


# how a page says a fit's travel time was the run's default, not the council's table
TRAVEL_ASSUMED_WORDS = "assumed: no travel time is recorded between these areas"


def fit_parts(components: dict[str, Any], reasons: str = "") -> list[str]:
    """What makes up a fit, in words, from its score components (the model's points);
    ``reasons`` (the proposal's sentence) says whether its travel time was assumed."""
    parts: list[str] = []
    if "area" in components:
        area = _share(components["area"], AREA_POINTS)
        parts.append(
            "In an area they prefer"
            if area >= 1
            else "In their home area"
            if area > 0
            else "Not in an area they prefer or their home area"
        )
    if "travel" in components:
        travel = _share(components["travel"], TRAVEL_POINTS)
        parts.append(
            "Close to their education, work or support network"
            if travel >= 0.75
            else "A moderate journey to their education, work or support network"
            if travel >= 0.35
            else "A long journey to their education, work or support network"
        )
        if TRAVEL_ASSUMED in (reasons or ""):
            parts[-1] += f" ({TRAVEL_ASSUMED_WORDS})"
    if "support" in components:
        support = _share(components["support"], SUPPORT_POINTS)
        parts.append(
            "The support matches their need"
            if support >= 1
            else "A little more support than they need"
            if support > 0
            else "Much more support than they need"
        )
    if "cost" in components:
        cost = _share(components["cost"], COST_POINTS)
        parts.append(
            "One of the lower-cost places"
            if cost >= 0.75
            else "A middle-cost place"
            if cost >= 0.35
            else "One of the higher-cost places"
        )
    return parts


def situation(reasons: str) -> str:
    """Where the young person is and why they need a move ("aged 17, in bed and breakfast
    for 20 days"), read from the start of the model's reasons sentence ("YP0001 (aged 17,
    ...) to ..."): the words in the first balanced brackets, or "" if there are none."""
    start = reasons.find(" (")
    if start < 0:
        return ""
    depth = 0
    for i in range(start + 1, len(reasons)):
        if reasons[i] == "(":
            depth += 1
        elif reasons[i] == ")":
            depth -= 1
            if depth == 0:
                return reasons[start + 2 : i]
    return ""
