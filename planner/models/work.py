"""Long work (a match run, a forecast) queued by a page or the API and done by a worker."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from planner.models.base import utcnow

# Two requests for the same work while one is queued or running join it: the database
# allows one active item per (kind, key), so two API processes can never start two runs.
ONE_ACTIVE_ITEM = "status IN ('queued', 'running')"


class WorkItem(SQLModel, table=True):
    """One piece of long work: what was asked (``kind`` and ``parameters``), by whom, and
    how it is going.

    ``key`` is derived from the parameters (``planner.work.service.work_key``) so the same
    request made twice finds the item already queued or running. ``step``/``steps`` and
    ``doing`` are the progress a person reads on the work page ("Solving: moving young
    people out of unsuitable accommodation"); ``failure`` is what they read if it failed,
    in words, never a traceback. ``process`` (``host:pid``) and ``heartbeat_at`` say which
    worker holds a running item and when it last showed it was alive, so an item whose
    worker died is queued again (once: ``attempts``). ``version`` is for compare-and-set
    (``planner.core.db.compare_and_set``): claiming an item is a change of its version."""

    __tablename__ = "work_item"
    __table_args__ = (
        sa.Index(
            "uq_work_item_active",
            "kind",
            "key",
            unique=True,
            sqlite_where=sa.text(ONE_ACTIVE_ITEM),
            postgresql_where=sa.text(ONE_ACTIVE_ITEM),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(sa_type=sa.String(20))
    key: str = Field(sa_type=sa.String(64))
    parameters: str = Field(default="{}", sa_type=sa.Text)
    status: str = Field(default="queued", sa_type=sa.String(20), index=True)
    step: int = 0
    steps: int = 0
    doing: str = Field(default="Waiting to start", sa_type=sa.String(200))
    result_id: int | None = None
    result: str = Field(default="{}", sa_type=sa.Text)
    failure: str = Field(default="", sa_type=sa.Text)
    requested_by: str = Field(default="", sa_type=sa.String(80))
    requested_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    heartbeat_at: datetime | None = None
    process: str = Field(default="", sa_type=sa.String(120))
    attempts: int = 0
    version: int = 1
