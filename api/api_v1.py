"""The JSON API under ``/api/v1``, for machine clients with a per-user API token.

Each route names its permission (``require(..., api=True)``), calls one service and returns
a public schema. The token acts with its owner's role and record scope, so an API client
sees exactly what its owner would see in the pages, and views of a young person's record
are audited the same way.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from api.deps import DbSession, Principal, require
from api.errors import API_ERRORS, ErrorBody
from api.schemas import (
    AcceptRequest,
    ApiTokenPublic,
    AuditPagePublic,
    DeclineRequest,
    EscalationActionPublic,
    EscalationActionRequest,
    EscalationPublic,
    EscalationQueuePublic,
    ForecastRunDetailPublic,
    ForecastRunPublic,
    ForecastTablePublic,
    MatchRunDetailPublic,
    MatchRunPublic,
    MePublic,
    OverviewPublic,
    PlacementCount,
    PlacementPublic,
    ProposalPublic,
    ProvisionPublic,
    ScenarioCreateRequest,
    ScenarioPublic,
    VacancyCount,
    VacancyPublic,
    YoungPeoplePagePublic,
    YoungPersonRecordPublic,
)
from planner import (
    accounts,
    escalations,
    forecasting,
    inventory,
    matching,
    scenarios,
    users,
    web_queries,
    young_people,
)
from planner.domain import PlacementType
from planner.permissions import MATRIX, InvalidInput, PlannerError
from planner.permissions import Permission as P

ID_MAX = 2**31 - 1  # ids are 32-bit integers in PostgreSQL
TEXT = r"^[^\x00-\x08\x0A-\x1F]*$"  # no control characters (PostgreSQL refuses NUL)
router = APIRouter(prefix="/api/v1", tags=["api"], responses=API_ERRORS)


def _as(permission: P):  # type: ignore[no-untyped-def]
    return Annotated[Principal, Depends(require(permission, api=True))]


@router.get("/me", response_model=MePublic)
def me(principal: _as(P.use_service)) -> MePublic:  # type: ignore[valid-type]
    """The token's owner, their role and what it allows."""
    user = principal.user
    return MePublic(
        username=user.username,
        display_name=user.display_name,
        role=str(user.role),
        permissions=sorted(str(p) for p in MATRIX[user.role]),
    )


@router.get("/overview", response_model=OverviewPublic)
def overview(db: DbSession, principal: _as(P.view_overview)) -> OverviewPublic:  # type: ignore[valid-type]
    """Today's totals: where young people live by placement type, and open vacancies."""
    summary = inventory.overview(db, viewer=principal.user)
    return OverviewPublic(
        as_of=summary.as_of,
        figures=summary.figures,
        placements=[
            PlacementCount(placement_type=str(t), suitable=ok, unsuitable=bad)
            for t, ok, bad in summary.by_type
        ],
        vacancies=[
            VacancyCount(placement_type=str(t), free_now=now, free_later=later)
            for t, now, later in summary.vacancies
        ],
    )


@router.get("/young-people", response_model=YoungPeoplePagePublic)
def list_young_people(
    db: DbSession,
    principal: _as(P.view_young_people),  # type: ignore[valid-type]
    unsuitable_only: bool = False,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=200)] = 50,
) -> YoungPeoplePagePublic:
    """Current young people the token's owner may see (a personal adviser: their own)."""
    result = young_people.list_young_people(
        db, viewer=principal.user, unsuitable_only=unsuitable_only, page=page, per_page=per_page
    )
    return YoungPeoplePagePublic.model_validate(result)


@router.get("/young-people/{young_person_id}", response_model=YoungPersonRecordPublic)
def get_young_person(
    young_person_id: Annotated[int, Path(ge=1, le=ID_MAX)],
    db: DbSession,
    principal: _as(P.view_young_people),  # type: ignore[valid-type]
) -> YoungPersonRecordPublic:
    """One young person's record; the view is written to the audit trail."""
    record = young_people.get_record(db, viewer=principal.user, young_person_id=young_person_id)
    return YoungPersonRecordPublic.model_validate(record)


