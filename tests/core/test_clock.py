"""The one clock: today is the council's date, not the server's."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from planner.accounts.service import create_user, generate_password
from planner.core import clock
from planner.core.settings import Settings
from planner.domain import PlacementType, Role
from planner.escalations.service import queue, sweep
from planner.inventory.status import summarise
from planner.models import Place, Provision, Stay, Vacancy, YoungPerson, utcnow
from planner.young_people.queries import list_young_people


def test_just_after_midnight_in_summer_it_is_already_tomorrow_in_london():
    # 23:30 UTC on 1 June is 00:30 on 2 June in British Summer Time
    with clock.frozen(datetime(2026, 6, 1, 23, 30, tzinfo=UTC)):
        assert clock.today() == date(2026, 6, 2)
        assert clock.now().utcoffset().total_seconds() == 3600


def test_in_winter_london_is_utc():
    with clock.frozen(datetime(2026, 12, 1, 23, 30, tzinfo=UTC)):
        assert clock.today() == date(2026, 12, 1)


def test_a_frozen_date_is_that_day_and_the_clock_runs_again_after():
    with clock.frozen(date(2024, 2, 29)):
        assert clock.today() == date(2024, 2, 29)
    assert clock.today() != date(2024, 2, 29) or date.today() == date(2024, 2, 29)


def test_an_unknown_time_zone_is_refused_at_start():
    with pytest.raises(ValueError, match="time zone"):
        Settings(timezone="Europe/Londres")


# -- every service reads the one clock ---------------------------------------------------------

LATE_ON_1_JUNE_UTC = datetime(2026, 6, 1, 23, 30, tzinfo=UTC)  # 00:30 on 2 June in London


def test_just_after_midnight_in_london_the_services_count_the_new_day(session):
    """A server in UTC is still on 1 June; the council is on 2 June. Days in bed and
    breakfast, ages on the caseload list and "free now" all follow the council's day."""
    manager = create_user(
        session,
        username="manager-clock",
        role=Role.manager,
        password=generate_password(),
        actor="test",
    )
    person = YoungPerson(reference="YPCLOCK1", date_of_birth=date(2008, 6, 2))  # 18 on 2 June
    provision = Provision(
        reference="PCLOCK", name="Clock House", placement_type=PlacementType.supported_lodgings
    )
    session.add_all([person, provision])
    session.flush()
    place = Place(reference="PCLOCK-1", provision_id=provision.id)
    session.add(place)
    session.flush()
    session.add_all(
        [
            Stay(
                young_person_id=person.id,
                placement_type=PlacementType.bed_and_breakfast,
                start_date=date(2026, 5, 31),
                suitable=False,
            ),
            Vacancy(place_id=place.id, available_from=date(2026, 6, 2)),
        ]
    )
    session.flush()

    with clock.frozen(LATE_ON_1_JUNE_UTC):
        sweep(session, actor="test")
        [item] = [i for i in queue(session) if i.reference == "YPCLOCK1"]
        rows = list_young_people(session, viewer=manager).rows
        summary = summarise(session)
        stamped = utcnow()

    assert item.days == 2  # 31 May to 2 June, not to 1 June
    assert next(r.age for r in rows if r.reference == "YPCLOCK1") == 18
    free_now = {ptype: now for ptype, now, _soon in summary.vacancies}
    assert summary.as_of == date(2026, 6, 2)
    assert free_now[PlacementType.supported_lodgings] == 1  # free from 2 June: free now
    assert stamped == LATE_ON_1_JUNE_UTC and stamped.utcoffset().total_seconds() == 0
