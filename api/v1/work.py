"""The JSON API for long work: start a match run or a forecast (202 Accepted with the
work item) and follow it at ``GET /api/v1/work/{work_id}`` until it is done or failed.

Starting is queued in ``planner.work`` and answers at once; the same work asked for again
while it is queued or running returns the same item (``joined`` is true). Who may start
each kind is as on the pages; seeing an item needs the permission of its kind."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from api.deps import ID_MAX, DbSession, Principal, api_allowed
from api.errors import API_ERRORS
from planner.core import clock
from planner.core.errors import InvalidInput
from planner.domain.permissions import Permission as P
from planner.domain.permissions import check
from planner.forecasting import service as forecasting
from planner.work import service as work
from planner.work.kinds import FORECAST, KINDS, MATCH

router = APIRouter(prefix="/api/v1", tags=["work"], responses=API_ERRORS)

API_RESULTS = {MATCH: "/api/v1/match-runs/{id}", FORECAST: "/api/v1/forecast-runs/{id}"}


class WorkItemPublic(BaseModel):
    id: int
    kind: str = Field(
        description="match_run, forecast, or one started from a page: places_needed or "
        "forecast_accuracy (their answers are shown on their pages: result is null)"
    )
    status: str = Field(description="queued, running, done or failed")
    step: int
    steps: int
    doing: str = Field(description="What is happening, in words")
    result_id: int | None = Field(description="The match run or (first) forecast run made")
    result: str | None = Field(description="Where to read the result in this API")
    failure: str = Field(description="Why it failed, in words (empty unless failed)")
    requested_by: str
    requested_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    joined: bool = Field(
        default=False, description="True: the same work was already queued or running"
    )


class MatchRunRequest(BaseModel):
    """A match run on today's records: send ``{}``."""

    model_config = ConfigDict(extra="forbid")


class ForecastRunRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scenarios: list[Annotated[str, Field(max_length=40)]] = Field(
        min_length=1, max_length=2, description="One or two scenario names (GET /scenarios)"
    )
    months: int = Field(description="How far ahead: 12, 24, 36 or 60 months")
    runs: int = Field(description="How many possible futures to simulate (100 to 2,000)")


def _public(item: Any, *, joined: bool = False) -> WorkItemPublic:
    step, steps, doing = work.progress_of(item)
    result = None
    if item.status == "done" and item.result_id is not None:
        result = API_RESULTS[item.kind].format(id=item.result_id)
    return WorkItemPublic(
        id=item.id,  # type: ignore[arg-type]
        kind=item.kind,
        status=item.status,
        step=step,
        steps=steps,
        doing=doing,
        result_id=item.result_id if item.status == "done" else None,
        result=result,
        failure=item.failure,
        requested_by=item.requested_by,
        requested_at=item.requested_at,
        started_at=item.started_at,
        finished_at=item.finished_at,
        joined=joined,
    )


def _accepted(response: Response, asked: work.Requested) -> WorkItemPublic:
    response.headers["Location"] = f"/api/v1/work/{asked.item.id}"
    return _public(asked.item, joined=asked.joined)


@router.post("/match-runs", response_model=WorkItemPublic, status_code=202)
def start_match_run(
    body: MatchRunRequest,
    db: DbSession,
    response: Response,
    principal: Annotated[Principal, api_allowed(P.run_matching)],
) -> WorkItemPublic:
    """Queue a match run on today's records (or join the one already queued or running);
    follow it at the ``Location`` given (``GET /api/v1/work/{work_id}``)."""
    asked = work.request_match_run(db, as_of=clock.today(), requested_by=principal.user.username)
    return _accepted(response, asked)


@router.post("/forecast-runs", response_model=WorkItemPublic, status_code=202)
def start_forecast(
    body: ForecastRunRequest,
    request: Request,
    db: DbSession,
    response: Response,
    principal: Annotated[Principal, api_allowed(P.make_forecasts)],
) -> WorkItemPublic:
    """Queue a forecast of one or two scenarios on today's records, bounded as on the page
    (or join the same forecast already being made); 422 names what was refused."""
    today = clock.today()
    asked = forecasting.check_forecast_request(
        scenarios=body.scenarios,
        months=str(body.months),
        runs=str(body.runs),
        as_of=today,
        session=db,
    )
    if asked.errors:
        raise InvalidInput(". ".join(asked.errors.values()) + ".")
    queued = work.request_forecast(
        db,
        scenarios=asked.scenarios,
        months=asked.months,
        runs=asked.runs,
        as_of=today,
        child_population=request.app.state.settings.child_population,
        requested_by=principal.user.username,
    )
    return _accepted(response, queued)


@router.get("/work/{work_id}", response_model=WorkItemPublic)
def get_work(
    work_id: Annotated[int, Path(ge=1, le=ID_MAX)],
    db: DbSession,
    principal: Annotated[Principal, api_allowed(P.use_service)],
) -> WorkItemPublic:
    """One work item: its status, what is happening, and its result once done (403 if the
    role may not see that kind of work)."""
    item = work.get_item(db, work_id)
    check(principal.user.role, KINDS[item.kind].see)
    return _public(item)