@router.get("/provisions", response_model=list[ProvisionPublic])
def list_provisions(
    db: DbSession,
    principal: _as(P.view_provisions),  # type: ignore[valid-type]
    placement_type: PlacementType | None = None,
) -> list[ProvisionPublic]:
    """Provisions with their places, occupancy and open vacancies."""
    rows = inventory.list_provisions(db, viewer=principal.user, placement_type=placement_type)
    return [ProvisionPublic.model_validate(r) for r in rows]


@router.get("/vacancies", response_model=list[VacancyPublic])
def list_vacancies(
    db: DbSession,
    principal: _as(P.view_vacancies),  # type: ignore[valid-type]
    placement_type: PlacementType | None = None,
    area: Annotated[str | None, Query(max_length=80, pattern=TEXT)] = None,
) -> list[VacancyPublic]:
    """Open vacancies, soonest first."""
    rows = inventory.list_vacancies(
        db, viewer=principal.user, placement_type=placement_type, area=area
    )
    return [VacancyPublic.model_validate(r) for r in rows]


@router.get("/forecast-runs", response_model=list[ForecastRunPublic])
def list_forecast_runs(
    db: DbSession,
    principal: _as(P.view_forecasts),  # type: ignore[valid-type]
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
    principal: _as(P.view_forecasts),  # type: ignore[valid-type]
) -> ForecastRunDetailPublic:
    """One saved run and the names of its tables (aggregates only)."""
    saved = forecasting.get_forecast_run_or_raise(db, run_id=run_id)
    return ForecastRunDetailPublic(**vars(saved.run), tables=list(saved.tables))


@router.get("/forecast-runs/{run_id}/tables/{table}", response_model=ForecastTablePublic)
def get_forecast_table(
    run_id: Annotated[int, Path(ge=1, le=ID_MAX)],
    table: Annotated[str, Path(pattern=r"^[a-z0-9_]{1,40}$")],
    db: DbSession,
    principal: _as(P.view_forecasts),  # type: ignore[valid-type]
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
        description=view.description,
        saved=view.saved,
        created_by=view.created_by,
        created_at=view.created_at,
        levers=[vars(lv) for lv in view.levers],  # type: ignore[misc]
    )


CREATE_ERRORS: dict[int | str, dict] = {
    409: {"model": ErrorBody, "description": "The name is taken (or is a catalogue scenario)"},
}


@router.get("/scenarios", response_model=list[ScenarioPublic])
def list_scenarios(
    db: DbSession,
    principal: _as(P.view_forecasts),  # type: ignore[valid-type]
) -> list[ScenarioPublic]:
    """The catalogue (read-only), then the saved scenarios, each lever as low/central/high."""
    return [_scenario(v) for v in scenarios.list_scenarios(db)]


@router.post("/scenarios", response_model=ScenarioPublic, status_code=201, responses=CREATE_ERRORS)
def create_scenario(
    body: ScenarioCreateRequest,
    db: DbSession,
    principal: _as(P.make_forecasts),  # type: ignore[valid-type]
) -> ScenarioPublic:
    """Save a scenario; every lever is checked (422 names the lever and field); audited."""
    view = scenarios.create_scenario(
        db,
        name=body.name,
        description=body.description,
        levers=[lv.model_dump() for lv in body.levers],
        actor=principal.user.username,
    )
    return _scenario(view)


