"""The scenario and goal-seek pages for commissioners and managers.

``/scenarios`` lists the catalogue (read-only) and the saved scenarios with every lever as
low / central / high, and holds the form to save a new one (a fixed number of lever rows,
so it works without JavaScript) and a delete button per saved scenario. ``/places-needed``
asks "how many extra places of a type keep the chance of a shortfall under a target through
a date": the question is checked and queued (``planner.work``, the model runs many times),
and ``/places-needed?work=N`` shows the answer in words and a table. The rules live in
:mod:`planner.forecasting.scenarios`; each route names one permission.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from api.deps import (
    ID_MAX,
    CheckedForm,
    DbSession,
    Principal,
    allowed,
    form_date,
    iso_date,
    see_other,
)
from api.templating import render
from forecasts.arrivals import STREAMS
from forecasts.scenarios import LEVER_KINDS
from planner.core import clock
from planner.core.errors import InvalidInput, NotFound, PlannerError
from planner.domain.permissions import Permission as P
from planner.domain.permissions import allows
from planner.forecasting import places_needed as goal_seek
from planner.forecasting import scenarios
from planner.forecasting import service as forecasting
from planner.work import service as work
from planner.work.kinds import PLACES_NEEDED

router = APIRouter(include_in_schema=False)

LEVER_ROWS = 3
LEVER_FIELDS = ("kind", "stream", "state", "destination", "low", "central", "high")
DATE_PARTS = ("start-day", "start-month", "start-year")  # a GOV.UK date input per lever
PROBABILITIES = ("0.01", "0.05", "0.1", "0.2")


def _choices() -> dict[str, Any]:
    return {
        "kinds": [(k, scenarios.KIND_LABELS[k]) for k in LEVER_KINDS],
        "streams": list(STREAMS),
        "states": [(s, forecasting.model_state_label(s)) for s in scenarios.model_states()],
        "destinations": [(s, forecasting.model_state_label(s)) for s in scenarios.destinations()],
    }


def _blank_form() -> dict[str, str]:
    form = {"name": "", "description": ""}
    for i in range(1, LEVER_ROWS + 1):
        form.update({f"lever-{i}-{f}": "" for f in LEVER_FIELDS + DATE_PARTS})
    return form


def _scenarios_page(
    request: Request,
    db: DbSession,
    principal: Principal,
    *,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    created: str = "",
    status_code: int = 200,
) -> Response:
    views = scenarios.list_scenarios(db)
    return render(
        request,
        "scenarios.html",
        {
            "title": "Scenarios",
            "scenario_titles": forecasting.scenario_titles(db),
            "catalogue": [v for v in views if not v.saved],
            "saved": [v for v in views if v.saved],
            "can_make": allows(principal.user.role, P.make_forecasts),
            "errors": errors or {},
            "form": form or _blank_form(),
            "rows": range(1, LEVER_ROWS + 1),
            "created": created,
            "state_label": forecasting.model_state_label,
            "lever_what": forecasting.lever_what,
            "lever_words": scenarios.LEVER_WORDS,
            "lever_hints": scenarios.LEVER_HINTS,
            **_choices(),
        },
        status_code=status_code,
    )


@router.get("/scenarios")
def scenarios_page(
    request: Request, db: DbSession, principal: Annotated[Principal, allowed(P.view_forecasts)]
) -> Response:
    """The catalogue and the saved scenarios with their levers; the form to save one."""
    created = request.query_params.get("created", "")
    return _scenarios_page(request, db, principal, created=created[:60])


@router.post("/scenarios")
def create_scenario(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.make_forecasts)],
    form: CheckedForm,
) -> Response:
    """Save a scenario from the form; errors are shown beside the field at fault. The name
    is typed in words and kept as typed; the scenario is also saved under a slug made from
    it, for commands and file names (shown on the page)."""
    shown = _blank_form() | {k: v[:300] for k, v in form.items() if k in _blank_form()}
    used = [i for i in range(1, LEVER_ROWS + 1) if shown[f"lever-{i}-kind"]]
    errors: dict[str, str] = {}
    slug = scenarios.slug_of(shown["name"])
    if len(slug) < 3:
        errors["name"] = (
            "Name: enter a name of at least 3 letters or digits, for example UASC arrivals "
            "tripled in 2026."
        )
    levers = []
    for i in used:
        lever: dict[str, Any] = {f: shown[f"lever-{i}-{f}"] for f in LEVER_FIELDS}
        try:
            lever["start"] = form_date(form, f"lever-{i}-start", "date", required=False) or ""
        except InvalidInput as exc:
            errors[f"lever-{i}-start"] = (
                f"Lever {i}, from: " + exc.message[:1].lower() + (exc.message[1:])
            )
        levers.append(lever)
    if errors:
        return _scenarios_page(request, db, principal, errors=errors, form=shown, status_code=422)
    try:
        scenarios.create_scenario(
            db,
            name=slug,
            title=shown["name"],  # kept as typed: what every page shows
            description=shown["description"],
            levers=levers,  # type: ignore[arg-type]
            actor=principal.user.username,
        )
    except scenarios.InvalidLever as exc:
        row = used[exc.lever - 1]
        message = exc.message.replace(f"Lever {exc.lever},", f"Lever {row},", 1)
        errors = {f"lever-{row}-{exc.field}": message}
        return _scenarios_page(request, db, principal, errors=errors, form=shown, status_code=422)
    except PlannerError as exc:
        if exc.message.startswith("Name"):
            key = "name"
        elif exc.message.startswith("Description"):
            key = "description"
        else:
            key = "lever-1-kind"
        return _scenarios_page(
            request, db, principal, errors={key: exc.message}, form=shown, status_code=422
        )
    return see_other(f"/scenarios?created={slug}")


@router.post("/scenarios/{scenario_id}/delete")
def delete_scenario(
    db: DbSession,
    principal: Annotated[Principal, allowed(P.make_forecasts)],
    form: CheckedForm,
    scenario_id: Annotated[int, Path(ge=1, le=ID_MAX)],
) -> Response:
    """Delete a saved scenario (the catalogue has no delete button and cannot be deleted)."""
    scenarios.delete_scenario_by_id(db, scenario_id, actor=principal.user.username)
    return see_other("/scenarios")


# -- goal-seek ---------------------------------------------------------------------------------


def _goal_page(
    request: Request,
    db: DbSession,
    *,
    form: dict[str, str],
    errors: dict[str, str] | None = None,
    answer: goal_seek.PlacesNeeded | None = None,
    status_code: int = 200,
) -> Response:
    today = clock.today()
    return render(
        request,
        "places_needed.html",
        {
            "title": "Places needed",
            "scenario_titles": forecasting.scenario_titles(db),
            "states": goal_seek.planned_states(db, today),
            "through_dates": goal_seek.goal_dates(today),
            "probabilities": PROBABILITIES,
            "scenario_names": list(forecasting.scenario_catalogue(today, db)),
            "runs_range": forecasting.RUNS_RANGE,
            "form": form,
            "errors": errors or {},
            "answer": answer,
            "label": forecasting.model_state_label(answer.state) if answer else "",
        },
        status_code=status_code,
    )


def _default_goal_form() -> dict[str, str]:
    return {
        "state": "supported_lodgings",
        "through": "",
        "probability": "0.05",
        "scenario": "central",
        "runs": "500",
    }


@router.get("/places-needed")
def places_needed_page(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.make_forecasts)],
    work_id: Annotated[int | None, Query(alias="work", ge=1, le=ID_MAX)] = None,
) -> Response:
    """The goal-seek form: a placement type and lot, a date, a probability, a scenario.
    With ``?work=N``, the answer that work item worked out, above the form holding its
    question (an item still queued or running sends the browser to its progress)."""
    if work_id is None:
        return _goal_page(request, db, form=_default_goal_form())
    item = work.get_item(db, work_id)
    if item.kind != PLACES_NEEDED:
        raise NotFound()
    kept = work.places_needed_answer(item)
    if kept is None:
        return see_other(f"/work/{item.id}")
    asked = json.loads(item.parameters)
    form = _default_goal_form() | {k: str(asked[k]) for k in _default_goal_form() if k in asked}
    form["probability"] = next(
        (p for p in PROBABILITIES if float(p) == float(asked["probability"])), form["probability"]
    )
    return _goal_page(request, db, form=form, answer=goal_seek.answer_from_record(kept))


@router.post("/places-needed")
def places_needed(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.make_forecasts)],
    form: CheckedForm,
) -> Response:
    """Check the question and queue the goal-seek on today's records (``planner.work``):
    the browser goes at once to the work page, which leads to the answer when it is worked
    out. The same question asked while it is being worked out joins it."""
    today = clock.today()
    shown = _default_goal_form() | {k: v for k, v in form.items() if k in _default_goal_form()}
    errors: dict[str, str] = {}
    states = dict(goal_seek.planned_states(db, today))
    if shown["state"] not in states:
        errors["state"] = "Select a placement type with planned places"
    through = iso_date(shown["through"])
    if through is None:
        errors["through"] = "Select the date to keep the risk low through"
    if shown["probability"] not in PROBABILITIES:
        errors["probability"] = "Select the highest acceptable chance of a shortfall"
    if shown["scenario"] not in forecasting.scenario_catalogue(today, db):
        errors["scenario"] = "Select a scenario from the list"
    low, high = forecasting.RUNS_RANGE
    runs = int(shown["runs"]) if shown["runs"].strip().isdigit() else 0
    if not low <= runs <= high:
        errors["runs"] = f"Enter a number of runs from {low} to {high:,}"
    if not errors and through is not None:
        try:
            goal_seek.check_question(
                placement_type_state=shown["state"],
                through=through,
                probability=float(shown["probability"]),
                runs=runs,
                as_of=today,
            )
        except InvalidInput as exc:
            errors["through"] = exc.message
    if errors or through is None:
        return _goal_page(request, db, form=shown, errors=errors, status_code=422)
    asked = work.request_places_needed(
        db,
        state=shown["state"],
        through=through,
        probability=float(shown["probability"]),
        scenario=shown["scenario"],
        runs=runs,
        as_of=today,
        child_population=request.app.state.settings.child_population,
        requested_by=principal.user.username,
    )
    return see_other(f"/work/{asked.item.id}")
