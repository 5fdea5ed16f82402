"""The JSON API: match runs, proposals and the decisions about them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.deps import ID_MAX, DbSession, Principal, api_allowed
from api.errors import API_ERRORS
from api.schemas import (
    AcceptRequest,
    DeclineRequest,
    ExclusionPublic,
    LiftExclusionRequest,
    MatchRunDetailPublic,
    MatchRunPublic,
    PlacementPublic,
    ProposalPublic,
)
from api.v1.accounts import DECISION_ERRORS
from planner.domain.permissions import Permission as P
from planner.matching import queries as matching_queries
from planner.matching import service as matching
from planner.young_people import scope as scope

router = APIRouter(prefix="/api/v1", tags=["matching"], responses=API_ERRORS)


def _proposal(db: DbSession, proposal_id: int) -> ProposalPublic:
    rows = matching_queries.proposal_rows(db, [matching.get_proposal_or_raise(db, proposal_id)])
    return ProposalPublic.model_validate(rows[0])


@router.get("/match-runs", response_model=list[MatchRunPublic])
def list_match_runs(
    db: DbSession,
    principal: Annotated[Principal, api_allowed(P.view_matching)],
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> list[MatchRunPublic]:
    """Match runs, newest first: when, by whom, solver and status."""
    return [
        MatchRunPublic.model_validate(r) for r in matching_queries.list_match_runs(db, limit=limit)
    ]


@router.get("/match-runs/{run_id}", response_model=MatchRunDetailPublic)
def get_match_run(
    run_id: Annotated[int, Path(ge=1, le=ID_MAX)],
    db: DbSession,
    principal: Annotated[Principal, api_allowed(P.view_matching)],
) -> MatchRunDetailPublic:
    """One match run with its summary (counts, timings, unmet need), the young people left
    unmatched and why, and the alternatives per vacancy."""
    run = matching_queries.get_match_run_or_raise(db, run_id)
    return MatchRunDetailPublic(
        **MatchRunPublic.model_validate(run).model_dump(), **matching.run_details(run)
    )


@router.get("/proposals", response_model=list[ProposalPublic])
def list_proposals(
    db: DbSession,
    principal: Annotated[Principal, api_allowed(P.view_matching)],
    match_run_id: Annotated[int | None, Query(ge=1, le=ID_MAX)] = None,
) -> list[ProposalPublic]:
    """The proposals of a match run (the latest if none is given), by stage."""
    proposals = matching.list_proposals(db, match_run_id=match_run_id)
    return [ProposalPublic.model_validate(r) for r in matching_queries.proposal_rows(db, proposals)]


@router.get("/proposals/{proposal_id}", response_model=ProposalPublic)
def get_proposal(
    proposal_id: Annotated[int, Path(ge=1, le=ID_MAX)],
    db: DbSession,
    principal: Annotated[Principal, api_allowed(P.view_matching)],
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
    principal: Annotated[Principal, api_allowed(P.decide_proposals)],
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


@router.get("/exclusions", response_model=list[ExclusionPublic])
def list_exclusions(
    db: DbSession,
    principal: Annotated[Principal, api_allowed(P.view_matching)],
) -> list[ExclusionPublic]:
    """The declines that still keep a pair out of matching (or, with no vacancy, a young
    person withdrawn from it), oldest first, each worded like "declined by the provider on
    3 December 2026"."""
    return [ExclusionPublic.model_validate(e) for e in matching.current_exclusions(db)]


@router.post(
    "/proposals/{proposal_id}/lift-exclusion",
    response_model=ProposalPublic,
    responses=DECISION_ERRORS,
)
def lift_exclusion(
    proposal_id: Annotated[int, Path(ge=1, le=ID_MAX)],
    body: LiftExclusionRequest,
    db: DbSession,
    principal: Annotated[Principal, api_allowed(P.decide_proposals)],
) -> ProposalPublic:
    """Lift a remembered decline (the same permission as deciding): the pair, or the young
    person withdrawn, comes back in the next match run; audited `lift_exclusion`."""
    matching.lift_exclusion(db, proposal_id, principal.user.username, body.reason)
    return _proposal(db, proposal_id)


@router.post(
    "/proposals/{proposal_id}/decline", response_model=ProposalPublic, responses=DECISION_ERRORS
)
def decline_proposal(
    proposal_id: Annotated[int, Path(ge=1, le=ID_MAX)],
    body: DeclineRequest,
    db: DbSession,
    principal: Annotated[Principal, api_allowed(P.decide_proposals)],
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
