"""The start page, the overview and the accessibility statement."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from starlette.responses import Response

from api.deps import (
    DbSession,
    Principal,
    allowed,
)
from api.templating import render
from planner.accounts import service as accounts
from planner.domain.permissions import Permission as P
from planner.domain.permissions import allows
from planner.escalations import queries as escalations
from planner.inventory import queries as inventory
from planner.matching import service as matching
from planner.young_people import queries as young_people

router = APIRouter(include_in_schema=False)


@router.get("/accessibility")
def accessibility(request: Request) -> Response:
    return render(request, "accessibility.html", {"title": "Accessibility statement"})


# -- home and overview -------------------------------------------------------------------------


@router.get("/")
def home(
    request: Request, db: DbSession, principal: Annotated[Principal, allowed(P.use_service)]
) -> Response:
    """A home page per role: the figures and links that role's work starts from."""
    user = principal.user
    figures: dict[str, int] = {}
    if allows(user.role, P.view_young_people):
        figures["young_people"] = young_people.list_young_people(db, viewer=user, per_page=1).total
        figures["unsuitable"] = young_people.list_young_people(
            db, viewer=user, unsuitable_only=True, per_page=1
        ).total
    if allows(user.role, P.view_vacancies):
        figures["vacancies"] = len(inventory.list_vacancies(db, viewer=user))
    if allows(user.role, P.view_overview):
        figures["in_unsuitable_all"] = inventory.overview(db, viewer=user).figures["unsuitable"]
    if allows(user.role, P.decide_proposals):
        figures["undecided"] = matching.undecided_proposals(db)
    if allows(user.role, P.manage_escalations):
        to_do = escalations.to_do(db, viewer=user)
        figures["escalations"] = to_do.open
        figures["supervision_overdue"] = to_do.supervision_overdue
        figures["no_exit_plan"] = to_do.no_exit_plan
        figures["exit_plan_overdue"] = to_do.exit_plan_overdue
    if allows(user.role, P.manage_users):
        figures["users"] = len(accounts.list_users(db))
    return render(request, "home.html", {"title": "Home", "figures": figures, "role": user.role})


@router.get("/overview")
def overview(
    request: Request, db: DbSession, principal: Annotated[Principal, allowed(P.view_overview)]
) -> Response:
    summary = inventory.overview(db, viewer=principal.user)
    return render(
        request,
        "overview.html",
        {
            "title": "Overview",
            "summary": summary,
            # who they are is for the roles that record moves (they put it right)
            "can_move": allows(principal.user.role, P.record_moves),
        },
    )
