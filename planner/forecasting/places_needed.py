"""The goal-seek: how many extra places of a type keep the chance of a shortfall low.

It runs the forecast (:mod:`planner.forecasting.service`) on today's records under a
catalogue or saved scenario (:mod:`planner.forecasting.scenarios`), so it sits above both;
the page offers only the placement types with planned places and the quarter ends the model
can reach (:func:`planned_states`, :func:`goal_dates`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlmodel import Session

from forecasts.vocabulary import UNSUITABLE_TYPES
from planner.core import audit, clock
from planner.core.errors import InvalidInput
from planner.core.progress import Progress, no_progress
from planner.domain.text import day_words, plain_words, quarter_words, within_sentence
from planner.forecasting import service as forecasting
from planner.forecasting.inputs import capacity_now
from planner.forecasting.scenarios import model_states

if TYPE_CHECKING:
    from forecasts.forecast import Fitted, ForecastSettings
    from forecasts.scenarios import Scenario

# -- goal-seek ---------------------------------------------------------------------------------

PROBABILITY_RANGE = (0.001, 0.5)
MAX_MONTHS = 60


@dataclass
class PlacesNeeded:
    """The goal-seek's answer for one state and date (``table`` is the model's one row)."""

    state: str
    through: date
    probability: float
    scenario: str
    as_of: date
    runs: int
    extra_places: int
    places_at_end: int
    p_shortfall_before: float
    p_shortfall_after: float
    for_want_of_a_place_mean_after: float
    table: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    # sampling uncertainty (binomial standard error of the risk with the extra places; the
    # answer's 90% spread over resamples of the runs) and the first quarter that needs them
    p_shortfall_after_se: float = 0.0
    extra_places_low: int = 0
    extra_places_high: int = 0
    needed_from: date | None = None

    @property
    def needed_from_words(self) -> str:
        return quarter_words(self.needed_from) if self.needed_from else ""

    @property
    def spread_words(self) -> str:
        """The answer's sampling uncertainty, in words."""
        if self.extra_places_low == self.extra_places_high == self.extra_places:
            spread = "the same number in at least 9 resamples of the runs out of 10"
        else:
            spread = (
                f"between {self.extra_places_low} and {self.extra_places_high} in 9 "
                "resamples of the runs out of 10"
            )
        return (
            f"With {self.runs:,} runs the answer is {spread}; the chance it reaches is known "
            f"to within about {self.p_shortfall_after_se * 100:.1f} percentage points "
            "(one standard error)."
        )

    @property
    def planned_at_end(self) -> int:
        return self.places_at_end - self.extra_places

    def sentence(self, label: str | None = None) -> str:
        """The answer in words, for the page and the CLI."""
        what = within_sentence(label or forecasting.model_state_label(self.state))
        target = f"{self.probability * 100:g}%"
        if self.extra_places == 0:
            return (
                f"No extra places of {what} are needed: the chance that demand exceeds the "
                f"planned places at some month-end up to {day_words(self.through)} is "
                f"{_pct(self.p_shortfall_before)}, within the {target} target."
            )
        when = f", needed from {self.needed_from_words}" if self.needed_from is not None else ""
        return (
            f"{self.extra_places} extra places of {what} (about {self.places_at_end} in all"
            f"{when}) keep the chance that demand exceeds places at some month-end up to "
            f"{day_words(self.through)} at {_pct(self.p_shortfall_after)} (target {target}); "
            f"with the planned places it is {_pct(self.p_shortfall_before)}."
        )


def _pct(share: float) -> str:
    return f"{share:.1%}" if 0 < share < 0.01 else f"{share:.0%}"


def months_to(as_of: date, through: date) -> int:
    """Simulated months needed for month-ends to reach ``through``."""
    return (through.year - as_of.year) * 12 + through.month - as_of.month + 1