@router.get("/audit-events", response_model=AuditPagePublic)
def search_audit_events(
    db: DbSession,
    principal: _as(P.view_audit),  # type: ignore[valid-type]
    actor: Annotated[str, Query(max_length=80, pattern=TEXT)] = "",
    action: Annotated[str, Query(max_length=40, pattern=TEXT)] = "",
    entity: Annotated[str, Query(max_length=40, pattern=TEXT)] = "",
    entity_id: Annotated[str, Query(max_length=80, pattern=TEXT)] = "",
    since: date | None = None,
    until: date | None = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> AuditPagePublic:
    """Search the audit trail (administrators only)."""
    search = users.AuditSearch(
        actor=actor, action=action, entity=entity, entity_id=entity_id, since=since, until=until
    )
    result = users.search_audit_trail(db, viewer=principal.user, search=search, page=page)
    return AuditPagePublic.model_validate(result)


@router.get("/tokens", response_model=list[ApiTokenPublic])
def list_tokens(db: DbSession, principal: _as(P.use_service)) -> list[ApiTokenPublic]:  # type: ignore[valid-type]
    """The token owner's API tokens (never the tokens themselves)."""
    return [
        ApiTokenPublic.model_validate(t) for t in accounts.list_api_tokens(db, owner=principal.user)
    ]


@router.delete("/tokens/{token_id}", status_code=204, response_class=Response)
def revoke_token(
    token_id: Annotated[int, Path(ge=1, le=ID_MAX)],
    db: DbSession,
    principal: _as(P.use_service),  # type: ignore[valid-type]
) -> Response:
    """Revoke one of the owner's tokens; it stops working at once (this one too)."""
    accounts.revoke_api_token(db, owner=principal.user, token_id=token_id)
    return Response(status_code=204)


# -- matching ---------------------------------------------------------------------------------

DECISION_ERRORS: dict[int | str, dict] = {
    409: {"model": ErrorBody, "description": "Someone else decided first: reload, decide again"},
}


def _proposal(db: DbSession, proposal_id: int) -> ProposalPublic:
    rows = web_queries.proposal_rows(db, [matching.get_proposal_or_raise(db, proposal_id)])
    return ProposalPublic.model_validate(rows[0])


@router.get("/match-runs", response_model=list[MatchRunPublic])
def list_match_runs(
    db: DbSession,
    principal: _as(P.view_matching),  # type: ignore[valid-type]
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> list[MatchRunPublic]:
    """Match runs, newest first: when, by whom, solver and status."""
    return [MatchRunPublic.model_validate(r) for r in web_queries.list_match_runs(db, limit=limit)]


@router.get("/match-runs/{run_id}", response_model=MatchRunDetailPublic)
def get_match_run(
    run_id: Annotated[int, Path(ge=1, le=ID_MAX)],
    db: DbSession,
    principal: _as(P.view_matching),  # type: ignore[valid-type]
) -> MatchRunDetailPublic:
    """One match run with its summary (counts, timings, unmet need), the young people left
    unmatched and why, and the alternatives per vacancy."""
    run = web_queries.get_match_run_or_raise(db, run_id)
    return MatchRunDetailPublic(
        **MatchRunPublic.model_validate(run).model_dump(), **matching.run_details(run)
    )


@router.get("/proposals", response_model=list[ProposalPublic])
def list_proposals(
    db: DbSession,
    principal: _as(P.view_matching),  # type: ignore[valid-type]
    match_run_id: Annotated[int | None, Query(ge=1, le=ID_MAX)] = None,
) -> list[ProposalPublic]:
    """The proposals of a match run (the latest if none is given), by stage."""
    proposals = matching.list_proposals(db, match_run_id=match_run_id)
    return [ProposalPublic.model_validate(r) for r in web_queries.proposal_rows(db, proposals)]


@router.get("/proposals/{proposal_id}", response_model=ProposalPublic)
def get_proposal(
    proposal_id: Annotated[int, Path(ge=1, le=ID_MAX)],
    db: DbSession,
    principal: _as(P.view_matching),  # type: ignore[valid-type]
) -> ProposalPublic:
    """One proposal: young person, vacancy, score components, reasons, status, version."""
    return _proposal(db, proposal_id)


@router.post(
    "/proposals/{proposal_id}/accept", response_model=PlacementPublic, responses=DECISION_ERRORS
)
def accept_proposal(
    proposal_id: Annotated[int, Path(ge=1, le=ID_MAX)],
    body: AcceptRequest,
    db: DbSession,
    principal: _as(P.decide_proposals),  # type: ignore[valid-type]
) -> PlacementPublic:
    """Accept a proposal (compare-and-set on its version and on the vacancy being open): the
    young person's current stay ends on ``start`` and the new stay begins; audited."""
    placement = matching.accept_proposal(
        db,
        proposal_id=proposal_id,
        expected_version=body.expected_version,
        actor=principal.user.username,
        start=body.start,
    )
    return PlacementPublic.model_validate(placement)


@router.post(
    "/proposals/{proposal_id}/decline", response_model=ProposalPublic, responses=DECISION_ERRORS
)
def decline_proposal(
    proposal_id: Annotated[int, Path(ge=1, le=ID_MAX)],
    body: DeclineRequest,
    db: DbSession,
    principal: _as(P.decide_proposals),  # type: ignore[valid-type]
) -> ProposalPublic:
    """Decline a proposal with a reason code (compare-and-set on its version); audited."""
    matching.get_proposal_or_raise(db, proposal_id)
    matching.decline_proposal(
        db,
        proposal_id=proposal_id,
        expected_version=body.expected_version,
        actor=principal.user.username,
        reason=body.reason.value,
        note=body.note,
    )
    return _proposal(db, proposal_id)


# -- escalations ------------------------------------------------------------------------------


def _escalation(db: DbSession, principal: Principal, escalation_id: int) -> EscalationPublic:
    view = web_queries.get_escalation_or_raise(
        db, viewer=principal.user, escalation_id=escalation_id
    )
    fields = {k: v for k, v in vars(view).items() if k not in ("item", "history")}
    return EscalationPublic(
        **fields,
        supervision_overdue=bool(view.item and view.item.supervision_overdue),
        history=[EscalationActionPublic.model_validate(a) for a in view.history],
    )


@router.get("/escalations", response_model=list[EscalationQueuePublic])
def list_escalations(
    db: DbSession,
    principal: _as(P.view_escalations),  # type: ignore[valid-type]
) -> list[EscalationQueuePublic]:
    """Open escalations, most urgent first (a personal adviser: their own young people's)."""
    items = web_queries.escalation_queue(db, viewer=principal.user)
    return [EscalationQueuePublic.model_validate(i) for i in items]


@router.get("/escalations/{escalation_id}", response_model=EscalationPublic)
def get_escalation(
    escalation_id: Annotated[int, Path(ge=1, le=ID_MAX)],
    db: DbSession,
    principal: _as(P.view_escalations),  # type: ignore[valid-type]
) -> EscalationPublic:
    """One escalation, open or closed, with its history (scoped like the queue)."""
    return _escalation(db, principal, escalation_id)


@router.post(
    "/escalations/{escalation_id}/actions",
    response_model=EscalationPublic,
    responses=DECISION_ERRORS,
)
def record_escalation_action(
    escalation_id: Annotated[int, Path(ge=1, le=ID_MAX)],
    body: EscalationActionRequest,
    db: DbSession,
    principal: _as(P.manage_escalations),  # type: ignore[valid-type]
) -> EscalationPublic:
    """Record supervision, an exit plan (``target`` required), an updated pathway plan or a
    note, as a compare-and-set on the escalation's version; 409 if it changed or closed."""
    web_queries.get_escalation_or_raise(db, viewer=principal.user, escalation_id=escalation_id)
    try:
        escalations.record_action(
            db,
            escalation_id=escalation_id,
            expected_version=body.expected_version,
            kind=body.kind,
            on=body.on,
            actor=principal.user.username,
            note=body.note,
            target=body.target,
        )
    except PlannerError as exc:
        if exc.status_code != 400:
            raise
        # the service refuses a future date or a missing target with a plain 400
        raise InvalidInput(exc.message) from exc
    return _escalation(db, principal, escalation_id)
