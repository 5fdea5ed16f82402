"""Council staff accounts as the demo and the importer need them (users by username and
role), and the administrator's search of the audit trail. Passwords, sessions and tokens are
in :mod:`planner.accounts.service`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from planner.accounts.service import get_user_by_username, normalise_username
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


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    total: int
    page: int
    pages: int


def search_audit_trail(
    session: Session, *, viewer: User, search: AuditSearch, page: int = 1, per_page: int = 50
) -> AuditPage:
    """Audit events matching ``search``, newest first. Only administrators may search: the
    trail says who looked at which young person, which is itself sensitive."""
    check(viewer.role, Permission.view_audit)
    for text in (search.actor, search.action, search.entity, search.entity_id):
        check_text(text, "A search term")
    where = []
    if search.actor:
        where.append(AuditEvent.actor == search.actor.strip())
    if search.action:
        where.append(AuditEvent.action == search.action.strip())
    if search.entity:
        where.append(AuditEvent.entity == search.entity.strip())
    if search.entity_id:
        where.append(AuditEvent.entity_id == search.entity_id.strip())
    if search.since:
        where.append(AuditEvent.at >= datetime.combine(search.since, time(), UTC))
    if search.until and search.until < date.max:
        day_after = search.until + timedelta(days=1)
        where.append(AuditEvent.at < datetime.combine(day_after, time(), UTC))
    query = select(AuditEvent).where(*where)
    total = int(session.exec(select(sa.func.count()).select_from(query.subquery())).one())
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    events = session.exec(
        query.order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return AuditPage(events=list(events), total=total, page=page, pages=pages)
