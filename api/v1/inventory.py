"""The JSON API: today's overview, provisions and vacancies."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import TEXT, DbSession, Principal, api_allowed
from api.errors import API_ERRORS
from api.schemas import (
    OverviewPublic,
    PlacementCount,
    ProvisionPublic,
    VacancyCount,
    VacancyPublic,
)
from planner.domain import PlacementType
from planner.domain.permissions import Permission as P
from planner.inventory import queries as inventory
from planner.young_people import scope as scope

router = APIRouter(prefix="/api/v1", tags=["inventory"], responses=API_ERRORS)


@router.get("/overview", response_model=OverviewPublic)
def overview(
    db: DbSession, principal: Annotated[Principal, api_allowed(P.view_overview)]
) -> OverviewPublic:
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


@router.get("/provisions", response_model=list[ProvisionPublic])
def list_provisions(
    db: DbSession,
    principal: Annotated[Principal, api_allowed(P.view_provisions)],
    placement_type: PlacementType | None = None,
) -> list[ProvisionPublic]:
    """Provisions with their places, occupancy and open vacancies."""
    rows = inventory.list_provisions(db, viewer=principal.user, placement_type=placement_type)
    return [ProvisionPublic.model_validate(r) for r in rows]


@router.get("/vacancies", response_model=list[VacancyPublic])
def list_vacancies(
    db: DbSession,
    principal: Annotated[Principal, api_allowed(P.view_vacancies)],
    placement_type: PlacementType | None = None,
    area: Annotated[str | None, Query(max_length=80, pattern=TEXT)] = None,
) -> list[VacancyPublic]:
    """Open vacancies, soonest first."""
    rows = inventory.list_vacancies(
        db, viewer=principal.user, placement_type=placement_type, area=area
    )
    return [VacancyPublic.model_validate(r) for r in rows]
