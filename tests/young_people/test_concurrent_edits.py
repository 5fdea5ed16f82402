"""Two people save the same young person's record at the same moment, both from the version
they saw: exactly one change is kept, the other is refused as stale (409), on SQLite and on
a real PostgreSQL server with truly concurrent transactions."""

from __future__ import annotations

import threading

import factories
import pytest
from postgres_databases import create_postgres_database, drop_postgres_database
from sqlmodel import select

from planner.core.db import make_engine, unit_of_work
from planner.core.errors import StaleRecord
from planner.core.migrate import upgrade
from planner.models import AuditEvent, YoungPerson
from planner.young_people import service


@pytest.fixture(params=["sqlite", "postgresql"])
def committed_engine(request, sqlite_url, postgres_url_or_none):
    if request.param == "sqlite":
        engine = make_engine(sqlite_url)
        upgrade(engine)
        yield engine
        engine.dispose()
        return
    if not postgres_url_or_none:
        pytest.skip("PostgreSQL not configured: set PLANNER_TEST_POSTGRES_URL")
    url = create_postgres_database(postgres_url_or_none)
    engine = make_engine(url)
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        drop_postgres_database(postgres_url_or_none, url)


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
