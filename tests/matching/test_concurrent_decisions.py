"""Many officers deciding at once on PostgreSQL: accepting locks its rows in one order, so
accepts never deadlock; whatever the database still refuses is a clean Conflict, never a
500 or a traceback, and the CLI does the decision again before giving up.

Real threads on a real server, released together by a barrier; results are collected and
asserted in the main thread.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import factories
import pytest
from postgres_databases import create_postgres_database, drop_postgres_database
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from planner.core import clock
from planner.core.db import make_engine, run_in_transaction, unit_of_work
from planner.core.errors import ConcurrentChange
from planner.core.migrate import upgrade
from planner.domain import PlacementType, ProposalStatus
from planner.matching.service import Conflict, accept_proposal
from planner.models import Proposal, Stay, YoungPerson

PLANNER = str(Path(sys.executable).parent / "planner")  # the installed command


@pytest.fixture
def pg_url(postgres_url: str) -> Iterator[str]:
    """A migrated database of its own, where commits are real so threads can race."""
    url = create_postgres_database(postgres_url)
    engine = make_engine(url, pool_size=40, pool_timeout=30)
    try:
        upgrade(engine)
        engine.dispose()
        yield url
    finally:
        drop_postgres_database(postgres_url, url)


@pytest.fixture
def pg(pg_url: str) -> Iterator[Engine]:
    engine = make_engine(pg_url, pool_size=40, pool_timeout=30)
    yield engine
    engine.dispose()


def _in_bed_and_breakfast(session: Session) -> YoungPerson:
    person = factories.young_person(session)
    factories.stay(session, young_person=person, placement_type=PlacementType.bed_and_breakfast)
    return person


def _race(engine: Engine, contenders: list[tuple[int, int]], start: date) -> Counter[str]:
    """Every contender accepts its proposal at the same moment; what each one got."""
    barrier = threading.Barrier(len(contenders))
    outcomes: list[str] = []
    lock = threading.Lock()

    def officer(proposal_id: int, version: int) -> None:
        barrier.wait()
        try:
            with unit_of_work(engine) as session:
                accept_proposal(
                    session,
                    proposal_id=proposal_id,
                    expected_version=version,
                    actor="officer",
                    start=start,
                )
            outcome = "accepted"
        except ConcurrentChange:  # must come before Conflict: it is one
            outcome = "concurrent_change"
        except Conflict:
            outcome = "conflict"
        except Exception as exc:  # noqa: BLE001 - collected, asserted in the main thread
            outcome = f"{type(exc).__name__}: {exc}"
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=officer, args=c) for c in contenders]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return Counter(outcomes)


def test_thirty_accepts_for_one_young_person_give_one_move_and_clean_conflicts(pg):
    """The observed failure: 50 accepts over one person's proposals gave 34 errors, one of
    them ``deadlock detected``. Now the person's row queues them: the first moves them and
    withdraws the others, which then find their proposal withdrawn."""
    with unit_of_work(pg) as session:
        person = _in_bed_and_breakfast(session)
        run = factories.match_run(session)
        proposals = [
            factories.proposal(session, match_run=run, young_person=person) for _ in range(30)
        ]
        contenders = [(p.id, p.version) for p in proposals]
        person_id = person.id

    outcomes = _race(pg, contenders, clock.today())

    assert outcomes == Counter({"accepted": 1, "conflict": 29})
    with Session(pg) as session:
        current = session.exec(
            select(func.count())
            .select_from(Stay)
            .where(Stay.young_person_id == person_id, Stay.end_date.is_(None))
        ).one()
        statuses = Counter(
            session.exec(select(Proposal.status).where(Proposal.young_person_id == person_id))
        )
    assert current == 1
    assert statuses == {ProposalStatus.accepted: 1, ProposalStatus.withdrawn: 29}


@pytest.mark.parametrize("rounds", [8])
def test_accepts_that_meet_on_a_person_or_a_vacancy_never_deadlock(pg, rounds):
    """The lock orders that deadlocked: one accept reaches person A's rows after vacancy 1,
    another vacancy 1's rows after person B, and each withdraws the other's proposals.
    Both orders in every round: crossed pairs (A for 1, B for 2, with A also proposed for 2
    and B for 1) both succeed; two people for one vacancy and one person for two vacancies
    give one success and one Conflict."""
    everything: Counter[str] = Counter()
    for _ in range(rounds):
        with unit_of_work(pg) as session:
            run = factories.match_run(session)
            a, b = _in_bed_and_breakfast(session), _in_bed_and_breakfast(session)
            one, two = factories.vacancy(session), factories.vacancy(session)
            a_one = factories.proposal(session, match_run=run, young_person=a, vacancy=one)
            b_two = factories.proposal(session, match_run=run, young_person=b, vacancy=two)
            factories.proposal(session, match_run=run, young_person=a, vacancy=two)
            factories.proposal(session, match_run=run, young_person=b, vacancy=one)
            crossed = [(a_one.id, a_one.version), (b_two.id, b_two.version)]

            c, d = _in_bed_and_breakfast(session), _in_bed_and_breakfast(session)
            three = factories.vacancy(session)
            same_vacancy = [
                (p.id, p.version)
                for p in (
                    factories.proposal(session, match_run=run, young_person=c, vacancy=three),
                    factories.proposal(session, match_run=run, young_person=d, vacancy=three),
                )
            ]
            e = _in_bed_and_breakfast(session)
            same_person = [
                (p.id, p.version)
                for p in (
                    factories.proposal(session, match_run=run, young_person=e),
                    factories.proposal(session, match_run=run, young_person=e),
                )
            ]
        assert _race(pg, crossed, clock.today()) == Counter({"accepted": 2})
        for pair in (same_vacancy, same_person):
            got = _race(pg, pair, clock.today())
            assert got == Counter({"accepted": 1, "conflict": 1}), got
            everything.update(got)
    assert set(everything) == {"accepted", "conflict"}


def test_a_deadlock_is_a_concurrent_change_and_run_in_transaction_does_it_again(pg):
    """Two transactions that lock two rows in opposite orders really deadlock; PostgreSQL
    kills one. With a bare unit of work the victim gets ConcurrentChange (a 409, nothing
    kept); ``run_in_transaction`` starts the victim again, so both end up committed."""
    with unit_of_work(pg) as session:
        first, second = factories.young_person(session).id, factories.young_person(session).id

    def lock(session: Session, person_id: int) -> None:
        session.exec(select(YoungPerson).where(YoungPerson.id == person_id).with_for_update()).one()

    for retried in (False, True):
        holding = [threading.Event(), threading.Event()]
        attempts: list[int] = []
        outcomes: list[str] = []
        guard = threading.Lock()

        def work(session: Session, mine: int, theirs: int, me: int) -> None:
            lock(session, mine)
            with guard:
                attempts.append(me)
            if attempts.count(me) == 1:  # only the first attempt waits to cross
                holding[me].set()
                holding[1 - me].wait(timeout=30)
            lock(session, theirs)

        def transaction(mine: int, theirs: int, me: int) -> None:
            try:
                if retried:
                    run_in_transaction(lambda s: work(s, mine, theirs, me), pg)
                else:
                    with unit_of_work(pg) as session:
                        work(session, mine, theirs, me)
                outcome = "committed"
            except ConcurrentChange:
                outcome = "concurrent_change"
            except Exception as exc:  # noqa: BLE001 - asserted in the main thread
                outcome = repr(exc)
            with guard:
                outcomes.append(outcome)

        threads = [
            threading.Thread(target=transaction, args=(first, second, 0)),
            threading.Thread(target=transaction, args=(second, first, 1)),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        if retried:
            assert outcomes == ["committed", "committed"]
            assert len(attempts) == 3  # the victim's second attempt
        else:
            assert sorted(outcomes) == ["committed", "concurrent_change"]


def test_parallel_cli_accepts_print_a_message_never_a_traceback(pg_url):
    """``planner decide N accept`` from many shells at once (real processes): one moves the
    young person, the others say why not in the words the pages use, with exit code 2 and
    no traceback (49 of 50 printed ``DeadlockDetected`` tracebacks before)."""
    engine = make_engine(pg_url)
    with unit_of_work(engine) as session:
        person = _in_bed_and_breakfast(session)
        run = factories.match_run(session)
        ids = [factories.proposal(session, match_run=run, young_person=person).id for _ in range(5)]
    engine.dispose()
    env = {**os.environ, "PLANNER_DATABASE_URL": pg_url, "COLUMNS": "200"}
    shells = [
        subprocess.Popen(
            [PLANNER, "decide", str(i), "accept"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for i in ids
    ]
    outputs = [shell.communicate(timeout=120)[0] for shell in shells]
    results = [(shell.returncode, text) for shell, text in zip(shells, outputs, strict=True)]
    codes = Counter(code for code, _ in results)
    assert codes == Counter({0: 1, 2: len(ids) - 1}), results
    for code, text in results:
        assert "Traceback" not in text, text
        if code == 2:
            # after the line naming the database (stderr), only the refusal
            said = [line for line in text.splitlines() if not line.startswith("Database: ")]
            assert said[0].startswith("Error:"), text
