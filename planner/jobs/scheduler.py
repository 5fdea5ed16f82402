"""Scheduled jobs: one scheduler per database, a persistent job store, every run recorded.

APScheduler 3.x keeps its jobs in a table of the planner's own database
(``apscheduler_jobs``), so jobs survive restarts and there is one source of truth. Its
maintainers say a job store cannot be shared by two running schedulers (both would run every
job), so :func:`run_scheduler` first takes the database's scheduler lock (``lock.py``: an
advisory lock on PostgreSQL, a lock file beside a SQLite file) and holds it for its life; a
second scheduler on the same database stands by and takes over when the first dies.

Every job has a fixed dotted id, is added with ``replace_existing=True`` so restarts never
duplicate it, and is stored as the textual path of :func:`run_scheduled` with the job id as
its one argument: no database URL (with its password) is ever pickled into the store; the
job finds its database in the process that runs it. Each run writes a ``JobRun`` row when it
starts and updates it when it ends. A scheduled run is for a period (its day, ISO week or
month) and the database allows one running or succeeded run per job and period, so a weekly
report is never made twice for one week. A run a dead process left ``running`` becomes
``interrupted`` when the next scheduler takes the lock, and is run again, once, if its period
is not over.

The scheduler also does the work queue (``planner.work``): its ``work.poll`` job, kept in a
memory job store (added at every start, never written to the database), does the match
runs and forecasts people asked for from the pages, every ``PLANNER_WORK_POLL_SECONDS``.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from importlib import import_module
from typing import Any, Literal

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from planner.core import clock
from planner.core.db import get_engine, unit_of_work
from planner.jobs.lock import lock_for
from planner.models import JobRun, utcnow

log = logging.getLogger(__name__)
JOB_TABLE = "apscheduler_jobs"
RUN_SCHEDULED = "planner.jobs.scheduler:run_scheduled"
# The work queue's poll (planner.work): every few seconds the scheduler does the match runs
# and forecasts people asked for from the pages. Kept in memory, not in the job store: it
# is added at every start, and a stored job would be a write to the database every poll.
WORK_POLL = "work.poll"

Every = Literal["day", "week", "month"]


@dataclass(frozen=True)
class JobSpec:
    id: str
    function: str  # "module:function", called with (session) and returning a short summary
    description: str
    cron: dict[str, Any]
    # The period one scheduled run is for: the job is done once per day, week or month.
    # None: every firing is a run of its own (for jobs that are safe to repeat).
    every: Every | None = "day"

    @property
    def when(self) -> str:
        """The timetable in words (the jobs page and ``planner scheduler --list``)."""
        return when_words(self.cron)


_DAYS = {
    "mon": "Mondays",
    "tue": "Tuesdays",
    "wed": "Wednesdays",
    "thu": "Thursdays",
    "fri": "Fridays",
    "sat": "Saturdays",
    "sun": "Sundays",
}


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def when_words(cron: dict[str, Any]) -> str:
    """A job's cron timetable as a person says it: "Mondays at 8:00", "every day at 7:00",
    "the 1st of each month at 8:30", "every 15 minutes"; never the cron fields."""
    minute = cron.get("minute", 0)
    if isinstance(minute, str) and minute.startswith("*/"):
        return f"Every {minute[2:]} minutes"
    at = f"at {int(cron.get('hour', 0))}:{int(minute):02d}"
    if "day_of_week" in cron:
        return f"{_DAYS.get(str(cron['day_of_week']), cron['day_of_week'])} {at}"
    if "day" in cron:
        return f"The {_ordinal(int(cron['day']))} of each month {at}"
    return f"Every day {at}"


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
        "week",
    ),
    JobSpec(
        "reports.monthly_board",
        "planner.jobs.tasks:monthly_board_report",
        "Monthly pseudonymised exception report to the Corporate Parenting Board",
        {"day": 1, "hour": 8, "minute": 30},
        "month",
    ),
    JobSpec(
        "notifications.send",
        "planner.jobs.tasks:send_notifications",
        "Queue email notices on escalations and send them, retrying with back-off "
        "(only with PLANNER_SMTP_HOST set)",
        {"minute": "*/15"},
        None,
    ),
    JobSpec(
        "notifications.weekly_digest",
        "planner.jobs.tasks:weekly_digest",
        "Weekly email digest to each manager (Mondays)",
        {"day_of_week": "mon", "hour": 7, "minute": 30},
        "week",
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


def period_of(spec: JobSpec, at: datetime) -> str | None:
    """The period a scheduled run of ``spec`` at ``at`` is for, in the council's time zone:
    ``2024-04-01`` (a day), ``2024-W14`` (an ISO week) or ``2024-04`` (a month)."""
    if spec.every is None:
        return None
    day = at.astimezone(clock.council_zone()).date()
    if spec.every == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if spec.every == "month":
        return f"{day.year}-{day.month:02d}"
    return day.isoformat()


def _resolve(path: str) -> Callable[..., str]:
    module, _, name = path.partition(":")
    return getattr(import_module(module), name)


def _this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


# The database the scheduler of this process runs its jobs against. The job store holds
# only job ids; the engine is the process's own (set by build_scheduler, else the settings).
_process_engine: Engine | None = None


def run_scheduled(job_id: str) -> JobRun:
    """What APScheduler calls: run ``job_id`` for the current period on this process's
    database. Takes no URL, so the pickled job holds no credentials."""
    spec = job_spec(job_id)
    return execute(spec, _process_engine or get_engine(), period=period_of(spec, clock.now()))


def run_job(job_id: str, database_url: str | None = None) -> JobRun:
    """Run one job now, by hand, and record the run; a failing job is recorded, never
    re-raised, so one bad night does not stop the scheduler."""
    return execute(job_spec(job_id), get_engine(database_url))


def _done_or_running(session: Session, job_id: str, period: str) -> JobRun | None:
    return session.exec(
        select(JobRun).where(
            JobRun.job_id == job_id,
            JobRun.period == period,
            col(JobRun.outcome).in_(("running", "succeeded")),
        )
    ).first()


def execute(spec: JobSpec, engine: Engine, *, period: str | None = None) -> JobRun:
    """Record that ``spec`` starts, run it, and record how it ended.

    The run's row is committed as ``running`` before the work starts, so a process killed
    mid-job leaves a trace. Success is written in the same transaction as the job's work:
    either both are committed or neither, so an interrupted run never hides a finished one
    and can safely be run again. With a ``period``, a job that has already succeeded (or is
    running) for that period is not run again; the existing run is returned."""
    try:
        with unit_of_work(engine) as session:
            if period is not None and (done := _done_or_running(session, spec.id, period)):
                log.info("job %s already %s for %s; not run again", spec.id, done.outcome, period)
                return done
            run = JobRun(
                job_id=spec.id,
                started_at=utcnow(),
                outcome="running",
                period=period,
                process=_this_process(),
            )
            session.add(run)
    except IntegrityError:  # another process recorded the same period first
        with unit_of_work(engine) as session:
            done = _done_or_running(session, spec.id, period or "")
        if done is None:
            raise
        log.info("job %s already %s for %s; not run again", spec.id, done.outcome, period)
        return done
    log.info("job %s started (run %s, period %s)", spec.id, run.id, period or "by hand")
    try:
        with unit_of_work(engine) as session:
            detail = _resolve(spec.function)(session)
            ended = session.get_one(JobRun, run.id)
            ended.outcome, ended.detail = "succeeded", str(detail)[:1000]
            ended.finished_at = utcnow()
        log.info("job %s succeeded (run %s)", spec.id, run.id)
        return ended
    except Exception as exc:  # noqa: BLE001 - recorded for managers, logged without data
        # The type and where it was raised, never the message: messages can carry values.
        where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
        at = f" at {where.filename}:{where.lineno}" if where else ""
        log.error("job %s failed (run %s): %s%s", spec.id, run.id, type(exc).__name__, at)
        with unit_of_work(engine) as session:
            ended = session.get_one(JobRun, run.id)
            ended.outcome, ended.detail = "failed", type(exc).__name__[:1000]
            ended.finished_at = utcnow()
        return ended


def _dead_here(process: str) -> bool:
    """Whether ``host:pid`` names a process of this machine that no longer exists."""
    host, _, pid = process.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def recover_interrupted(engine: Engine, now: datetime) -> list[JobSpec]:
    """Mark the runs a dead process left ``running`` as ``interrupted``; the jobs to run
    again. Called by the scheduler that has just taken the lock: no other scheduler is
    alive, so every scheduled run still ``running`` belongs to a dead one (runs by hand
    are marked only when their process is known to be dead). A job is run again if its
    period is not over, nothing succeeded for it, and it was not already run again for that
    period (so a job that kills its process is not retried for ever)."""
    again: list[JobSpec] = []
    with unit_of_work(engine) as session:
        left = session.exec(select(JobRun).where(JobRun.outcome == "running")).all()
        marked = []
        for run in left:
            if run.period is None and not _dead_here(run.process):
                continue
            run.outcome, run.finished_at = "interrupted", utcnow()
            marked.append(run)
            log.warning(
                "job %s (run %s, period %s) was interrupted", run.job_id, run.id, run.period
            )
        session.flush()
        for run in marked:
            spec = next((s for s in JOBS if s.id == run.job_id), None)  # a job since removed: None
            if spec is None or run.period is None or run.period != period_of(spec, now):
                continue
            tries = session.exec(
                select(JobRun.outcome).where(JobRun.job_id == spec.id, JobRun.period == run.period)
            ).all()
            if "succeeded" in tries or tries.count("interrupted") > 1 or spec in again:
                continue
            again.append(spec)
    return again


def build_scheduler(engine: Engine, *, background: bool) -> BaseScheduler:
    """A scheduler whose jobs live in ``engine``'s database, with every planner job added.

    It does not take the lock: start it through :func:`run_scheduler`."""
    global _process_engine
    _process_engine = engine
    kind = BackgroundScheduler if background else BlockingScheduler
    scheduler = kind(
        jobstores={
            "default": SQLAlchemyJobStore(engine=engine, tablename=JOB_TABLE),
            "memory": MemoryJobStore(),
        },
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
        timezone=clock.council_zone(),
    )
    for spec in JOBS:
        scheduler.add_job(
            RUN_SCHEDULED,
            CronTrigger(timezone=clock.council_zone(), **spec.cron),
            args=[spec.id],
            id=spec.id,
            name=spec.description,
            replace_existing=True,
        )
    from planner.core.settings import get_settings
    from planner.work.service import poll

    scheduler.add_job(
        poll,
        IntervalTrigger(seconds=get_settings().work_poll_seconds),
        args=[engine],
        id=WORK_POLL,
        name="Do the match runs and forecasts asked for from the pages",
        jobstore="memory",
        replace_existing=True,
        misfire_grace_time=None,
        max_instances=2,  # a poll during a long run returns at once (work.service.poll)
    )
    return scheduler


def run_scheduler(engine: Engine, *, poll_seconds: float, stop: threading.Event) -> None:
    """Be ``engine``'s one scheduler until ``stop`` is set: take the lock or stand by,
    checking every ``poll_seconds``; once it is held, recover interrupted runs and run the
    jobs, and stand by again if the lock is ever lost."""
    lock = lock_for(engine)
    standing_by = False
    while not stop.is_set():
        try:
            got = lock.acquire()
        except Exception as exc:  # noqa: BLE001 - a database that is down is waited for
            log.warning("cannot reach the database for the scheduler lock: %s", type(exc).__name__)
            got = False
        if not got:
            if not standing_by:
                log.info(
                    "standing by: another scheduler holds the lock of this database; "
                    "trying again every %s s",
                    poll_seconds,
                )
                standing_by = True
            stop.wait(poll_seconds)
            continue
        standing_by = False
        log.info("scheduler lock taken: this process runs the scheduled jobs")
        try:
            _lead(engine, lock.still_held, poll_seconds, stop)
        finally:
            lock.release()


def _lead(
    engine: Engine, still_held: Callable[[], bool], poll_seconds: float, stop: threading.Event
) -> None:
    again = recover_interrupted(engine, clock.now())
    scheduler = build_scheduler(engine, background=True)
    for spec in again:
        log.warning("running job %s again: its last run was interrupted", spec.id)
        scheduler.add_job(
            RUN_SCHEDULED, "date", args=[spec.id], id=f"{spec.id}.again", replace_existing=True
        )
    scheduler.start()
    lost = False
    try:
        while not stop.wait(poll_seconds):
            if not still_held():
                log.error("the scheduler lock was lost; stopping the jobs and standing by")
                lost = True
                break
    finally:
        scheduler.shutdown(wait=not lost)
