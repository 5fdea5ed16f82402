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


def test_every_status_table_counts_free_now_and_free_later_alike(session, unopened):
    """The vacancies table, the framework lots and the council flats use one definition:
    free now (an open vacancy free today) and free later (free from a later day). A lot's
    vacancy free from next month is free later, not vacant; the flat whose place opens in
    May is free later in April in the flats table too, and its opening day is in words."""
    lot = Provision(
        reference="PRV-LOT",
        name="Framework house",
        placement_type=PlacementType.supported_accommodation,
        cohort="care_leavers",
    )
    session.add(lot)
    session.flush()
    place = Place(reference="PRV-LOT-1", provision_id=lot.id)
    session.add(place)
    session.flush()
    session.add(Vacancy(place_id=place.id, available_from=date(2026, 5, 1)))
    session.flush()
    april = summarise(session, date(2026, 4, 1))
    (row,) = [r for r in april.lots if r[0] == "care_leavers"]
    assert row == ("care_leavers", 1, 0, 0, 1, 1)  # places, ours, free now, free later, others
    (flat,) = april.flats
    assert flat[4:6] == (0, 1)
    may = summarise(session, MAY)
    assert may.flats[0][4:6] == (1, 0)
    assert [r for r in may.lots if r[0] == "care_leavers"][0][3:5] == (1, 0)


def test_planner_status_shows_free_now_and_later_in_every_table_and_days_in_words(
    sqlite_url, tmp_path
):
    import json

    from typer.testing import CliRunner

    from planner.cli import app

    env = {"PLANNER_DATABASE_URL": sqlite_url, "COLUMNS": "200"}
    runner = CliRunner()
    files = {
        "provisions": "reference,name,placement_type,area,opens_on\n"
        "FL1,New flats,council_flat,Town,2026-05-01\n",
        "places": "reference,provision\nFL1-1,FL1\n",
    }
    for kind, text in files.items():
        path = tmp_path / f"{kind}.csv"
        assert runner.invoke(app, ["template", kind, str(path)], env=env).exit_code == 0
        path.write_text(text)
        result = runner.invoke(app, ["import", kind, str(path)], env=env)
        assert result.exit_code == 0, result.output
    table = runner.invoke(app, ["status", "--as-of", "2026-04-01"], env=env).output
    flats = table.split("Council flats and houses")[1]
    assert "Free now" in flats and "Free later" in flats and "1 May 2026" in flats
    assert "2026-05-01" not in table
    lots = table.split("framework lots")[1].split("Council flats")[0]
    assert "Free now" in lots and "Free later" in lots
    data = json.loads(
        runner.invoke(app, ["status", "--as-of", "2026-04-01", "--format", "json"], env=env).stdout
    )
    assert {"free_now", "free_later"} <= set(data["council_flats"][0])
    assert {"free_now", "free_later"} <= set(data["framework_lots"][0])
    assert data["council_flats"][0]["opens"] == "2026-05-01"  # data keeps the ISO day
