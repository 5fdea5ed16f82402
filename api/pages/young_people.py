"""The young people list and one young person's record (views are audited)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from api.deps import (
    ID_MAX,
    TEXT,
    DbSession,
    Principal,
    allowed,
)
from api.listing import Listing, read_list
from api.pages.records import DONE
from api.templating import render
from planner.core import clock
from planner.core.errors import InvalidInput
from planner.domain import ACTIVITY_CODES, IN_TOUCH_CODES, PlacementType, Role
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
    show: Annotated[str, Query(pattern=r"^(|all|suitable|unsuitable)$")] = "",
    reference: Annotated[str, Query(max_length=40, pattern=TEXT)] = "",
    adviser: Annotated[str, Query(max_length=80, pattern=TEXT)] = "",
    area: Annotated[str, Query(max_length=80, pattern=TEXT)] = "",
    placement_type: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    """The young people the viewer may see, searched by reference and filtered by adviser,
    area, placement type and suitability (a GET form, so a filtered list can be linked),
    sorted by any column and paged (api/listing.py)."""
    show = show or ("unsuitable" if unsuitable else "all")
    if placement_type and placement_type not in PlacementType.__members__:
        raise InvalidInput("Choose a placement type from the list.")
    own = principal.user.role == Role.personal_adviser
    params = read_list(request, young_people.YOUNG_PEOPLE_SORTS, "reference")
    result = young_people.list_young_people(
        db,
        viewer=principal.user,
        sort=params,
        search=reference,
        adviser="" if own else adviser,
        area=area,
        placement_type=placement_type,
        suitable={"suitable": True, "unsuitable": False}.get(show),
    )
    advisers, areas = young_people.list_filters(db, viewer=principal.user)
    query = {
        "show": show,
        "reference": reference,
        "adviser": adviser,
        "area": area,
        "placement_type": placement_type,
    }
    return render(
        request,
        "young_people.html",
        {
            "title": "Your young people" if own else "Young people",
            "result": Listing("/young-people", params, result, query),
            "q": query,
            "advisers": [] if own else advisers,
            "areas": areas,
            "types": list(PlacementType),
            "done": DONE.get(request.query_params.get("done", ""), ""),
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
            "contact_codes": {"in_touch": IN_TOUCH_CODES, "activity": ACTIVITY_CODES},
            "can_manage": allows(role, P.manage_inventory),
            "today": clock.today(),  # an expected end already passed is pointed out
        },
    )
