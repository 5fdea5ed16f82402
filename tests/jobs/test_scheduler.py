"""Scheduled jobs run by real APScheduler against a real job store in the planner's database."""

from __future__ import annotations

import json
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import factories
import sqlalchemy as sa
from sqlmodel import Session, select
from typer.testing import CliRunner

from planner.cli import app
from planner.core.db import make_engine, unit_of_work
from planner.core.migrate import upgrade
from planner.demo.council import generate_council, load_council
from planner.jobs.scheduler import JOBS, JobSpec, build_scheduler, execute
from planner.jobs.tasks import pathway_plans_overdue
from planner.models import JobRun

LONDON = ZoneInfo("Europe/London")


def _demo_engine(url: str):
    engine = make_engine(url)
    upgrade(engine)
    with unit_of_work(engine) as session:
        load_council(session, generate_council(2024, date(2024, 3, 31)), actor="demo")
    return engine


def test_jobs_are_persisted_once_with_fixed_ids_however_often_it_starts(sqlite_url):
    engine = make_engine(sqlite_url)
    upgrade(engine)
    for _ in range(2):  # a restart must not add copies
        scheduler = build_scheduler(engine, background=True)
        scheduler.start(paused=True)
        ids = sorted(job.id for job in scheduler.get_jobs(jobstore="default"))
        polls = [job.id for job in scheduler.get_jobs(jobstore="memory")]
        first = scheduler.get_job("status.daily_snapshot").next_run_time
        scheduler.shutdown(wait=False)
    assert ids == sorted(spec.id for spec in JOBS)
    assert polls == ["work.poll"]  # the work queue's poll: in memory, never in the store
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT id FROM apscheduler_jobs ORDER BY id")).scalars()
        assert list(stored) == ids
    local = first.astimezone(LONDON)
    assert (local.hour, local.minute) == (6, 0)


DAY = date(2024, 3, 31)


def _people(session) -> None:
    """Three care leavers in the service (one pathway plan review overdue on DAY), a 17-year-
    old still in care, and a care leaver who has left the service (overdue, not counted)."""
    for due in (DAY - timedelta(days=1), DAY, DAY + timedelta(days=90)):
        factories.young_person(session, pathway_plan_review_due=due)
    factories.young_person(
        session, age=17, in_care=True, legal_status="eligible", pathway_plan_review_due=DAY
    )
    factories.young_person(
        session,
        age=25,
        left_service_on=DAY - timedelta(days=30),
        pathway_plan_review_due=DAY - timedelta(days=60),
    )


def _small_engine(url: str):
    engine = make_engine(url)
    upgrade(engine)
    with unit_of_work(engine) as session:
        _people(session)
    return engine


def test_a_job_run_by_the_scheduler_is_recorded_with_its_outcome(sqlite_url):
    engine = _small_engine(sqlite_url)
    scheduler = build_scheduler(engine, background=True)
    scheduler.start()
    try:
        scheduler.add_job(
            "planner.jobs.scheduler:run_scheduled",
            "date",
            run_date=datetime.now(LONDON),
            args=["status.daily_snapshot"],  # the database is the scheduler's, not an argument
            id="test.now",
        )
        deadline = time.monotonic() + 20
        runs = []
        while time.monotonic() < deadline and not runs:
            time.sleep(0.2)
            with Session(engine) as session:
                runs = session.exec(select(JobRun)).all()
    finally:
        scheduler.shutdown(wait=True)
    assert len(runs) == 1
    run = runs[0]
    assert run.job_id == "status.daily_snapshot" and run.outcome == "succeeded"
    assert run.finished_at >= run.started_at
    figures = json.loads(run.detail)
    assert figures["care_leavers"] == 3 and figures["in_care_16_17"] == 1


def test_a_failing_job_is_recorded_as_failed_and_does_not_raise(sqlite_url):
    engine = make_engine(sqlite_url)
    upgrade(engine)
    broken = JobSpec("test.broken", "planner.jobs.tasks:no_such_job", "a job that cannot run", {})
    run = execute(broken, engine)
    assert run.outcome == "failed" and run.detail == "AttributeError"
    with Session(engine) as session:
        assert session.exec(select(JobRun.outcome)).all() == ["failed"]


def test_pathway_plan_check_counts_overdue_reviews(session):
    _people(session)
    result = json.loads(pathway_plans_overdue(session, DAY))
    # due today is not overdue; someone who has left the service is not counted
    assert result == {"overdue": 1, "current": 4, "up_to_date_percent": 75}


def test_run_now_from_the_command_line(sqlite_url):
    _small_engine(sqlite_url)
    runner = CliRunner()
    env = {"PLANNER_DATABASE_URL": sqlite_url}
    result = runner.invoke(app, ["scheduler", "--run-now", "pathway_plans.overdue_check"], env=env)
    assert result.exit_code == 0, result.output
    assert "succeeded" in result.output and "overdue" in result.output
    result = runner.invoke(app, ["scheduler", "--run-now", "nightly.nothing"], env=env)
    assert result.exit_code == 2 and "status.daily_snapshot" in result.output


def test_the_nightly_forecast_refresh_saves_a_run_from_the_days_records(sqlite_url):
    from planner.jobs.scheduler import job_spec
    from planner.models import ForecastRun

    engine = _demo_engine(sqlite_url)
    run = execute(job_spec("forecasts.nightly_refresh"), engine)
    assert run.outcome == "succeeded", run.detail
    with Session(engine) as session:
        saved = session.exec(select(ForecastRun)).one()
    assert saved.scenario == "central" and saved.created_by == "scheduler"
    assert json.loads(run.detail) == {"forecast_runs": [saved.id], "data": saved.data_fingerprint}
