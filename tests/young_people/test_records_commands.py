"""Keeping records from the command line: people's words and dates, the same refusals as the
API (exit code 2, no traceback), and nothing kept by a refused command."""

from __future__ import annotations

from datetime import timedelta

import factories
from typer.testing import CliRunner

from planner.cli import app
from planner.core import clock
from planner.core.db import get_engine, unit_of_work
from planner.domain import PlacementType

runner = CliRunner()


def _run(url: str, *args: str):
    return runner.invoke(app, list(args), env={"PLANNER_DATABASE_URL": url, "COLUMNS": "200"})


def test_moves_and_the_inventory_from_the_command_line(sqlite_url):
    assert _run(sqlite_url, "init").exit_code == 0
    with unit_of_work(get_engine(sqlite_url)) as session:
        person = factories.young_person(session, reference="YP0021")
        factories.stay(session, young_person=person, placement_type=PlacementType.bed_and_breakfast)
    today = clock.today()
    later = today + timedelta(days=5)
    added = _run(
        sqlite_url,
        "provision",
        "add",
        "SL-17",
        "--name",
        "Host 17",
        "--type",
        "supported_lodgings",
        "--area",
        "Weymouth",
    )
    assert added.exit_code == 0, added.output
    place = _run(sqlite_url, "place", "add", "SL-17", "SL-17-1", "--label", "Room 1")
    assert place.exit_code == 0, place.output
    moved = _run(sqlite_url, "move", "YP0021", "--place", "SL-17-1", "--on", later.isoformat())
    assert moved.exit_code == 0, moved.output
    assert f"{later.day} {later:%B %Y}" in moved.output and "stay where they are" in moved.output
    again = _run(sqlite_url, "move", "YP0021", "--to", "custody", "--on", later.isoformat())
    assert again.exit_code == 2 and "already planned" in again.output
    assert "Traceback" not in again.output
    redated = _run(
        sqlite_url,
        "redate-move",
        "YP0021",
        "--on",
        (later + timedelta(days=2)).isoformat(),
        "--reason",
        "place_not_ready",
    )
    assert redated.exit_code == 0, redated.output
    cancelled = _run(sqlite_url, "cancel-move", "YP0021", "--reason", "young_person_declined")
    assert cancelled.exit_code == 0, cancelled.output
    assert "open again" in cancelled.output
    edited = _run(sqlite_url, "young-person", "edit", "YP0021", "--support-need", "high", "--pet")
    assert edited.exit_code == 0 and "support need, has pet changed" in edited.output
    bad = _run(sqlite_url, "young-person", "edit", "YP0021", "--support-need", "huge")
    assert bad.exit_code == 2 and "support need is one of" in bad.output
    unknown = _run(sqlite_url, "leave", "YP9999", "--on", today.isoformat(), "--reason", "other")
    assert unknown.exit_code == 2 and "no young person YP9999" in unknown.output
    left = _run(sqlite_url, "leave", "YP0021", "--on", today.isoformat(), "--reason", "moved_away")
    assert left.exit_code == 0, left.output
    closed = _run(
        sqlite_url, "place", "close", "SL-17-1", "--on", later.isoformat(), "--reason", "host_left"
    )
    assert closed.exit_code == 0, closed.output
