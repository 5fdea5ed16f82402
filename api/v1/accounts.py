"""The JSON API: who the token's owner is, their tokens and the audit trail."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from api.deps import ID_MAX, TEXT, DbSession, Principal, api_allowed
from api.errors import API_ERRORS, ErrorBody
from api.schemas import (
    ApiTokenPublic,
    AuditPagePublic,
    MePublic,
)
from planner.accounts import service as accounts
from planner.accounts import users
from planner.domain.permissions import MATRIX
from planner.domain.permissions import Permission as P
from planner.young_people import scope as scope

router = APIRouter(prefix="/api/v1", tags=["accounts"], responses=API_ERRORS)


@router.get("/me", response_model=MePublic)
def me(principal: Annotated[Principal, api_allowed(P.use_service)]) -> MePublic:
    """The token's owner, their role and what it allows."""
    user = principal.user
    return MePublic(
        username=user.username,
        display_name=user.display_name,
        role=str(user.role),
        permissions=sorted(str(p) for p in MATRIX[user.role]),
    )


CREATE_ERRORS: dict[int | str, dict] = {
    409: {"model": ErrorBody, "description": "The name is taken (or is a catalogue scenario)"},
}


@router.get("/audit-events", response_model=AuditPagePublic)
def search_audit_events(
    db: DbSession,
    principal: Annotated[Principal, api_allowed(P.view_audit)],
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
def list_tokens(
    db: DbSession, principal: Annotated[Principal, api_allowed(P.use_service)]
) -> list[ApiTokenPublic]:
    """The token owner's API tokens (never the tokens themselves)."""
    return [
        ApiTokenPublic.model_validate(t) for t in accounts.list_api_tokens(db, owner=principal.user)
    ]


@router.delete("/tokens/{token_id}", status_code=204, response_class=Response)
def revoke_token(
    token_id: Annotated[int, Path(ge=1, le=ID_MAX)],
    db: DbSession,
    principal: Annotated[Principal, api_allowed(P.use_service)],
) -> Response:
    """Revoke one of the owner's tokens; it stops working at once (this one too)."""
    accounts.revoke_api_token(db, owner=principal.user, token_id=token_id)
    return Response(status_code=204)


# -- matching ---------------------------------------------------------------------------------

DECISION_ERRORS: dict[int | str, dict] = {
    409: {"model": ErrorBody, "description": "Someone else decided first: reload, decide again"},
}
