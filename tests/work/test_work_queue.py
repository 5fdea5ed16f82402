"""The work queue on real databases (SQLite and, when configured, PostgreSQL): the same work
asked for twice at once is one item and one run, the worker does it and records its
progress and result, a failure is recorded in words, an item whose worker died is queued
again once and then failed, and the scheduler's poll job does what is queued.

Each test gets a fresh migrated database of its own, because the worker commits."""

from __future__ import annotations

import socket
import threading
import time
from datetime import date, datetime, timedelta

import factories
import pytest
import sqlalchemy as sa
from postgres_databases import create_postgres_database, drop_postgres_database
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from planner.core import clock
from planner.core.db import make_engine, unit_of_work
from planner.core.migrate import upgrade
from planner.domain import PlacementType
from planner.models import MatchRun, WorkItem
from planner.work import service as work
from planner.work.kinds import FORECAST, MATCH

AS_OF = date(2024, 3, 31)
NOON = datetime(2024, 3, 31, 12, 0)


@pytest.fixture
def queue_engine(committed_engine: Engine) -> Engine:
    """A fresh, migrated, empty database of each kind (tests/conftest.py)."""
    return committed_engine


def _small_council(engine: Engine) -> None:
    """Two care leavers in unsuitable accommodation and two open vacancies in a scheme."""
    with clock.frozen(AS_OF), unit_of_work(engine) as session:
        scheme = factories.provision(session)
        for placement_type in (PlacementType.bed_and_breakfast, PlacementType.sofa_surfing):
            factories.stay(
                session, young_person=factories.young_person(session), placement_type=placement_type
            )
        for _ in range(2):
            factories.vacancy(session, place=factories.place(session, provision=scheme))


def _ask_for_a_match_run(engine: Engine, who: str) -> work.Requested:
    with unit_of_work(engine) as session:
        return work.request_match_run(session, as_of=AS_OF, requested_by=who)


def _items(engine: Engine) -> list[WorkItem]:
    with Session(engine) as session:
        return list(session.exec(select(WorkItem).order_by(WorkItem.id)))


