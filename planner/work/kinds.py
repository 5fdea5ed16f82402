"""The kinds of long work the queue runs: what each one's parameters are, how its key is
made from them, who may start and see it, how it is done and where its result is shown.

A kind is a thin call to its feature's service (the match service, the forecast service),
passing a ``progress`` callback so the work page can say what is happening."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session

from planner.core.progress import Progress
from planner.domain.permissions import Permission

MATCH = "match_run"
FORECAST = "forecast"
PLACES_NEEDED = "places_needed"
FORECAST_ACCURACY = "forecast_accuracy"


@dataclass(frozen=True)
class Done:
    """What a finished item made: the result's id (None when the result is kept on the item
    itself, in ``detail``: the places-needed answer), any other ids, and where to see it."""

    result_id: int | None
    detail: dict[str, Any]


@dataclass(frozen=True)
class Kind:
    """One kind of work, done in three phases so no transaction is open during the long
    part: ``read`` (a short transaction), ``compute`` (no database, telling its progress)
    and ``save`` (the transaction that also marks the item done)."""

    code: str
    title: str  # "Match run": the work page's heading
    start: Permission  # who may start it
    see: Permission  # who may see it (its progress and result)
    steps: Callable[[dict[str, Any]], int]
    reading: str  # the words of step 1
    saving: str  # the words of the last step
    read: Callable[[Session, dict[str, Any]], Any]
    compute: Callable[[Any, Progress], Any]
    save: Callable[[Session, Any, str], Done]
    result_url: Callable[[int | None, dict[str, Any]], str]  # detail holds "work_id" too
    result_words: str  # the link to the result


def _match_read(session: Session, parameters: dict[str, Any]) -> Any:
    from planner.matching import service as matching

    return matching.read_match_inputs(session, as_of=date.fromisoformat(parameters["as_of"]))


def _match_compute(inputs: Any, progress: Progress) -> Any:
    from planner.matching import service as matching

    return matching.solve_match(inputs, progress)


def _match_save(session: Session, solved: Any, actor: str) -> Done:
    from planner.matching import service as matching

    run = matching.save_match_run(session, solved, actor=actor)
    return Done(result_id=run.id, detail={"status": run.status})  # type: ignore[arg-type]


def _forecast_read(session: Session, parameters: dict[str, Any]) -> Any:
    from planner.forecasting import service as forecasting

    return forecasting.read_forecast(
        session,
        scenarios=list(parameters["scenarios"]),
        months=int(parameters["months"]),
        runs=int(parameters["runs"]),
        seed=int(parameters.get("seed", 0)),
        as_of=date.fromisoformat(parameters["as_of"]),
        child_population=int(parameters["child_population"]),
        save_trace=True,
        compare=False,
        with_sensitivity=True,  # the tornado charts on the run page (issue 15)
    )


def _forecast_compute(inputs: Any, progress: Progress) -> Any:
    from planner.forecasting import service as forecasting

    return forecasting.compute_forecast(inputs, progress)


def _forecast_save(session: Session, computed: Any, actor: str) -> Done:
    from planner.forecasting import service as forecasting

    report = forecasting.save_forecast(session, computed, actor=actor)
    first, *others = report.run_ids
    return Done(result_id=first, detail={"run_ids": report.run_ids, "made_with": others[:1]})


def _goal_read(session: Session, parameters: dict[str, Any]) -> Any:
    from planner.forecasting import places_needed

    return places_needed.read_places_needed(
        session,
        placement_type_state=str(parameters["state"]),
        through=date.fromisoformat(parameters["through"]),
        probability=float(parameters["probability"]),
        scenario=str(parameters["scenario"]),
        runs=int(parameters["runs"]),
        seed=int(parameters.get("seed", 0)),
        as_of=date.fromisoformat(parameters["as_of"]),
        child_population=int(parameters["child_population"]),
    )


def _goal_compute(inputs: Any, progress: Progress) -> Any:
    from planner.forecasting import places_needed

    return places_needed.compute_places_needed(inputs, progress)


def _goal_save(session: Session, answer: Any, actor: str) -> Done:
    """Nothing is saved but the audit of the question: the answer is kept on the item."""
    from planner.forecasting import places_needed

    places_needed.record_places_needed(session, answer, actor=actor)
    return Done(result_id=None, detail={"answer": places_needed.answer_record(answer)})


def _goal_url(result_id: int | None, detail: dict[str, Any]) -> str:
    return f"/places-needed?work={int(detail['work_id'])}#answer"


def _accuracy_read(session: Session, parameters: dict[str, Any]) -> Any:
    from planner.forecasting import service as forecasting

    day = date.fromisoformat(parameters["as_of"])
    return day, parameters, forecasting.read_backtest(session, as_of=day)


def _accuracy_compute(inputs: Any, progress: Progress) -> Any:
    """The backtest's summary, or the reason there is none (no records yet, too short a
    history): a reason is the page's answer too, not a failure of the work."""
    from planner.core.errors import InvalidInput
    from planner.forecasting import service as forecasting

    day, parameters, frames = inputs
    progress(2, 3, "Making forecasts from past quarter-ends and scoring them")
    try:
        result = forecasting.backtest_frames(
            frames,
            as_of=day,
            origins=int(parameters["origins"]),
            horizon=int(parameters["horizon"]),
            runs=int(parameters["runs"]),
            seed=int(parameters.get("seed", 0)),
            child_population=int(parameters["child_population"]),
        )
    except InvalidInput as exc:
        return parameters, {"problem": exc.message}
    return parameters, forecasting.backtest_summary(result)


