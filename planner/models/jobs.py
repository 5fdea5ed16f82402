"""Recorded runs of the scheduled jobs."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from planner.models.base import utcnow

# A job is done at most once per period: one run of (job, period) may be running or have
# succeeded at a time. The database says so, not just the scheduler, so no mistake in
# process handling can make a second weekly report for the same week.
ONE_RUN_PER_PERIOD = "outcome IN ('running', 'succeeded')"


class JobRun(SQLModel, table=True):
    """One run of a scheduled job: when it started and ended, and how it went.

    The row is written when the run starts (``running``) and updated when it ends
    (``succeeded`` or ``failed``); a run found ``running`` when a scheduler starts was cut
    short by a dead process and becomes ``interrupted``. ``period`` is the day, ISO week or
    month a scheduled run is for (empty for a run started by hand); ``process`` is
    ``host:pid`` of the process that ran it. ``detail`` holds a short aggregate summary
    (counts) or an exception type, never personal data, because managers read it on a page."""

    __tablename__ = "job_run"
    __table_args__ = (
        sa.Index(
            "uq_job_run_period",
            "job_id",
            "period",
            unique=True,
            sqlite_where=sa.text(ONE_RUN_PER_PERIOD),
            postgresql_where=sa.text(ONE_RUN_PER_PERIOD),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    job_id: str = Field(sa_type=sa.String(80), index=True)
    started_at: datetime = Field(default_factory=utcnow, index=True)
    finished_at: datetime | None = None
    outcome: str = Field(default="running", sa_type=sa.String(20))
    detail: str = Field(default="", sa_type=sa.Text)
    period: str | None = Field(default=None, sa_type=sa.String(20))
    process: str = Field(default="", sa_type=sa.String(120))
