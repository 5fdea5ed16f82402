"""The scheduler's log says what matters: a job that fails, not every run of the work
queue's poll (which runs every few seconds and would write tens of thousands of lines a day)."""

from __future__ import annotations

import logging
import threading

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED
from apscheduler.schedulers.background import BackgroundScheduler

from planner.jobs.cli import log_to_stderr


@pytest.fixture
def scheduler_logging():
    names = ("planner.jobs", "apscheduler", "apscheduler.executors")
    before = {name: logging.getLogger(name).level for name in names}
    log_to_stderr()
    yield
    for name, level in before.items():
        logging.getLogger(name).setLevel(level)


def _run_once(job) -> None:
    """Run ``job`` once on a real APScheduler and wait for it to end (no sleeping)."""
    done = threading.Event()
    scheduler = BackgroundScheduler()
    scheduler.add_listener(lambda _: done.set(), EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    scheduler.start()
    try:
        scheduler.add_job(job, id="poll")
        assert done.wait(30), "the job did not run"
    finally:
        scheduler.shutdown(wait=True)


def test_a_job_that_runs_well_writes_no_line_and_one_that_fails_is_logged(
    scheduler_logging, caplog
):
    caplog.set_level(logging.DEBUG, logger="")  # capture whatever the loggers let through
    _run_once(lambda: None)
    assert not [r for r in caplog.records if r.name.startswith("apscheduler.executors")]

    def fails() -> None:
        raise RuntimeError("boom")

    _run_once(fails)
    errors = [r for r in caplog.records if r.name.startswith("apscheduler.executors")]
    assert errors and errors[0].levelno >= logging.ERROR
    assert "raised an exception" in errors[0].getMessage()
