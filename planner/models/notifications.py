"""The outbox of email notices: each one recorded before it is sent, sent by a job."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from planner.models.base import utcnow


class Notification(SQLModel, table=True):
    """One email to one recipient, queued by a rule and sent by the scheduled job.

    ``key`` says which notice for whom (``escalation:12:supervision-overdue:2024-12-03:to:7``)
    and is unique, so the same notice is never queued twice however often the rules run.
    ``status`` is ``queued`` (to send at ``next_attempt_at``), ``sent``, ``failed`` (given up
    after the last attempt), ``held`` (its recipient reads notices in the weekly digest) or
    ``digested`` (sent in a digest). Bodies carry no personal data beyond a young person's
    pseudonymous reference and a link; ``last_error`` holds an exception type, never a
    message."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(sa_type=sa.String(200), unique=True, index=True)
    kind: str = Field(sa_type=sa.String(40), index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    to_address: str = Field(sa_type=sa.String(254))
    subject: str = Field(sa_type=sa.String(200))
    body: str = Field(sa_type=sa.Text)
    created_at: datetime = Field(default_factory=utcnow)
    status: str = Field(default="queued", sa_type=sa.String(20), index=True)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, index=True)
    sent_at: datetime | None = None
    last_error: str = Field(default="", sa_type=sa.String(80))
