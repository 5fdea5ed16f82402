"""Which young people a viewer may see: the data-level half of least privilege, once.

Every read that names young people (the lists, a record, the escalation queue and one
escalation) filters through :func:`visible_young_people`, so a personal adviser's caseload
and a commissioner's "no named young person" cannot drift apart between features. The
scope itself is :func:`planner.domain.permissions.record_scope`; this module turns it into
the WHERE clause on ``YoungPerson``.
"""

from __future__ import annotations

from typing import Any, TypeVar

import sqlalchemy as sa

from planner.core.errors import Forbidden
from planner.domain.permissions import RecordScope, record_scope
from planner.models import User, YoungPerson

Query = TypeVar("Query", bound=Any)


def scope_condition(viewer: User) -> sa.ColumnElement[bool]:
    """The WHERE clause on ``YoungPerson`` for those ``viewer`` may see; :class:`Forbidden`
    for a role that sees no named young person."""
    scope = record_scope(viewer.role)
    if scope == RecordScope.all:
        return sa.true()
    if scope == RecordScope.own:
        return YoungPerson.personal_adviser_id == viewer.id  # type: ignore[return-value]
    raise Forbidden()


def visible_young_people(query: Query, viewer: User) -> Query:
    """``query`` (which selects from or joins ``YoungPerson``) narrowed to the young people
    ``viewer`` may see."""
    return query.where(scope_condition(viewer))


def sees_only_own(viewer: User) -> bool:
    """Whether the viewer sees only their own young people (a personal adviser's caseload)."""
    return record_scope(viewer.role) == RecordScope.own


def sees_everyone(viewer: User) -> bool:
    """Whether the viewer may open any young person's record (so links to records from
    pages that show other caseloads make sense)."""
    return record_scope(viewer.role) == RecordScope.all
