"""Escalations, their actions and the exception reports."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from planner.models.base import utcnow


class Escalation(SQLModel, table=True):
    """The review trail of one unsuitable stay: its level, exit plan, supervision and close.

    One per stay (a unique stay id), opened by the daily sweep the first day it sees the
    stay and closed when the young person moves somewhere suitable. ``version`` makes a
    manager's update a compare-and-set, like decisions on proposals."""

    id: int | None = Field(default=None, primary_key=True)
    stay_id: int = Field(foreign_key="stay.id", unique=True, index=True)
    young_person_id: int = Field(foreign_key="young_person.id", index=True)
    opened_on: date
    level: int = 1
    exit_plan_agreed_on: date | None = None
    exit_plan_target: date | None = None  # when the young person should have moved
    pathway_plan_updated_on: date | None = None
    last_supervision_on: date | None = None
    closed_on: date | None = None
    closure: str = Field(default="", sa_type=sa.String(40))
    version: int = 1


class EscalationAction(SQLModel, table=True):
    """Something done on an escalation: opened, supervision, exit plan, level change, note.
    ``note`` stays with the case record; the audit trail names only the action."""

    __tablename__ = "escalation_action"

    id: int | None = Field(default=None, primary_key=True)
    escalation_id: int = Field(foreign_key="escalation.id", index=True)
    on: date
    at: datetime = Field(default_factory=utcnow)
    actor: str = Field(sa_type=sa.String(80))
    kind: str = Field(sa_type=sa.String(30))
    note: str = Field(default="", sa_type=sa.String(1000))


class ExceptionReport(SQLModel, table=True):
    """A weekly report to the director or a monthly one to the Corporate Parenting Board,
    kept as it was sent. Board reports are pseudonymised (case letters, age bands)."""

    __tablename__ = "exception_report"

    id: int | None = Field(default=None, primary_key=True)
    audience: str = Field(sa_type=sa.String(20), index=True)  # director | board
    as_of: date
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = Field(sa_type=sa.String(80))
    content: str = Field(sa_type=sa.Text)  # JSON: totals and one row per open escalation
