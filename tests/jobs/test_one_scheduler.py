"""One scheduler per database, every run recorded from its start, no credentials stored.

Real schedulers in real processes on a real database (a SQLite file and a PostgreSQL
database of the test server): the lock, the standing by and the takeover after ``kill -9``
are the operating system's and the database server's, not simulated.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from postgres_databases import create_postgres_database, drop_postgres_database
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, col, select

from planner.core import clock
from planner.core.db import make_engine, unit_of_work
from planner.core.migrate import upgrade
from planner.core.settings import Settings
from planner.jobs.scheduler import (
    build_scheduler,
    recover_interrupted,
    run_scheduled,
    run_scheduler,
)
from planner.models import ExceptionReport, JobRun

HERE = Path(__file__).parent
REPO = HERE.parent.parent
TEST_JOB = "test.every_second"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_url_or_none: str | None
) -> Iterator[str]:
    """A migrated database of its own for each test: schedulers commit, and a database is
    what the lock is about."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'planner.sqlite3'}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
        return
    if not postgres_url_or_none:
        pytest.skip("PostgreSQL not configured: set PLANNER_TEST_POSTGRES_URL")
    url = create_postgres_database(postgres_url_or_none)
    try:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
    finally:
        drop_postgres_database(postgres_url_or_none, url)