def check_question(
    *, placement_type_state: str, through: date, probability: float, runs: int, as_of: date
) -> int:
    """The question's own bounds, before any record is read (the page checks them before it
    queues the work, so a wrong answer is shown beside the form): the months to simulate."""
    if placement_type_state not in model_states():
        raise InvalidInput(
            f"State: {placement_type_state[:60]!r} is not a placement type (and lot) the model "
            "knows."
        )
    if not PROBABILITY_RANGE[0] <= probability <= PROBABILITY_RANGE[1]:
        raise InvalidInput("Probability: enter a probability from 0.001 to 0.5.")
    months = months_to(as_of, through)
    if through <= as_of or months > MAX_MONTHS:
        raise InvalidInput(
            f"Through: enter a date after {day_words(as_of)} and at most {MAX_MONTHS} months ahead."
        )
    if not 1 <= runs <= 20_000:
        raise InvalidInput("Runs: enter from 1 to 20,000 runs.")
    return months


@dataclass
class GoalInputs:
    """What the goal-seek needs once today's records are read and fitted: no database."""

    state: str
    through: date
    probability: float
    scenario: Scenario
    as_of: date
    runs: int
    fitted: Fitted
    settings: ForecastSettings


def read_places_needed(
    session: Session,
    *,
    placement_type_state: str,
    through: date,
    probability: float = 0.05,
    scenario: str = "central",
    runs: int = 1000,
    seed: int = 0,
    as_of: date | None = None,
    child_population: int,
) -> GoalInputs:
    """The question checked, its scenario resolved and the model fitted to today's records
    (the work queue's short read phase)."""
    day = as_of or clock.today()
    months = check_question(
        placement_type_state=placement_type_state,
        through=through,
        probability=probability,
        runs=runs,
        as_of=day,
    )
    chosen = forecasting.resolve_scenarios(session, [scenario], day)[0]
    fitted, settings, _frames = forecasting.fit_records(
        session, as_of=day, months=months, runs=runs, seed=seed, child_population=child_population
    )
    return GoalInputs(
        placement_type_state, through, probability, chosen, day, runs, fitted, settings
    )


def compute_places_needed(inputs: GoalInputs, progress: Progress | None = None) -> PlacesNeeded:
    """Run the model and search for the extra places: no database (the long part)."""
    from forecasts.planning import NoPlannedPlaces, places_to_keep_shortfall_under

    (progress or no_progress)(2, 3, "Running the forecast and trying numbers of extra places")
    try:
        table = places_to_keep_shortfall_under(
            inputs.fitted,
            inputs.state,
            pd.Timestamp(inputs.through),
            inputs.probability,
            inputs.settings,
            inputs.scenario,
        )
    except NoPlannedPlaces as exc:
        what = forecasting.model_state_label(exc.state, within=True)
        raise InvalidInput(
            f"The places needed could not be worked out: there are no planned places of {what} "
            "to add to. Choose a placement type with places in the inventory."
        ) from exc
    except ValueError as exc:  # a scenario the records cannot take
        raise InvalidInput(
            f"The places needed could not be worked out: {plain_words(str(exc))}"
        ) from exc
    row = table.iloc[0]
    return PlacesNeeded(
        state=inputs.state,
        through=inputs.through,
        probability=inputs.probability,
        scenario=inputs.scenario.name,
        as_of=inputs.as_of,
        runs=inputs.runs,
        extra_places=int(row["extra_places"]),
        places_at_end=int(row["places_at_end"]),
        p_shortfall_before=float(row["p_shortfall_before"]),
        p_shortfall_after=float(row["p_shortfall_after"]),
        for_want_of_a_place_mean_after=float(row["for_want_of_a_place_mean_after"]),
        table=table,
        p_shortfall_after_se=float(row["p_shortfall_after_se"]),
        extra_places_low=int(row["extra_places_lo_90"]),
        extra_places_high=int(row["extra_places_hi_90"]),
        needed_from=None
        if pd.isna(row["needed_from"])
        else pd.Timestamp(row["needed_from"]).date(),
    )