def test_two_requests_at_once_join_one_item_and_make_one_run(queue_engine):
    _small_council(queue_engine)
    start = threading.Barrier(2)
    answers: dict[str, work.Requested] = {}

    def ask(who: str) -> None:
        start.wait(timeout=10)
        answers[who] = _ask_for_a_match_run(queue_engine, who)

    threads = [threading.Thread(target=ask, args=(who,)) for who in ("officer-a", "officer-b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert set(answers) == {"officer-a", "officer-b"}
    first, second = answers["officer-a"], answers["officer-b"]
    assert first.item.id == second.item.id  # both see the same item
    assert sorted([first.joined, second.joined]) == [False, True]
    assert len(_items(queue_engine)) == 1

    with clock.frozen(NOON):
        done = work.run_queued(queue_engine)
        assert work.run_queued(queue_engine) == []  # nothing left: done once
    assert [d.status for d in done] == ["done"]
    with Session(queue_engine) as session:
        runs = session.exec(select(MatchRun)).all()
    assert len(runs) == 1 and done[0].result_id == runs[0].id


def test_on_postgresql_the_insert_that_loses_the_race_returns_the_winners_item(
    postgres_url_or_none, tmp_path
):
    """The second request's insert waits on the unique index for the first to commit, is
    refused, and returns the first item (never a 500)."""
    if not postgres_url_or_none:
        pytest.skip("PostgreSQL not configured: set PLANNER_TEST_POSTGRES_URL")
    url = create_postgres_database(postgres_url_or_none)
    engine = make_engine(url)
    try:
        upgrade(engine)
        answer: list[work.Requested] = []
        with unit_of_work(engine) as session:
            mine = work.request_match_run(session, as_of=AS_OF, requested_by="officer-a")
            session.flush()
            other = threading.Thread(
                target=lambda: answer.append(_ask_for_a_match_run(engine, "officer-b"))
            )
            other.start()
            deadline = time.monotonic() + 10  # bounded: until the other insert waits on ours
            waiting = 0
            while not waiting and time.monotonic() < deadline:
                with engine.connect() as conn:
                    waiting = conn.execute(
                        sa.text(
                            "SELECT count(*) FROM pg_stat_activity WHERE datname = "
                            "current_database() AND wait_event_type = 'Lock'"
                        )
                    ).scalar_one()
            assert waiting == 1
        other.join(timeout=10)
        assert answer and answer[0].joined and answer[0].item.id == mine.item.id
        assert len(_items(engine)) == 1
    finally:
        engine.dispose()
        drop_postgres_database(postgres_url_or_none, url)


def test_the_worker_records_progress_and_the_result_and_a_new_request_queues_again(
    queue_engine,
):
    _small_council(queue_engine)
    asked = _ask_for_a_match_run(queue_engine, "officer")
    item = asked.item
    assert (item.status, item.doing, item.requested_by) == ("queued", "Waiting to start", "officer")
    seen: list[tuple[int, int, str]] = []

    original = work._recorder

    def watching(engine, item_id, process):
        record = original(engine, item_id, process)

        def progress(step: int, steps: int, words: str) -> None:
            record(step, steps, words)
            with Session(engine) as session:  # what the work page would read now
                row = session.get(WorkItem, item_id)
                seen.append((row.step, row.steps, row.doing))

        return progress

    work._recorder = watching
    try:
        with clock.frozen(NOON):
            (done,) = work.run_queued(queue_engine)
    finally:
        work._recorder = original
    assert [s[:2] for s in seen] == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert seen[1][2].startswith("Solving: moving young people out of unsuitable accommodation")
    assert (done.status, done.step, done.steps, done.doing) == ("done", 4, 4, "Finished")
    assert work.result_url(done) == f"/matching?run={done.result_id}"
    assert done.process == work.this_process() and done.attempts == 1
    # finished work is not joined: the same request later is a new item
    again = _ask_for_a_match_run(queue_engine, "officer")
    assert not again.joined and again.item.id != done.id


def test_a_failure_is_recorded_in_words(queue_engine):
    """No open vacancies: the match service refuses, and the person reads why."""
    asked = _ask_for_a_match_run(queue_engine, "officer")
    (failed,) = work.run_queued(queue_engine)
    assert failed.id == asked.item.id and failed.status == "failed"
    assert failed.failure == "There are no open vacancies or no young people to match."
    assert work.result_url(failed) is None


def _running(engine: Engine, *, process: str, beat: datetime, attempts: int = 1) -> int:
    with unit_of_work(engine) as session:
        item = WorkItem(
            kind=FORECAST,
            key=process,  # one active item per key: each its own
            parameters="{}",
            status="running",
            process=process,
            started_at=beat,
            heartbeat_at=beat,
            attempts=attempts,
        )
        session.add(item)
    return item.id


def test_an_item_whose_worker_died_is_queued_again_once_then_failed(queue_engine):
    with clock.frozen(NOON):
        now = clock.now()
        # a worker on another machine, silent for longer than STALE_AFTER
        gone = _running(queue_engine, process="elsewhere:1", beat=now - work.STALE_AFTER * 2)
        # one on another machine that beat a minute ago is left alone
        recent = _running(queue_engine, process="elsewhere:2", beat=now - timedelta(minutes=1))
        assert work.requeue_stale(queue_engine) == [gone]
    with Session(queue_engine) as session:
        again = session.get(WorkItem, gone)
        assert (again.status, again.doing, again.process) == (
            "queued",
            "Waiting to start again",
            "",
        )
        assert session.get(WorkItem, recent).status == "running"
        session.get(WorkItem, recent).status = "done"  # out of the way of the next step
        session.commit()
    with clock.frozen(NOON):
        claimed = work.claim(queue_engine, process="elsewhere:3")
    assert claimed.id == gone and claimed.attempts == 2
    # its second worker dies too (a process of this machine that has ended)
    with clock.frozen(NOON + timedelta(minutes=1)):
        dead = f"{socket.gethostname()}:{_ended_pid()}"
        with unit_of_work(queue_engine) as session:
            session.get(WorkItem, gone).process = dead
        assert work.requeue_stale(queue_engine) == [gone]
    with Session(queue_engine) as session:
        failed = session.get(WorkItem, gone)
    assert failed.status == "failed" and failed.failure == work.STOPPED_TWICE


def _ended_pid() -> int:
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_the_scheduler_polls_the_queue_and_does_the_work(tmp_path):
    """Real APScheduler with the planner's job store: its work.poll job does a queued
    match run within a few seconds."""
    from planner.jobs.scheduler import WORK_POLL, build_scheduler

    engine = make_engine(f"sqlite:///{tmp_path / 'planner.sqlite3'}")
    upgrade(engine)
    _small_council(engine)
    asked = _ask_for_a_match_run(engine, "officer")
    scheduler = build_scheduler(engine, background=True)
    assert scheduler.get_job(WORK_POLL) is not None
    scheduler.start()
    try:
        deadline = time.monotonic() + 60  # bounded polling of a real worker
        item = asked.item
        while item.status in work.ACTIVE and time.monotonic() < deadline:
            time.sleep(0.2)
            with Session(engine) as session:
                item = session.get(WorkItem, asked.item.id)
    finally:
        scheduler.shutdown(wait=True)
    assert item.status == "done", item.failure
    with Session(engine) as session:
        (run,) = session.exec(select(MatchRun)).all()
    assert item.result_id == run.id and run.created_by == "officer"


def test_planner_work_run_does_the_queued_work(tmp_path):
    from planner.cli import app

    url = f"sqlite:///{tmp_path / 'planner.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    _small_council(engine)
    asked = _ask_for_a_match_run(engine, "officer")
    runner = CliRunner()
    env = {"PLANNER_DATABASE_URL": url}
    with clock.frozen(NOON):
        result = runner.invoke(app, ["work", "run"], env=env)
    assert result.exit_code == 0, result.output
    assert f"work {asked.item.id} ({MATCH}): done" in result.output
    result = runner.invoke(app, ["work", "run"], env=env)
    assert result.exit_code == 0 and "Nothing is queued." in result.output
    listing = runner.invoke(app, ["work", "list", "--format", "csv"], env=env)
    assert listing.exit_code == 0 and f"{asked.item.id},{MATCH},done,Finished" in listing.output
