"""Council staff accounts as the demo and the importer need them (users by username and
role), and the administrator's search of the audit trail. Passwords, sessions and tokens are
in :mod:`planner.accounts.service`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session, col, select

from planner.accounts.service import get_user_by_username, normalise_username
from planner.core.listing import ListParams, page_query
from planner.domain import Role
from planner.domain.permissions import Permission, check
from planner.domain.text import check_text
from planner.models import AuditEvent, User


def ensure_user(session: Session, *, username: str, role: Role, display_name: str = "") -> User:
    """The user called ``username`` (in any case: one look-up,
    :func:`planner.accounts.service.get_user_by_username`), created with ``role`` if missing."""
    user = get_user_by_username(session, username)
    if user is None:
        name = normalise_username(username)
        user = User(username=name, role=role, display_name=display_name or name)
        session.add(user)
    return user


# -- the audit trail, searched by administrators ------------------------------------------------


@dataclass(frozen=True)
class AuditSearch:
    """What an administrator searches the audit trail by; every field is optional."""

    actor: str = ""
    action: str = ""
    entity: str = ""
    entity_id: str = ""
    since: date | None = None
    until: date | None = None  # inclusive: the whole of that day


def _code(text: str) -> str:
    """An action or record type as the trail keeps it: "Sign in" is ``sign_in``."""
    return "_".join(text.strip().lower().split())


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    total: int
    page: int
    pages: int

    @property
    def rows(self) -> list[AuditEvent]:
        """The events, by the name every paged list gives its rows (api/listing.py)."""
        return self.events


# the columns the audit trail can be sorted by (the keys of its ``sort`` parameter)
AUDIT_SORTS = ("when", "who", "action", "record")


def search_audit_trail(
    session: Session,
    *,
    viewer: User,
    search: AuditSearch,
    page: int = 1,
    per_page: int = 50,
    sort: ListParams | None = None,
) -> AuditPage:
    """Audit events matching ``search``, newest first (or as ``sort`` says: a key of
    :data:`AUDIT_SORTS`). Only administrators may search: the trail says who looked at which
    young person, which is itself sensitive. Words typed for an action or record type
    ("sign in", "young person") find their codes."""
    check(viewer.role, Permission.view_audit)
    for text in (search.actor, search.action, search.entity, search.entity_id):
        check_text(text, "A search term")
    where = []
    if search.actor:
        where.append(AuditEvent.actor == search.actor.strip())
    if search.action:
        where.append(AuditEvent.action == _code(search.action))
    if search.entity:
        where.append(AuditEvent.entity == _code(search.entity))
    if search.entity_id:
        where.append(AuditEvent.entity_id == search.entity_id.strip())
    if search.since:
        where.append(AuditEvent.at >= datetime.combine(search.since, time(), UTC))
    if search.until and search.until < date.max:
        day_after = search.until + timedelta(days=1)
        where.append(AuditEvent.at < datetime.combine(day_after, time(), UTC))
    query = select(AuditEvent).where(*where)
    params = sort or ListParams(sort="when", descending=True, page=page, per_page=per_page)
    columns = {
        "when": [col(AuditEvent.at)],
        "who": [col(AuditEvent.actor)],
        "action": [col(AuditEvent.action)],
        "record": [col(AuditEvent.entity), col(AuditEvent.entity_id)],
    }
    found = page_query(session, query, params, columns, tie_break=[col(AuditEvent.id).desc()])
    events, total, page, pages = found.rows, found.total, found.page, found.pages
    return AuditPage(events=list(events), total=total, page=page, pages=pages)
