"""A young person's best places now: their top five open vacancies with reasons, or, if
none, the rules that rule out every place and the nearest misses (places failing one rule
only, grouped by the rule). Everything is read from :mod:`planner.matching.candidates`,
the one home of candidates and best places; this page only draws it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from api.deps import ID_MAX, DbSession, Principal, allowed
from api.templating import render
from planner.core import clock
from planner.domain.permissions import Permission as P
from planner.domain.permissions import allows
from planner.matching import candidates

router = APIRouter(include_in_schema=False)


@router.get("/young-people/{young_person_id}/best-places")
def best_places(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.view_young_people)],
    young_person_id: Annotated[int, Path(ge=1, le=ID_MAX)],
) -> Response:
    """Within the viewer's record scope (404 outside it, as the record page)."""
    best = candidates.best_places(db, viewer=principal.user, young_person_id=young_person_id)
    today = clock.today()
    return render(
        request,
        "best_places.html",
        {
            "title": f"Best places now for {best.reference}",
            "b": best,
            "free": {p.vacancy_id: candidates.free_words(p.free_from, today) for p in best.places},
            "can_propose": allows(principal.user.role, P.decide_proposals),
        },
    )
