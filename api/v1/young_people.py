"""The JSON API: young people's records, within the owner's scope (views are audited)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.deps import ID_MAX, DbSession, Principal, api_allowed
from api.errors import API_ERRORS
from api.schemas import (
    YoungPeoplePagePublic,
    YoungPersonRecordPublic,
)
from planner.domain.permissions import Permission as P
from planner.young_people import queries as young_people
from planner.young_people import scope as scope

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
