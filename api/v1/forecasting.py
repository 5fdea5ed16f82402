"""The JSON API: saved forecasts and scenarios."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.deps import ID_MAX, DbSession, Principal, api_allowed
from api.errors import API_ERRORS
from api.schemas import (
    ForecastRunDetailPublic,
    ForecastRunPublic,
    ForecastTablePublic,
    ScenarioCreateRequest,
    ScenarioPublic,
)
from api.v1.accounts import CREATE_ERRORS
from planner.domain.permissions import Permission as P
from planner.forecasting import scenarios
from planner.forecasting import service as forecasting
from planner.young_people import scope as scope

router = APIRouter(prefix="/api/v1", tags=["forecasts"], responses=API_ERRORS)


@router.get("/forecast-runs", response_model=list[ForecastRunPublic])
def list_forecast_runs(
    db: DbSession,
    principal: Annotated[Principal, api_allowed(P.view_forecasts)],
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[ForecastRunPublic]:
    """Saved forecast runs, newest first: when, by whom, scenario, snapshot and data."""
    return [
        ForecastRunPublic.model_validate(r) for r in forecasting.list_forecast_runs(db, limit=limit)
    ]


@router.get("/forecast-runs/{run_id}", response_model=ForecastRunDetailPublic)
def get_forecast_run(
    run_id: Annotated[int, Path(ge=1, le=ID_MAX)],
    db: DbSession,
    principal: Annotated[Principal, api_allowed(P.view_forecasts)],
) -> ForecastRunDetailPublic:
    """One saved run and the names of its tables (aggregates only)."""
    saved = forecasting.get_forecast_run_or_raise(db, run_id=run_id)
    return ForecastRunDetailPublic(**vars(saved.run), tables=list(saved.tables))


@router.get("/forecast-runs/{run_id}/tables/{table}", response_model=ForecastTablePublic)
def get_forecast_table(
    run_id: Annotated[int, Path(ge=1, le=ID_MAX)],
    table: Annotated[str, Path(pattern=r"^[a-z0-9_]{1,40}$")],
    db: DbSession,
    principal: Annotated[Principal, api_allowed(P.view_forecasts)],
) -> ForecastTablePublic:
    """One table of a saved run, row by row (missing values are null); audited as an
    export, like the table's CSV download."""
    frame = forecasting.read_forecast_table(
        db, run_id=run_id, table=table, actor=principal.user.username
    )
    return ForecastTablePublic(
        run_id=run_id,
        table=table,
        columns=[str(c) for c in frame.columns],
        rows=forecasting.table_records(frame),
    )


def _scenario(view: scenarios.ScenarioView) -> ScenarioPublic:
    return ScenarioPublic(
        name=view.name,
        title=view.title or scenarios.scenario_words(view.name),
        description=view.description,
        saved=view.saved,
        created_by=view.created_by,
        created_at=view.created_at,
        levers=[vars(lv) for lv in view.levers],  # type: ignore[misc]
    )


@router.get("/scenarios", response_model=list[ScenarioPublic])
def list_scenarios(
    db: DbSession,
    principal: Annotated[Principal, api_allowed(P.view_forecasts)],
) -> list[ScenarioPublic]:
    """The catalogue (read-only), then the saved scenarios, each lever as low/central/high."""
    return [_scenario(v) for v in scenarios.list_scenarios(db)]


@router.post("/scenarios", response_model=ScenarioPublic, status_code=201, responses=CREATE_ERRORS)
def create_scenario(
    body: ScenarioCreateRequest,
    db: DbSession,
    principal: Annotated[Principal, api_allowed(P.make_forecasts)],
) -> ScenarioPublic:
    """Save a scenario; every lever is checked (422 names the lever and field); audited."""
    view = scenarios.create_scenario(
        db,
        name=body.name,
        title=body.title,
        description=body.description,
        levers=[lv.model_dump() for lv in body.levers],
        actor=principal.user.username,
    )
    return _scenario(view)
