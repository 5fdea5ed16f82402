"""Which young people a viewer may see: the data-level half of least privilege, once.

Every read that names young people (the lists, a record, the escalation queue and one
escalation) filters through :func:`visible_young_people`, so a personal adviser's caseload
and a commissioner's "no named young person" cannot drift apart between features. The
scope itself is :func:`planner.domain.permissions.record_scope`; this module turns it into
the WHERE clause on ``YoungPerson``.

People who have left the service (``left_service_on`` today or earlier) are outside
*everyone's* default scope: no list shows them and opening one by id is a 404, as for any
record out of scope. Only a role with ``view_closed_records`` may open one, by asking for
it (``include_closed=True``), and the caller audits every such view as
``view_closed_record``.
"""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlmodel import col

from planner.core import clock
from planner.core.errors import Forbidden
from planner.domain.permissions import Permission, RecordScope, allows, record_scope
from planner.models import User, YoungPerson

Query = TypeVar("Query", bound=Any)


def in_service_on(today: date) -> sa.ColumnElement[bool]:
    """Young people who have not left the service by ``today`` (a leaving date still to
    come keeps them in)."""
    left = col(YoungPerson.left_service_on)
    return sa.or_(left.is_(None), left > today)


def may_view_closed(viewer: User) -> bool:
    """Whether ``viewer``'s role may open the record of someone who has left the service."""
    return allows(viewer.role, Permission.view_closed_records)


def scope_condition(
    viewer: User, *, include_closed: bool = False, today: date | None = None
) -> sa.ColumnElement[bool]:
    """The WHERE clause on ``YoungPerson`` for those ``viewer`` may see; :class:`Forbidden`
    for a role that sees no named young person.

    Only young people still in the service on ``today`` (the council's today by default),
    unless ``include_closed`` is asked for *and* the role has ``view_closed_records``."""
    scope = record_scope(viewer.role)
    if scope == RecordScope.all:
        who: sa.ColumnElement[bool] = sa.true()
    elif scope == RecordScope.own:
        who = YoungPerson.personal_adviser_id == viewer.id  # type: ignore[assignment]
    else:
        raise Forbidden()
    if include_closed and may_view_closed(viewer):
        return who
    return sa.and_(who, in_service_on(today or clock.today()))


def is_closed(person: YoungPerson, today: date | None = None) -> bool:
    """Whether ``person`` has left the service by ``today``."""
    left = person.left_service_on
    return left is not None and left <= (today or clock.today())


def visible_young_people(query: Query, viewer: User) -> Query:
    """``query`` (which selects from or joins ``YoungPerson``) narrowed to the young people
    ``viewer`` may see (never those who have left the service)."""
    return query.where(scope_condition(viewer))


def sees_only_own(viewer: User) -> bool:
    """Whether the viewer sees only their own young people (a personal adviser's caseload)."""
    return record_scope(viewer.role) == RecordScope.own


def sees_everyone(viewer: User) -> bool:
    """Whether the viewer may open any young person's record (so links to records from
    pages that show other caseloads make sense)."""
    return record_scope(viewer.role) == RecordScope.all