def record_places_needed(session: Session, answer: PlacesNeeded, *, actor: str) -> None:
    """Audit the question asked (``goal_seek``): the answer itself is not saved."""
    audit.record(
        session,
        actor=actor,
        action="goal_seek",
        entity="forecast",
        detail=(
            f"state={answer.state} through={answer.through.isoformat()} "
            f"probability={answer.probability:g} scenario={answer.scenario} runs={answer.runs}"
        ),
    )


def places_needed(
    session: Session,
    *,
    placement_type_state: str,
    through: date,
    probability: float = 0.05,
    scenario: str = "central",
    runs: int = 1000,
    seed: int = 0,
    as_of: date | None = None,
    child_population: int,
    actor: str,
) -> PlacesNeeded:
    """Extra places of ``placement_type_state`` (``supported_lodgings``,
    ``supported_accommodation/care_leavers``...) so that P(demand exceeds places at any
    month-end until ``through``) <= ``probability``, under ``scenario`` (catalogue or saved),
    on today's records; audited ``goal_seek`` (nothing is saved). All three phases in one
    transaction, for the command line; the pages queue it (``planner.work``)."""
    inputs = read_places_needed(
        session,
        placement_type_state=placement_type_state,
        through=through,
        probability=probability,
        scenario=scenario,
        runs=runs,
        seed=seed,
        as_of=as_of,
        child_population=child_population,
    )
    answer = compute_places_needed(inputs)
    record_places_needed(session, answer, actor=actor)
    return answer


ANSWER_FIELDS = (
    "state",
    "scenario",
    "runs",
    "probability",
    "extra_places",
    "places_at_end",
    "p_shortfall_before",
    "p_shortfall_after",
    "for_want_of_a_place_mean_after",
    "p_shortfall_after_se",
    "extra_places_low",
    "extra_places_high",
)


def answer_record(answer: PlacesNeeded) -> dict[str, Any]:
    """The answer as JSON-ready values, kept on its work item (the model's table is not)."""
    kept: dict[str, Any] = {f: getattr(answer, f) for f in ANSWER_FIELDS}
    kept |= {"through": answer.through.isoformat(), "as_of": answer.as_of.isoformat()}
    kept["needed_from"] = answer.needed_from.isoformat() if answer.needed_from else None
    return kept


def answer_from_record(kept: dict[str, Any]) -> PlacesNeeded:
    """An answer back from :func:`answer_record`, for the page that shows it."""
    needed_from = kept.get("needed_from")
    return PlacesNeeded(
        **{f: kept[f] for f in ANSWER_FIELDS},
        through=date.fromisoformat(kept["through"]),
        as_of=date.fromisoformat(kept["as_of"]),
        needed_from=date.fromisoformat(needed_from) if needed_from else None,
    )


QUARTERS_AHEAD = 20  # the quarter ends a commissioner may choose from


def planned_states(session: Session, today: date) -> list[tuple[str, str]]:
    """The model states (placement type, and lot for the framework) that have planned
    places in the forecast's quarters from ``today``, with their labels: only these can be
    asked about. Unsuitable accommodation (bed and breakfast...) is never planned for, even
    when the inventory lists places of it, so it is not offered."""
    capacity = capacity_now(session, today)
    capacity = capacity[capacity["places"] > 0]
    names = {
        f"{t}/{lot}" if lot else str(t)
        for t, lot in capacity[["placement_type", "lot"]].itertuples(index=False)
        if t not in UNSUITABLE_TYPES
    }
    return [(s, forecasting.model_state_label(s)) for s in model_states() if s in names]


def goal_dates(today: date) -> list[date]:
    """The quarter ends after ``today`` that the model reaches (at most MAX_MONTHS)."""
    first = pd.Timestamp(today).to_period("Q").end_time.normalize()
    ends = [(first + pd.offsets.QuarterEnd(n)).date() for n in range(QUARTERS_AHEAD + 1)]
    return [d for d in ends if d > today and months_to(today, d) <= MAX_MONTHS]
