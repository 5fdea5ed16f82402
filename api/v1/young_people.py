"""The JSON API: young people's records, within the owner's scope (views are audited), and
keeping them: moves, ended stays, leaving, planned moves cancelled or re-dated, details."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.deps import ID_MAX, DbSession, Principal, api_allowed
from api.errors import API_ERRORS, CHANGE_ERRORS
from api.schemas import (
    ChangePublic,
    EndStayRequest,
    LeaveRequest,
    MoveChangeRequest,
    MoveRequest,
    RedateRequest,
    YoungPeoplePagePublic,
    YoungPersonEditRequest,
    YoungPersonRecordPublic,
)
from planner.domain.permissions import Permission as P
from planner.young_people import queries as young_people
from planner.young_people import scope as scope
from planner.young_people import service as young_people_service

router = APIRouter(prefix="/api/v1", tags=["young people"], responses=API_ERRORS)


@router.get("/young-people", response_model=YoungPeoplePagePublic)
def list_young_people(
    db: DbSession,
    principal: Annotated[Principal, api_allowed(P.view_young_people)],
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
    principal: Annotated[Principal, api_allowed(P.view_young_people)],
) -> YoungPersonRecordPublic:
    """One young person's record; the view is written to the audit trail."""
    record = young_people.get_record(db, viewer=principal.user, young_person_id=young_person_id)
    return YoungPersonRecordPublic.model_validate(record)


# -- keeping the records: each a compare-and-set on the young person's version -------------------


def _change(change: young_people_service.Change) -> ChangePublic:
    return ChangePublic.model_validate(change)


@router.patch(
    "/young-people/{young_person_id}", response_model=ChangePublic, responses=CHANGE_ERRORS
)
def edit_young_person(
    young_person_id: Annotated[int, Path(ge=1, le=ID_MAX)],
    body: YoungPersonEditRequest,
    db: DbSession,
    principal: Annotated[Principal, api_allowed(P.edit_young_people)],
) -> ChangePublic:
    """Change a young person's details (only the fields sent); a personal adviser, only
    their own young people's (anyone else's is 404). 422 names the field; 409 if stale."""
    changes = body.model_dump(exclude_unset=True, exclude={"expected_version"})
    return _change(
        young_people_service.edit_details(
            db,
            young_person_id=young_person_id,
            expected_version=body.expected_version,
            changes=changes,
            viewer=principal.user,
        )
    )


@router.post(
    "/young-people/{young_person_id}/moves", response_model=ChangePublic, responses=CHANGE_ERRORS
)
def record_move(
    young_person_id: Annotated[int, Path(ge=1, le=ID_MAX)],
    body: MoveRequest,
    db: DbSession,
    principal: Annotated[Principal, api_allowed(P.record_moves)],
) -> ChangePublic:
    """Record a move to a new stay of any placement type (or into a place, filling its
    vacancy); the current stay ends that day. A move after today is a planned move."""
    return _change(
        young_people_service.record_move(
            db,
            young_person_id=young_person_id,
            expected_version=body.expected_version,
            start=body.start,
            placement_type_code=body.placement_type,
            place_id=body.place_id,
            suitable=body.suitable,
            expected_end=body.expected_end,
            area=body.area,
            viewer=principal.user,
        )
    )


@router.post(
    "/young-people/{young_person_id}/planned-move/cancel",
    response_model=ChangePublic,
    responses=CHANGE_ERRORS,
)
def cancel_move(
    young_person_id: Annotated[int, Path(ge=1, le=ID_MAX)],
    body: MoveChangeRequest,
    db: DbSession,
    principal: Annotated[Principal, api_allowed(P.record_moves)],
) -> ChangePublic:
    """Cancel the planned move: the stay they are in is open-ended again and the vacancy
    it filled reopens (an accepted proposal for it is marked cancelled)."""
    return _change(
        young_people_service.cancel_move(
            db,
            young_person_id=young_person_id,
            expected_version=body.expected_version,
            reason=body.reason,
            viewer=principal.user,
        )
    )


@router.post(
    "/young-people/{young_person_id}/planned-move/redate",
    response_model=ChangePublic,
    responses=CHANGE_ERRORS,
)
def redate_move(
    young_person_id: Annotated[int, Path(ge=1, le=ID_MAX)],
    body: RedateRequest,
    db: DbSession,
    principal: Annotated[Principal, api_allowed(P.record_moves)],
) -> ChangePublic:
    """Move the day of the planned move (and the end of the stay it replaces)."""
    return _change(
        young_people_service.redate_move(
            db,
            young_person_id=young_person_id,
            expected_version=body.expected_version,
            start=body.start,
            reason=body.reason,
            viewer=principal.user,
        )
    )


@router.post(
    "/young-people/{young_person_id}/end-stay",
    response_model=ChangePublic,
    responses=CHANGE_ERRORS,
)
def end_stay(
    young_person_id: Annotated[int, Path(ge=1, le=ID_MAX)],
    body: EndStayRequest,
    db: DbSession,
    principal: Annotated[Principal, api_allowed(P.record_moves)],
) -> ChangePublic:
    """End the current stay on a day, for a reason (where they went is not yet known)."""
    return _change(
        young_people_service.end_stay(
            db,
            young_person_id=young_person_id,
            expected_version=body.expected_version,
            on=body.on,
            reason=body.reason,
            viewer=principal.user,
        )
    )


@router.post(
    "/young-people/{young_person_id}/leave", response_model=ChangePublic, responses=CHANGE_ERRORS
)
def leave_service(
    young_person_id: Annotated[int, Path(ge=1, le=ID_MAX)],
    body: LeaveRequest,
    db: DbSession,
    principal: Annotated[Principal, api_allowed(P.record_moves)],
) -> ChangePublic:
    """Record that the young person left the service: the current stay ends, open
    proposals are withdrawn, an open escalation closes."""
    return _change(
        young_people_service.leave_service(
            db,
            young_person_id=young_person_id,
            expected_version=body.expected_version,
            on=body.on,
            reason=body.reason,
            viewer=principal.user,
        )
    )
