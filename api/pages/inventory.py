"""The inventory pages: vacancies and provisions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from api.deps import (
    DbSession,
    Principal,
    allowed,
)
from api.templating import render
from planner.core import clock
from planner.core.errors import InvalidInput
from planner.domain import PlacementType
from planner.domain.permissions import Permission as P
from planner.inventory import queries as inventory

router = APIRouter(include_in_schema=False)


# -- inventory ---------------------------------------------------------------------------------


def _placement_type(value: str) -> str | None:
    if not value:
        return None
    if value not in PlacementType.__members__:
        raise InvalidInput("Choose a placement type from the list.")
    return value


@router.get("/vacancies")
def vacancies(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.view_vacancies)],
    placement_type: Annotated[str, Query(max_length=40)] = "",
    area: Annotated[str, Query(max_length=80)] = "",
) -> Response:
    kind = _placement_type(placement_type)
    rows = inventory.list_vacancies(db, viewer=principal.user, placement_type=kind, area=area)
    return render(
        request,
        "vacancies.html",
        {
            "title": "Vacancies",
            "rows": rows,
            "placement_type": placement_type,
            "area": area,
            "areas": inventory.areas(db, viewer=principal.user),
            "types": [t for t in PlacementType if t.allocatable],
            "today": clock.today(),
        },
    )


@router.get("/provisions")
def provisions(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.view_provisions)],
    placement_type: Annotated[str, Query(max_length=40)] = "",
) -> Response:

    kind = _placement_type(placement_type)
    rows = inventory.list_provisions(db, viewer=principal.user, placement_type=kind)
    return render(
        request,
        "provisions.html",
        {
            "title": "Provisions",
            "rows": rows,
            "placement_type": placement_type,
            "types": [t for t in PlacementType if t.allocatable],
        },
    )
