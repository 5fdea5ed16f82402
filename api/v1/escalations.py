"""The JSON API: the escalation queue and recording actions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from api.deps import ID_MAX, DbSession, Principal, api_allowed
from api.errors import API_ERRORS
from api.schemas import (
    EscalationActionPublic,
    EscalationActionRequest,
    EscalationPublic,
    EscalationQueuePublic,
)
from api.v1.accounts import DECISION_ERRORS
from planner.domain.permissions import Permission as P
from planner.escalations import queries as escalation_queries
from planner.escalations import service as escalations
from planner.young_people import scope as scope

router = APIRouter(prefix="/api/v1", tags=["escalations"], responses=API_ERRORS)


# -- escalations ------------------------------------------------------------------------------


def _escalation(db: DbSession, principal: Principal, escalation_id: int) -> EscalationPublic:
    view = escalation_queries.get_escalation_or_raise(
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
    principal: Annotated[Principal, api_allowed(P.view_escalations)],
) -> list[EscalationQueuePublic]:
    """Open escalations, most urgent first (a personal adviser: their own young people's)."""
    items = escalation_queries.escalation_queue(db, viewer=principal.user)
    return [EscalationQueuePublic.model_validate(i) for i in items]


@router.get("/escalations/{escalation_id}", response_model=EscalationPublic)
def get_escalation(
    escalation_id: Annotated[int, Path(ge=1, le=ID_MAX)],
    db: DbSession,
    principal: Annotated[Principal, api_allowed(P.view_escalations)],
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
    principal: Annotated[Principal, api_allowed(P.manage_escalations)],
) -> EscalationPublic:
    """Record supervision, an exit plan (``target`` required), an updated pathway plan or a
    note, as a compare-and-set on the escalation's version; 409 if it changed or closed."""
    escalation_queries.get_escalation_or_raise(
        db, viewer=principal.user, escalation_id=escalation_id
    )
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
    return _escalation(db, principal, escalation_id)