def _wait_for(what: str, check: Callable[[], bool], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


class SchedulerProcess:
    """``planner scheduler`` in a process of its own, its log in a file."""

    def __init__(self, url: str, log: Path) -> None:
        self.log = log
        env = os.environ | {
            "PLANNER_DATABASE_URL": url,
            "PLANNER_SCHEDULER_POLL_SECONDS": "0.3",
            "PLANNER_ENVIRONMENT": "test",
        }
        with log.open("wb") as out:
            self.proc = subprocess.Popen(  # noqa: S603 - our own interpreter and script
                [sys.executable, str(HERE / "scheduler_process.py")],
                cwd=REPO,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def said(self, text: str) -> bool:
        return text in self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _runs(engine: Engine, job_id: str) -> list[JobRun]:
    with Session(engine) as session:
        return list(
            session.exec(select(JobRun).where(JobRun.job_id == job_id).order_by(col(JobRun.id)))
        )


def _pid(run: JobRun) -> int:
    return int(run.process.rpartition(":")[2])


def test_a_second_scheduler_stands_by_and_takes_over_when_the_first_is_killed(
    database_url: str, tmp_path: Path
) -> None:
    engine = make_engine(database_url)
    first = SchedulerProcess(database_url, tmp_path / "first.log")
    second = None
    try:
        _wait_for("the first to take the lock", lambda: first.said("scheduler lock taken"))
        second = SchedulerProcess(database_url, tmp_path / "second.log")
        _wait_for("the second to stand by", lambda: second.said("standing by"))
        _wait_for("runs by the first", lambda: len(_runs(engine, TEST_JOB)) >= 4)
        before = _runs(engine, TEST_JOB)

        os.kill(first.pid, signal.SIGKILL)
        first.proc.wait(30)
        killed_at = datetime.now(UTC)
        _wait_for("the second to take over", lambda: second.said("scheduler lock taken"))
        _wait_for(
            "runs by the second",
            lambda: sum(_pid(r) == second.pid for r in _runs(engine, TEST_JOB)) >= 3,
        )
        after = _runs(engine, TEST_JOB)
    finally:
        first.stop()
        if second is not None:
            second.stop()
        engine.dispose()

    # While both were alive only the first ran the job; the second only after the kill.
    assert {_pid(r) for r in before} == {first.pid}
    assert all(r.started_at >= killed_at for r in after if _pid(r) == second.pid)
    assert {_pid(r) for r in after} == {first.pid, second.pid}
    # One run per firing: never two runs started in the same second.
    per_second = Counter(r.started_at.replace(microsecond=0) for r in after)
    assert max(per_second.values()) == 1, per_second
    # Nothing is left running by the killed process: its last run, if cut short, is marked.
    left = [r.outcome for r in after if _pid(r) == first.pid and r.outcome != "succeeded"]
    assert set(left) <= {"interrupted"}


MONDAY_9AM = datetime(2024, 4, 1, 9, 0)  # a Monday; its ISO week is 2024-W14


def test_a_run_left_running_is_marked_interrupted_and_run_again_exactly_once(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    with clock.frozen(MONDAY_9AM):
        with unit_of_work(engine) as session:  # as a scheduler killed mid-job leaves them
            for job_id, period in (
                ("reports.weekly_director", "2024-W14"),
                ("escalations.daily_sweep", "2024-03-31"),  # yesterday's: no longer due
            ):
                session.add(
                    JobRun(job_id=job_id, period=period, outcome="running", process="gone:1")
                )
        stop = threading.Event()
        thread = threading.Thread(
            target=run_scheduler, args=(engine,), kwargs={"poll_seconds": 0.1, "stop": stop}
        )
        thread.start()
        try:
            _wait_for(
                "the interrupted report to run again",
                lambda: any(
                    r.outcome == "succeeded" for r in _runs(engine, "reports.weekly_director")
                ),
            )
        finally:
            stop.set()
            thread.join(60)
        # a later start, or the job firing again in the same week, makes no second report
        assert recover_interrupted(engine, clock.now()) == []
        again = run_scheduled("reports.weekly_director")

    weekly = _runs(engine, "reports.weekly_director")
    assert [(r.outcome, r.period) for r in weekly] == [
        ("interrupted", "2024-W14"),
        ("succeeded", "2024-W14"),
    ]
    assert again.id == weekly[1].id
    assert weekly[0].finished_at is not None
    assert [r.outcome for r in _runs(engine, "escalations.daily_sweep")] == ["interrupted"]
    with Session(engine) as session:
        reports = session.exec(select(ExceptionReport.audience)).all()
    assert reports == ["director"]
    engine.dispose()


def test_the_job_store_holds_no_database_url_or_password(database_url: str) -> None:
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        # a password the test server does not check (trust), so it is there to be found
        url = url.set(password="not-a-real-secret-7431")  # noqa: S106 - a marker, not a secret
    engine = make_engine(url.render_as_string(hide_password=False))
    scheduler = build_scheduler(engine, background=True)
    scheduler.start(paused=True)
    scheduler.shutdown(wait=False)
    with engine.connect() as conn:
        states = conn.execute(sa.text("SELECT id, job_state FROM apscheduler_jobs")).all()
    engine.dispose()
    assert len(states) >= 6
    secrets = [url.render_as_string(hide_password=False), str(url.database), "sqlite", "postgres"]
    if url.password:
        secrets.append(str(url.password))
    for job_id, state in states:
        for secret in secrets:
            assert secret.encode() not in bytes(state), (job_id, secret)


def test_a_failing_job_logs_its_type_and_id_never_its_message(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    from planner.jobs.scheduler import JobSpec, execute

    engine = make_engine(database_url)
    # its exception's message names what is missing: a stand-in for data in a message
    spec = JobSpec("test.fails", "planner.jobs.tasks:no_such_job", "fails", {})
    with caplog.at_level("INFO", logger="planner.jobs"):
        run = execute(spec, engine, period="2024-04-01")
    engine.dispose()
    assert run.outcome == "failed" and run.detail and run.finished_at
    failed = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert len(failed) == 1 and "test.fails" in failed[0] and run.detail in failed[0]
    assert "no_such_job" not in failed[0]


@pytest.mark.parametrize(
    ("url", "setting", "runs"),
    [
        ("sqlite:///var/planner.sqlite3", None, True),
        ("postgresql+psycopg://planner@db/planner", None, False),
        ("postgresql+psycopg://planner@db/planner", True, True),
        ("sqlite:///var/planner.sqlite3", False, False),
    ],
)
def test_serve_runs_a_scheduler_on_postgresql_only_when_asked(
    url: str, setting: bool | None, runs: bool
) -> None:
    settings = Settings(database_url=url, run_scheduler=setting)
    assert settings.scheduler_in_serve is runs
