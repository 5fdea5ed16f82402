"""The forecast pages for commissioners and managers: saved runs, making a new one, a run's
fan charts and tables, two runs compared, and the Excel and CSV exports.

Only aggregates by quarter, placement type and lot reach these pages: no young person is
named. Each route names one permission; the forecasting rules (bounds, comparison, exports
and their audit) live in :mod:`planner.forecasting.service`. Making a forecast runs the model in the
work queue (planner.work), bounded (two scenarios, 60 months, 2,000 runs): the request
returns at once with the work page, and the same forecast asked for twice is made once.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Depends, Path, Query, Request
from starlette.responses import Response

from api.deps import (
    ID_MAX,
    CheckedForm,
    DbSession,
    Principal,
    allowed,
    see_other,
)
from api.listing import Listing, read_list
from api.pages.comparison import places_needed_chart, run_labels
from api.pages.work import time_words
from api.templating import render
from planner.core import clock
from planner.domain.permissions import Permission as P
from planner.domain.permissions import allows
from planner.domain.text import day_words
from planner.forecasting import service as forecasting
from planner.forecasting.scenarios import scenario_words
from planner.reports import forecast_accuracy, forecast_paper, forecast_questions
from planner.work import service as work
from planner.work.kinds import FORECAST_ACCURACY

router = APIRouter(include_in_schema=False)

TABLE_NAME = r"^[a-z0-9_]{1,40}$"


async def chosen_scenarios(request: Request, form: CheckedForm) -> list[str]:
    """Every ``scenario`` box ticked (the checked form holds one value per name)."""
    values = (await request.form()).getlist("scenario")
    return [v for v in values if isinstance(v, str)][: forecasting.MAX_SCENARIOS + 1]


def _value(v: Any) -> float | None:
    return None if v is None or pd.isna(v) else float(v)


def _catalogue(db: DbSession) -> list[dict[str, str]]:
    """The catalogue, then the saved scenarios (``/scenarios``)."""
    return [
        {"name": name, "description": s.description}
        for name, s in forecasting.scenario_catalogue(clock.today(), db).items()
    ]


def _list_page(
    request: Request,
    db: DbSession,
    principal: Principal,
    *,
    errors: dict[str, str] | None = None,
    form: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    from planner.domain.permissions import allows

    params = read_list(request, forecasting.FORECAST_RUN_SORTS, "made", descending=True)
    found = forecasting.page_forecast_runs(db, params)
    return render(
        request,
        "forecasts.html",
        {
            "title": "Forecasts",
            "runs": forecasting.list_forecast_runs(db),
            "records_sets": forecasting.records_sets(db),
            "scenario_titles": forecasting.scenario_titles(db),
            "saved": Listing("/forecasts", params, found),
            "catalogue": _catalogue(db),
            "horizons": forecasting.HORIZONS,
            "runs_range": forecasting.RUNS_RANGE,
            "can_make": allows(principal.user.role, P.make_forecasts),
            "errors": errors or {},
            # nothing pre-ticked (GOV.UK: do not pre-select); none ticked is an error
            "form": form or {"scenario": [], "months": "24", "runs": "500"},
        },
        status_code=status_code,
    )


@router.get("/forecasts")
def forecasts(
    request: Request, db: DbSession, principal: Annotated[Principal, allowed(P.view_forecasts)]
) -> Response:
    """Saved forecast runs, newest first, and the form to make a new one."""
    return _list_page(request, db, principal)


@router.post("/forecasts")
def make_forecast(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.make_forecasts)],
    form: CheckedForm,
    scenarios: Annotated[list[str], Depends(chosen_scenarios)],
) -> Response:
    """Queue one or two scenarios on today's records (or join the same forecast already
    asked for) and show its progress; the work page leads to the first when it is saved."""
    today = clock.today()
    asked = forecasting.check_forecast_request(
        scenarios=scenarios,
        months=form.get("months", ""),
        runs=form.get("runs", ""),
        as_of=today,
        session=db,
    )
    shown = {"scenario": scenarios, "months": form.get("months", ""), "runs": form.get("runs", "")}
    if asked.errors:
        return _list_page(request, db, principal, errors=asked.errors, form=shown, status_code=422)
    from planner.work import service as work

    queued = work.request_forecast(
        db,
        scenarios=asked.scenarios,
        months=asked.months,
        runs=asked.runs,
        as_of=today,
        child_population=request.app.state.settings.child_population,
        requested_by=principal.user.username,
    )
    return see_other(f"/work/{queued.item.id}")


@router.get("/forecasts/compare")
def compare(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.view_forecasts)],
    first: Annotated[int, Query(ge=1, le=ID_MAX)],
    second: Annotated[int, Query(ge=1, le=ID_MAX)],
) -> Response:
    """Two runs made from the same data, side by side."""
    comparison = forecasting.compare_forecast_runs(db, first_id=first, second_id=second)
    table = comparison.table
    sections = []
    differing = []
    saved = forecasting.get_forecast_run_or_raise(db, run_id=first)
    titles = forecasting.scenario_titles(db)
    labels = run_labels(comparison.first, comparison.second, titles)
    for ptype, lot in saved.states():
        rows = table[(table["placement_type"] == ptype) & (table["lot"] == lot)]
        if rows.empty:
            continue
        label = forecasting.state_label(ptype, lot)
        records = [
            {k: (v if k in ("quarter_start",) else _value(v)) for k, v in row.items()}
            for row in rows.drop(columns=["placement_type", "lot"]).to_dict(orient="records")
        ]
        differs = any(
            (r["places_needed_difference"] or 0) != 0
            or abs(r["p_shortfall_in_quarter_difference"] or 0) >= 0.005
            or (r["capacity_difference"] or 0) != 0
            for r in records
        )
        if differs:
            differing.append(label)
        sections.append(
            {
                "id": f"{ptype}-{lot}" if lot else ptype,
                "label": label,
                "rows": records,
                "differs": differs,
                "planned": any(r["capacity_first"] is not None for r in records),
                "chart": places_needed_chart(
                    f"{ptype}-{lot}" if lot else ptype, label, labels, records
                ),
            }
        )
    return render(
        request,
        "forecast_compare.html",
        {
            "title": f"Compare {labels['first']} and {labels['second_within']}",
            "c": comparison,
            "labels": labels,
            "scenario_titles": titles,
            "sections": sections,
            "differing": differing,
        },
    )


@router.get("/forecasts/accuracy")
def accuracy(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.view_forecasts)],
) -> Response:
    """How good has this forecast been here? The latest rolling-origin backtest on the
    council's own records (bounded: 4 forecast dates, 4 quarters, 100 runs each), with its
    date and the fall-back to the recent count said for each type where the forecast did
    worse. The backtest runs on the work queue, never in this request: "Check again"."""
    latest = work.latest_kept(db, FORECAST_ACCURACY, "accuracy")
    context = forecast_accuracy.accuracy_view(latest.result) if latest.result else {}
    return render(
        request,
        "forecast_accuracy.html",
        {
            "title": "How good has this forecast been here?",
            **context,
            "checked": latest.result is not None,
            "checked_at": time_words(latest.done.finished_at) if latest.done else "",
            "checked_on": (
                day_words(date.fromisoformat(json.loads(latest.done.parameters)["as_of"]))
                if latest.done
                else ""
            ),
            "under_way": latest.active,
            "can_check": allows(principal.user.role, P.make_forecasts),
        },
    )


@router.post("/forecasts/accuracy")
def check_accuracy(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.make_forecasts)],
    form: CheckedForm,
) -> Response:
    """Queue a new backtest on today's records (one already waiting or running for today is
    joined) and go to its work page, which leads back here when it is done."""
    asked = work.request_forecast_accuracy(
        db,
        origins=forecast_accuracy.PAGE_ORIGINS,
        horizon=forecast_accuracy.PAGE_HORIZON,
        runs=forecast_accuracy.PAGE_RUNS,
        as_of=clock.today(),
        child_population=request.app.state.settings.child_population,
        requested_by=principal.user.username,
    )
    return see_other(f"/work/{asked.item.id}")


@router.get("/forecasts/{run_id}")
def forecast_run(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.view_forecasts)],
    run_id: Annotated[int, Path(ge=1, le=ID_MAX)],
    made_with: Annotated[int | None, Query(ge=1, le=ID_MAX)] = None,
) -> Response:
    """One saved run: fan charts, shortfall, unsuitable accommodation, flows, costs, inputs
    (the body and figures of its commissioning paper, :mod:`planner.reports.forecast_paper`),
    then the council's own questions (:mod:`planner.reports.forecast_questions`)."""
    context = forecast_paper.run_context(db, run_id=run_id, made_with=made_with)
    saved = forecasting.get_forecast_run_or_raise(db, run_id=run_id)
    return render(
        request,
        "forecast_run.html",
        {
            "title": f"Forecast {run_id}: "
            + scenario_words(context["run"].scenario, titles=context["scenario_titles"]),
            "paper": False,
            **context,
            **forecast_questions.questions_context(saved),
        },
    )


