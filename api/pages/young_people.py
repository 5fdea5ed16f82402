"""The young people list and one young person's record (views are audited)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from api.deps import (
    ID_MAX,
    DbSession,
    Principal,
    allowed,
)
from api.pages.records import DONE
from api.templating import render
from planner.domain import Role
from planner.domain.permissions import Permission as P
from planner.domain.permissions import allows
from planner.young_people import queries as young_people

router = APIRouter(include_in_schema=False)


# -- young people ------------------------------------------------------------------------------


@router.get("/young-people")
def young_people_list(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.view_young_people)],
    unsuitable: Annotated[bool, Query()] = False,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    result = young_people.list_young_people(
        db, viewer=principal.user, unsuitable_only=unsuitable, page=page
    )
    own = principal.user.role == Role.personal_adviser
    return render(
        request,
        "young_people.html",
        {
            "title": "Your young people" if own else "Young people",
            "result": result,
            "unsuitable": unsuitable,
        },
    )


@router.get("/young-people/{young_person_id}")
def young_person(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.view_young_people)],
    young_person_id: Annotated[int, Path(ge=1, le=ID_MAX)],
) -> Response:

    record = young_people.get_record(db, viewer=principal.user, young_person_id=young_person_id)
    role = principal.user.role
    return render(
        request,
        "young_person.html",
        {
            "title": f"Young person {record.reference}",
            "r": record,
            "done": DONE.get(request.query_params.get("done", ""), ""),
            "can_move": allows(role, P.record_moves),
            "can_edit": allows(role, P.edit_young_people),
        },
    )
