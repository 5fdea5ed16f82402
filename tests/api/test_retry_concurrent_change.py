"""A request refused only because of contention is handled again (api/retry.py).

Routes added to this test's own app: one that meets a ConcurrentChange once (done again,
with the same posted body), one that always does (three attempts, then a clean 409), one
refused by a compare-and-set Conflict (answered at once, never done again), and on
PostgreSQL two requests that lock two rows in opposite orders and really deadlock: both are
answered 200, the victim's request having been handled twice. Threads only collect what
they got; the asserting is done in the main thread after they are joined.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Annotated

import pytest
from fastapi import Form
from sqlmodel import select

from api.deps import DbSession
from planner.core.errors import ConcurrentChange, Conflict
from planner.models import YoungPerson


def test_a_concurrent_change_is_done_again_and_a_conflict_is_not(app, client) -> None:
    calls: Counter[str] = Counter()

    @app.post("/api/test/flaky")
    def flaky(db: DbSession, note: Annotated[str, Form()]) -> dict:
        calls["flaky"] += 1
        if calls["flaky"] == 1:
            raise ConcurrentChange()
        return {"note": note, "calls": calls["flaky"]}

    @app.post("/api/test/always")
    def always(db: DbSession) -> dict:
        calls["always"] += 1
        raise ConcurrentChange()

    @app.post("/api/test/compare-and-set")
    def compare_and_set(db: DbSession) -> dict:
        calls["cas"] += 1
        raise Conflict("Someone decided first.")

    flaky_answer = client.post("/api/test/flaky", data={"note": "same body twice"})
    always_answer = client.post("/api/test/always")
    cas_answer = client.post("/api/test/compare-and-set")

    assert flaky_answer.status_code == 200
    assert flaky_answer.json() == {"note": "same body twice", "calls": 2}
    assert always_answer.status_code == 409
    assert always_answer.json()["error"]["code"] == "concurrent_change"
    assert calls["always"] == 3
    assert cas_answer.status_code == 409 and cas_answer.json()["error"]["code"] == "conflict"
    assert calls["cas"] == 1


def test_two_requests_that_deadlock_both_succeed(app, client, web_db) -> None:
    if not web_db.url.startswith("postgresql"):
        pytest.skip("a real deadlock needs PostgreSQL (SQLite takes one writer at a time)")
    rows = [web_db.council.own_young_person, web_db.council.other_young_person]
    holding = [threading.Event(), threading.Event()]
    attempts: list[int] = []
    guard = threading.Lock()

    @app.post("/api/test/cross/{me}")
    def cross(db: DbSession, me: int) -> dict:
        def lock(person_id: int) -> None:
            db.exec(select(YoungPerson).where(YoungPerson.id == person_id).with_for_update()).one()

        lock(rows[me])
        with guard:
            attempts.append(me)
            first_attempt = attempts.count(me) == 1
        if first_attempt:  # only the first attempts wait for each other, to cross
            holding[me].set()
            holding[1 - me].wait(timeout=30)
        lock(rows[1 - me])
        return {"me": me}

    answers: dict[int, object] = {}

    def request(me: int) -> None:
        try:
            response = client.post(f"/api/test/cross/{me}")
            answers[me] = (response.status_code, response.json())
        except Exception as exc:  # noqa: BLE001 - asserted in the main thread
            answers[me] = repr(exc)

    threads = [threading.Thread(target=request, args=(me,)) for me in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert answers == {0: (200, {"me": 0}), 1: (200, {"me": 1})}
    assert len(attempts) == 3  # the deadlock victim's request was handled again
