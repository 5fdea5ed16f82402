"""A vacancy is free on the day someone can move in: not before its place or its provision
opens, on the vacancies list, in the overview's counts, in a match run and on acceptance."""

from __future__ import annotations

from datetime import date

import pytest

from planner.accounts import service as accounts
from planner.domain import PlacementType, Role
from planner.inventory import queries as inventory
from planner.inventory.status import summarise
from planner.models import Place, Provision, Vacancy

MARCH = date(2026, 3, 1)
MAY = date(2026, 5, 1)


@pytest.fixture
def unopened(session):
    """A vacancy declared free on 1 March in a place that opens on 1 May."""
    provision = Provision(
        reference="PRV-NEW", name="New flats", placement_type=PlacementType.council_flat
    )
    session.add(provision)
    session.flush()
    place = Place(reference="PRV-NEW-1", provision_id=provision.id, opens_on=MAY)
    session.add(place)
    session.flush()
    vacancy = Vacancy(place_id=place.id, available_from=MARCH)
    session.add(vacancy)
    session.flush()
    return vacancy


def test_the_vacancies_list_shows_the_day_the_place_opens(session, unopened):
    officer = accounts.create_user(
        session,
        username="officer",
        role=Role.commissioner,
        password="a long enough password",
        actor="t",
    )
    (row,) = [r for r in inventory.list_vacancies(session, viewer=officer) if r.id == unopened.id]
    assert row.available_from == MAY


def test_the_overview_counts_it_free_later_until_the_place_opens(session, unopened):
    def flats(day):
        now, later = next(
            (n, s) for t, n, s in summarise(session, day).vacancies if t == "council_flat"
        )
        return now, later

    assert flats(date(2026, 4, 1)) == (0, 1)
    assert flats(MAY) == (1, 0)
