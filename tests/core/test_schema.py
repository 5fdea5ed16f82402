"""The schema: migrations build it on both databases, and the database itself refuses
records that would break the domain's rules, whatever code wrote them."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from migration_rows import scratch_postgres
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from planner.core.db import make_engine
from planner.core.migrate import alembic_config, downgrade, upgrade
from planner.models import Place, Provision, Stay, Vacancy, YoungPerson

TABLES = {"young_person", "provision", "place", "vacancy", "stay", "user", "audit_event"}


def test_migrations_bring_the_database_to_head(engine):
    names = set(sa.inspect(engine).get_table_names())
    assert names >= TABLES
    with engine.connect() as conn:
        version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert version == head


def test_migrations_downgrade_and_upgrade_again(tmp_path):
    """A fresh database can be built, torn down to nothing and rebuilt by the migrations."""
    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    upgrade(engine)
    downgrade(engine)
    assert not TABLES & set(sa.inspect(engine).get_table_names())
    upgrade(engine)
    assert set(sa.inspect(engine).get_table_names()) >= TABLES


def test_postgres_migrations_downgrade_and_upgrade_again(postgres_url):
    with scratch_postgres(postgres_url) as scratch:
        upgrade(scratch)
        downgrade(scratch)
        assert not TABLES & set(sa.inspect(scratch).get_table_names())
        upgrade(scratch)
        assert set(sa.inspect(scratch).get_table_names()) >= TABLES


def _person(session: Session, ref: str = "YP1") -> YoungPerson:
    person = YoungPerson(reference=ref, date_of_birth=date(2005, 5, 1))
    session.add(person)
    session.flush()
    return person


def _place(session: Session) -> Place:
    provision = Provision(reference="P1", name="Scheme", placement_type="council_flat")
    session.add(provision)
    session.flush()
    place = Place(reference="P1-01", provision_id=provision.id)
    session.add(place)
    session.flush()
    return place


def _refused(session: Session, record) -> None:
    savepoint = session.begin_nested()
    session.add(record)
    with pytest.raises(IntegrityError):
        session.flush()
    savepoint.rollback()


def test_a_young_person_has_at_most_one_current_stay(session):
    person = _person(session)
    session.add(
        Stay(young_person_id=person.id, placement_type="with_family", start_date=date(2024, 1, 1))
    )
    session.flush()
    _refused(
        session,
        Stay(
            young_person_id=person.id,
            placement_type="bed_and_breakfast",
            start_date=date(2024, 2, 1),
        ),
    )
    # closed stays are history and may be many
    session.add(
        Stay(
            young_person_id=person.id,
            placement_type="custody",
            start_date=date(2023, 1, 1),
            end_date=date(2024, 1, 1),
        )
    )
    session.flush()


def test_a_place_holds_one_young_person_at_a_time(session):
    place = _place(session)
    first, second = _person(session, "YP1"), _person(session, "YP2")
    session.add(
        Stay(
            young_person_id=first.id,
            placement_type="council_flat",
            place_id=place.id,
            start_date=date(2024, 1, 1),
        )
    )
    session.flush()
    _refused(
        session,
        Stay(
            young_person_id=second.id,
            placement_type="council_flat",
            place_id=place.id,
            start_date=date(2024, 3, 1),
        ),
    )


def test_a_stay_cannot_end_before_it_starts(session):
    person = _person(session)
    _refused(
        session,
        Stay(
            young_person_id=person.id,
            placement_type="with_family",
            start_date=date(2024, 5, 1),
            end_date=date(2024, 4, 1),
        ),
    )


def test_a_place_has_at_most_one_open_vacancy(session):
    place = _place(session)
    session.add(Vacancy(place_id=place.id, available_from=date(2024, 1, 1)))
    session.flush()
    _refused(session, Vacancy(place_id=place.id, available_from=date(2024, 2, 1)))
    session.add(Vacancy(place_id=place.id, available_from=date(2023, 1, 1), status="filled"))
    session.flush()


def test_references_are_unique(session):
    _person(session, "YP1")
    _refused(session, YoungPerson(reference="YP1", date_of_birth=date(2006, 1, 1)))


def test_kept_records_carry_a_version(engine):
    """Migration 0008b: every record people change in the planner is a compare-and-set."""
    inspector = sa.inspect(engine)
    for table in ("young_person", "stay", "provision", "place", "vacancy"):
        assert "version" in {c["name"] for c in inspector.get_columns(table)}, table
    assert {"end_reason", "vacancy_id"} <= {c["name"] for c in inspector.get_columns("stay")}
