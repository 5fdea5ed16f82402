"""Where a young person lives on a day: one rule for the record, the lists and their
filters, the match run's people and the fairness audit.

They live in the area of the stay current on that day (:func:`planner.domain.stays.current_on`):
the area recorded on the stay, else the area of its place's provision. Only someone with no
stay current that day (none recorded yet, or a stay ended with nowhere next), or whose
current stay has no area (sofa surfing recorded without one), falls back to the area kept on
their record, ``YoungPerson.area``: their home area, set at import, on the details form or
through the API, and never by a move.

So a move planned for a later day changes nothing anyone reads until its day, and on its day
it changes everything at once, with nothing written then. (Found by a walk through frozen
days: a move agreed for next month set the record's area on the day it was agreed, so the
record page said "Lives in Cold Ridge" and the match run measured travel from Cold Ridge
while the young person was still in a B&B in Ashgill; the lists, which read the stay,
disagreed with the record.)

The rule is written twice, in forms that must agree (``tests/young_people/test_lives_in.py``):
:func:`area_of` for rows already in hand, and :func:`lives_in` / :data:`LIVES_IN` in SQL for
a list or a whole frame at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from planner.domain.stays import current_on
from planner.models import Place, Provision, Stay, YoungPerson


def area_of(stay_area: str | None, provision_area: str | None, home_area: str) -> str:
    """Where someone lives, from their current stay's own area, its provision's area (both
    empty or None when there is no current stay) and the home area on their record."""
    return stay_area or provision_area or home_area or ""


# :func:`area_of` in SQL, for a query built by :func:`join_current_stay` (an empty area is
# no area, as in Python; the home area is never NULL)
LIVES_IN: sa.ColumnElement[Any] = sa.func.coalesce(
    sa.func.nullif(col(Stay.area), ""),
    sa.func.nullif(col(Provision.area), ""),
    col(YoungPerson.area),
)


def join_current_stay(query: Any, day: date, *, outer: bool = True) -> Any:
    """``query`` (selecting from :class:`YoungPerson`) joined to the stay current on ``day``
    (outer unless ``outer`` is False: only people with one) and its place and provision
    (outer: a stay need not be in a place), so :data:`LIVES_IN` can be read."""
    current = sa.and_(col(Stay.young_person_id) == YoungPerson.id, current_on(Stay, day))
    return (
        query.select_from(YoungPerson)
        .join(Stay, current, isouter=outer)
        .join(Place, col(Place.id) == Stay.place_id, isouter=True)
        .join(Provision, col(Provision.id) == Place.provision_id, isouter=True)
    )


def lives_in(
    session: Session, day: date, young_person_ids: Iterable[int] | None = None
) -> dict[int, str]:
    """The area each young person (all of them, or those of ``young_person_ids``) lives in
    on ``day``, by id, in one query."""
    query = join_current_stay(select(YoungPerson.id, LIVES_IN), day)
    if young_person_ids is not None:
        query = query.where(col(YoungPerson.id).in_(list(young_person_ids)))
    return {person: area or "" for person, area in session.exec(query).all()}
