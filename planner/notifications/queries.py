"""Reads of the outbox for the jobs page: whether email is on, and notices by status."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, func, select

from planner.core.settings import get_settings
from planner.models import Notification

STATUSES = ("queued", "held", "sent", "digested", "failed")


@dataclass(frozen=True)
class OutboxState:
    email_on: bool
    by_status: dict[str, int]


def outbox_state(session: Session) -> OutboxState:
    """Whether notices are sent (``PLANNER_SMTP_HOST``) and how many are in each status."""
    counts = dict(
        session.exec(
            select(col(Notification.status), func.count()).group_by(col(Notification.status))
        ).all()
    )
    return OutboxState(
        email_on=get_settings().email_on,
        by_status={s: int(counts.get(s, 0)) for s in STATUSES},
    )
