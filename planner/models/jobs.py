"""Recorded runs of the scheduled jobs."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from planner.models.base import utcnow


class JobRun(SQLModel, table=True):
    """One run of a scheduled job: when it started and ended, and how it went.

    ``detail`` holds a short aggregate summary (counts), never personal data, because
    managers read it on a page."""

    __tablename__ = "job_run"

    id: int | None = Field(default=None, primary_key=True)
    job_id: str = Field(sa_type=sa.String(80), index=True)
    started_at: datetime = Field(default_factory=utcnow, index=True)
    finished_at: datetime | None = None
    outcome: str = Field(default="running", sa_type=sa.String(20))
    detail: str = Field(default="", sa_type=sa.Text)
