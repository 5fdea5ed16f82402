"""Scheduled jobs: one scheduler process, a persistent job store, every run recorded.

APScheduler 3.x keeps its jobs in a table of the planner's own database
(``apscheduler_jobs``), so jobs survive restarts and there is one source of truth. Only one
process may own that store: with docker-compose it is the ``scheduler`` service (the API
runs with ``PLANNER_RUN_SCHEDULER=false``); in the embedded default ``planner serve`` runs
it in the background. Every job has a fixed dotted id, is added with
``replace_existing=True`` so restarts never duplicate it, and is referenced by its textual
path so nothing but ids is pickled into the database. Each run writes a ``JobRun`` row
(start, end, outcome) that managers can read.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.engine import Engine

from planner.core.db import get_engine, unit_of_work
from planner.models import JobRun, utcnow

log = logging.getLogger(__name__)
TIMEZONE = "Europe/London"
JOB_TABLE = "apscheduler_jobs"


@dataclass(frozen=True)
class JobSpec:
    id: str
    function: str  # "module:function", called with (session) and returning a short summary
    description: str
    cron: dict[str, Any]


# Times avoid 01:00-02:00, which the clock changes skip or repeat in Europe/London.
JOBS: tuple[JobSpec, ...] = (
    JobSpec(
        "escalations.daily_sweep",
        "planner.jobs.tasks:escalation_sweep",
        "Open, close and raise escalations for young people in unsuitable accommodation",
        {"hour": 7, "minute": 0},
    ),
    JobSpec(
        "reports.weekly_director",
        "planner.jobs.tasks:weekly_director_report",
        "Weekly exception report to the corporate director (Mondays)",
        {"day_of_week": "mon", "hour": 8, "minute": 0},
    ),
    JobSpec(
        "reports.monthly_board",
        "planner.jobs.tasks:monthly_board_report",
        "Monthly pseudonymised exception report to the Corporate Parenting Board",
        {"day": 1, "hour": 8, "minute": 30},
    ),
    JobSpec(
        "forecasts.nightly_refresh",
        "planner.jobs.tasks:nightly_forecast",
        "Refresh the central 5-year forecast from the day's records",
        {"hour": 2, "minute": 30},
    ),
    JobSpec(
        "status.daily_snapshot",
        "planner.jobs.tasks:daily_snapshot",
        "Record the day's aggregate figures (placements, unsuitable, vacancies)",
        {"hour": 6, "minute": 0},
    ),
    JobSpec(
        "pathway_plans.overdue_check",
        "planner.jobs.tasks:pathway_plans_overdue",
        "Count pathway plan reviews that are overdue (target: every 6 months)",
        {"hour": 6, "minute": 15},
    ),
)


def job_spec(job_id: str) -> JobSpec:
    for spec in JOBS:
        if spec.id == job_id:
            return spec
    raise KeyError(f"unknown job {job_id!r}; jobs are: {', '.join(s.id for s in JOBS)}")


def _resolve(path: str) -> Callable[..., str]:
    module, _, name = path.partition(":")
    return getattr(import_module(module), name)


def run_job(job_id: str, database_url: str | None = None) -> JobRun:
    """Run one job now and record the run; a failing job is recorded, never re-raised,
    so one bad night does not stop the scheduler."""
    return execute(job_spec(job_id), get_engine(database_url))


def execute(spec: JobSpec, engine: Engine) -> JobRun:
    """Run ``spec`` in its own unit of work and record the outcome in another."""
    run = JobRun(job_id=spec.id, started_at=utcnow(), outcome="running")
    try:
        with unit_of_work(engine) as session:
            detail = _resolve(spec.function)(session)
        run.outcome, run.detail = "succeeded", str(detail)[:1000]
    except Exception as exc:  # noqa: BLE001 - recorded for managers, logged without data
        run.outcome = "failed"
        run.detail = f"{type(exc).__name__}"[:1000]
        log.error("job %s failed: %s", spec.id, traceback.format_exception_only(exc)[-1].strip())
    run.finished_at = utcnow()
    with unit_of_work(engine) as session:
        session.add(run)
    return run


def build_scheduler(engine: Engine, *, background: bool) -> BaseScheduler:
    """A scheduler whose jobs live in ``engine``'s database, with every planner job added."""
    kind = BackgroundScheduler if background else BlockingScheduler
    scheduler = kind(
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=JOB_TABLE)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
        timezone=TIMEZONE,
    )
    url = engine.url.render_as_string(hide_password=False)
    for spec in JOBS:
        scheduler.add_job(
            "planner.jobs.scheduler:run_job",
            CronTrigger(timezone=TIMEZONE, **spec.cron),
            args=[spec.id, url],
            id=spec.id,
            name=spec.description,
            replace_existing=True,
        )
    return scheduler