@router.get("/forecasts/{run_id}/paper.pdf")
def forecast_paper_pdf(
    db: DbSession,
    principal: Annotated[Principal, allowed(P.view_forecasts)],
    run_id: Annotated[int, Path(ge=1, le=ID_MAX)],
) -> Response:
    """The run's commissioning paper as a tagged PDF (audited as an export)."""
    name, content = forecast_paper.export_forecast_paper(
        db, run_id=run_id, fmt="pdf", actor=principal.user.username
    )
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/forecasts/{run_id}/forecast.xlsx")
def forecast_workbook(
    db: DbSession,
    principal: Annotated[Principal, allowed(P.view_forecasts)],
    run_id: Annotated[int, Path(ge=1, le=ID_MAX)],
) -> Response:
    """Every table of the run as one sheet each (audited as an export)."""
    name, content = forecasting.export_forecast_workbook(
        db, run_id=run_id, actor=principal.user.username
    )
    return Response(
        content,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/forecasts/{run_id}/tables/{table}.csv")
def forecast_table_csv(
    db: DbSession,
    principal: Annotated[Principal, allowed(P.view_forecasts)],
    run_id: Annotated[int, Path(ge=1, le=ID_MAX)],
    table: Annotated[str, Path(pattern=TABLE_NAME)],
    placement_type: Annotated[str, Query(max_length=40, pattern=r"^[a-z0-9_]*$")] = "",
    lot: Annotated[str, Query(max_length=40, pattern=r"^[a-z0-9_]*$")] = "",
) -> Response:
    """One table of the run as CSV (``chart``: one fan chart's data); audited as an export."""
    name, text = forecasting.export_forecast_csv(
        db,
        run_id=run_id,
        table=table,
        actor=principal.user.username,
        placement_type=placement_type,
        lot=lot,
    )
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