def _accuracy_save(session: Session, computed: Any, actor: str) -> Done:
    """Nothing is saved but the audit: the result is kept on the item."""
    from planner.core import audit

    parameters, summary = computed
    audit.record(
        session,
        actor=actor,
        action="backtest",
        entity="forecast",
        detail=(
            f"origins={parameters['origins']} horizon={parameters['horizon']} "
            f"runs={parameters['runs']}"
        ),
    )
    return Done(result_id=None, detail={"accuracy": summary})


def _match_url(result_id: int | None, detail: dict[str, Any]) -> str:
    return f"/matching?run={result_id}"


def _forecast_url(result_id: int | None, detail: dict[str, Any]) -> str:
    made_with = detail.get("made_with") or []
    return f"/forecasts/{result_id}" + (f"?made_with={int(made_with[0])}" if made_with else "")


KINDS: dict[str, Kind] = {
    MATCH: Kind(
        MATCH,
        "Match run",
        Permission.run_matching,
        Permission.view_matching,
        steps=lambda parameters: 4,
        reading="Reading today's records",
        saving="Saving the proposals",
        read=_match_read,
        compute=_match_compute,
        save=_match_save,
        result_url=_match_url,
        result_words="See the proposals",
    ),
    FORECAST: Kind(
        FORECAST,
        "Forecast",
        Permission.make_forecasts,
        Permission.view_forecasts,
        steps=lambda parameters: len(parameters["scenarios"]) + 2,
        reading="Reading today's records and fitting the model to them",
        saving="Saving the forecast",
        read=_forecast_read,
        compute=_forecast_compute,
        save=_forecast_save,
        result_url=_forecast_url,
        result_words="See the forecast",
    ),
    PLACES_NEEDED: Kind(
        PLACES_NEEDED,
        "Places needed",
        Permission.make_forecasts,
        Permission.make_forecasts,  # the goal-seek page's own permission
        steps=lambda parameters: 3,
        reading="Reading today's records and fitting the model to them",
        saving="Keeping the answer",
        read=_goal_read,
        compute=_goal_compute,
        save=_goal_save,
        result_url=_goal_url,
        result_words="See the answer",
    ),
    FORECAST_ACCURACY: Kind(
        FORECAST_ACCURACY,
        "Forecast accuracy check",
        Permission.make_forecasts,
        Permission.view_forecasts,  # the accuracy page's own permission
        steps=lambda parameters: 3,
        reading="Reading today's records",
        saving="Keeping the result",
        read=_accuracy_read,
        compute=_accuracy_compute,
        save=_accuracy_save,
        result_url=lambda result_id, detail: "/forecasts/accuracy",
        result_words="See how good the forecast has been",
    ),
}


def work_key(kind: str, parameters: dict[str, Any]) -> str:
    """The same work asked for twice has the same key: the kind and its parameters, in a
    fixed order, hashed (the key never holds the parameters themselves)."""
    text = json.dumps({"kind": kind, "parameters": parameters}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:64]
