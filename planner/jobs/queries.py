"""Reads of the scheduled jobs' recorded runs."""

from __future__ import annotations

from sqlmodel import Session, select

from planner.models import (
    JobRun,
)


def recent_job_runs(session: Session, *, limit: int = 50) -> list[JobRun]:
    """The scheduled jobs' latest runs, newest first."""
    query = select(JobRun).order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(limit)  # type: ignore[attr-defined,union-attr]
    return list(session.exec(query))
