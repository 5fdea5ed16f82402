"""Two people save the same young person's record at the same moment, both from the version
they saw: exactly one change is kept, the other is refused as stale (409), on SQLite and on
a real PostgreSQL server with truly concurrent transactions."""

from __future__ import annotations

import threading

import factories
from sqlmodel import select

from planner.core.db import unit_of_work
from planner.core.errors import StaleRecord
from planner.models import AuditEvent, YoungPerson
from planner.young_people import service


def test_two_edits_from_the_same_version_keep_one(committed_engine):
    with unit_of_work(committed_engine) as session:
        person_id = factories.young_person(session).id
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def edit(pet: bool) -> None:
        start.wait()
        try:
            with unit_of_work(committed_engine) as session:
                service.edit_details(
                    session,
                    young_person_id=person_id,
                    expected_version=1,
                    changes={"has_pet": pet},
                    actor=f"user-{pet}",
                )
            outcomes.append("saved")
        except StaleRecord:
            outcomes.append("stale")

    threads = [threading.Thread(target=edit, args=(flag,)) for flag in (True, False)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["saved", "stale"]
    with unit_of_work(committed_engine) as session:
        person = session.get(YoungPerson, person_id)
        assert person.version == 2
        edits = session.exec(select(AuditEvent).where(AuditEvent.action == "edit")).all()
        assert len(edits) == 1 and edits[0].actor == f"user-{person.has_pet}"
