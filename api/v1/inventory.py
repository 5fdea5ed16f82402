"""The JSON API: today's overview, provisions and vacancies, and keeping them: vacancies
declared, held, withdrawn, reopened; provisions and places added and closed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.deps import ID_MAX, TEXT, DbSession, Principal, api_allowed
from api.errors import API_ERRORS, CHANGE_ERRORS
from api.schemas import (
    CloseRequest,
    HoldRequest,
    NoticeRequest,
    OverviewPublic,
    PlaceCreateRequest,
    PlacementCount,
    PlacePublic,
    ProvisionCreateRequest,
    ProvisionPublic,
    ReopenRequest,
    SavedPublic,
    VacancyCount,
    VacancyDeclareRequest,
    VacancyPublic,
    WithdrawRequest,
)
from planner.domain import PlacementType
from planner.domain.permissions import Permission as P
from planner.inventory import queries as inventory
from planner.inventory import service as inventory_service
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


@router.get("/provisions/{provision_id}/places", response_model=list[PlacePublic])
def list_places(
    provision_id: Annotated[int, Path(ge=1, le=ID_MAX)],
    db: DbSession,
    principal: Annotated[Principal, api_allowed(P.view_provisions)],
) -> list[PlacePublic]:
    """The places of one provision: occupied or held (yes or no, never by whom), the open
    vacancy, and the version a change (close) sends back."""
    rows = inventory.list_places(db, viewer=principal.user, provision_id=provision_id)
    return [PlacePublic.model_validate(r) for r in rows]


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


# -- keeping the inventory: each change a compare-and-set on the record's version ---------------


def _saved(saved: inventory_service.Saved) -> SavedPublic:
    return SavedPublic.model_validate(saved)


@router.post("/vacancies", response_model=SavedPublic, status_code=201)
def declare_vacancy(
    body: VacancyDeclareRequest,
    db: DbSession,
    principal: Annotated[Principal, api_allowed(P.manage_inventory)],
) -> SavedPublic:
    """Declare a place free from a date (refused if it has an open vacancy or someone
    lives there that day)."""
    return _saved(
        inventory_service.declare_vacancy(
            db,
            place_id=body.place_id,
            available_from=body.available_from,
            viewer=principal.user,
        )
    )


@router.post(
    "/stays/{stay_id}/notice", response_model=SavedPublic, status_code=201, responses=CHANGE_ERRORS
)
def declare_from_notice(
    stay_id: Annotated[int, Path(ge=1, le=ID_MAX)],
    body: NoticeRequest,
    db: DbSession,
    principal: Annotated[Principal, api_allowed(P.manage_inventory)],
) -> SavedPublic:
    """A stay in a place has notice to end after ``last_day``: the stay ends then and the
    place is declared free the day after (compare-and-set on the stay's version)."""
    return _saved(
        inventory_service.declare_from_notice(
            db,
            stay_id=stay_id,
            expected_version=body.expected_version,
            last_day=body.last_day,
            viewer=principal.user,
        )
    )


@router.post("/vacancies/{vacancy_id}/hold", response_model=SavedPublic, responses=CHANGE_ERRORS)
def hold_vacancy(
    vacancy_id: Annotated[int, Path(ge=1, le=ID_MAX)],
    body: HoldRequest,
    db: DbSession,
    principal: Annotated[Principal, api_allowed(P.manage_inventory)],
) -> SavedPublic:
    """Hold an open vacancy for one young person (or release it: no young person)."""
    return _saved(
        inventory_service.hold_vacancy(
            db,
            vacancy_id=vacancy_id,
            expected_version=body.expected_version,
            young_person_id=body.young_person_id,
            viewer=principal.user,
        )
    )


@router.post(
    "/vacancies/{vacancy_id}/withdraw", response_model=SavedPublic, responses=CHANGE_ERRORS
)
def withdraw_vacancy(
    vacancy_id: Annotated[int, Path(ge=1, le=ID_MAX)],
    body: WithdrawRequest,
    db: DbSession,
    principal: Annotated[Principal, api_allowed(P.manage_inventory)],
) -> SavedPublic:
    """Withdraw an open vacancy, for a reason; its undecided proposals are withdrawn."""
    return _saved(
        inventory_service.withdraw_vacancy(
            db,
            vacancy_id=vacancy_id,
            expected_version=body.expected_version,
            reason=body.reason,
            viewer=principal.user,
        )
    )


@router.post("/vacancies/{vacancy_id}/reopen", response_model=SavedPublic, responses=CHANGE_ERRORS)
def reopen_vacancy(
    vacancy_id: Annotated[int, Path(ge=1, le=ID_MAX)],
    body: ReopenRequest,
    db: DbSession,
    principal: Annotated[Principal, api_allowed(P.manage_inventory)],
) -> SavedPublic:
    """Reopen a withdrawn vacancy (from a new date if given)."""
    return _saved(
        inventory_service.reopen_vacancy(
            db,
            vacancy_id=vacancy_id,
            expected_version=body.expected_version,
            available_from=body.available_from,
            viewer=principal.user,
        )
    )


@router.post("/provisions", response_model=SavedPublic, status_code=201)
def add_provision(
    body: ProvisionCreateRequest,
    db: DbSession,
    principal: Annotated[Principal, api_allowed(P.manage_inventory)],
) -> SavedPublic:
    """Add a provision with its rules (422 names the field, e.g. a reference in use)."""
    details = body.model_dump(exclude={"reference", "name", "placement_type"})
    details["weekly_cost"] = str(details["weekly_cost"])
    return _saved(
        inventory_service.add_provision(
            db,
            reference=body.reference,
            name=body.name,
            placement_type=body.placement_type,
            details=details,
            viewer=principal.user,
        )
    )


@router.post(
    "/provisions/{provision_id}/close", response_model=SavedPublic, responses=CHANGE_ERRORS
)
def close_provision(
    provision_id: Annotated[int, Path(ge=1, le=ID_MAX)],
    body: CloseRequest,
    db: DbSession,
    principal: Annotated[Principal, api_allowed(P.manage_inventory)],
) -> SavedPublic:
    """Close a provision from a date: refused while anyone lives in it then."""
    return _saved(
        inventory_service.close_provision(
            db,
            provision_id=provision_id,
            expected_version=body.expected_version,
            closes_on=body.closes_on,
            reason=body.reason,
            viewer=principal.user,
        )
    )


@router.post("/places", response_model=SavedPublic, status_code=201)
def add_place(
    body: PlaceCreateRequest,
    db: DbSession,
    principal: Annotated[Principal, api_allowed(P.manage_inventory)],
) -> SavedPublic:
    """Add a place to a provision (a host joins), with an open vacancy unless ``vacant``
    is false."""
    return _saved(
        inventory_service.add_place(
            db,
            provision_id=body.provision_id,
            reference=body.reference,
            label=body.label,
            opens_on=body.opens_on,
            vacant=body.vacant,
            viewer=principal.user,
        )
    )


@router.post("/places/{place_id}/close", response_model=SavedPublic, responses=CHANGE_ERRORS)
def close_place(
    place_id: Annotated[int, Path(ge=1, le=ID_MAX)],
    body: CloseRequest,
    db: DbSession,
    principal: Annotated[Principal, api_allowed(P.manage_inventory)],
) -> SavedPublic:
    """Close a place from a date (a host leaves): refused while someone lives there then."""
    return _saved(
        inventory_service.close_place(
            db,
            place_id=place_id,
            expected_version=body.expected_version,
            closes_on=body.closes_on,
            reason=body.reason,
            viewer=principal.user,
        )
    )
