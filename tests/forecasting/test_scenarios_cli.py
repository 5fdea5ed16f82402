"""``planner scenario list|add|remove`` and ``planner places-needed`` through Typer's runner,
on a Typer app they are registered onto (as ``planner/cli.py`` registers them)."""

from __future__ import annotations

import re

import typer
from typer.testing import CliRunner

from planner.cli import app as planner_app
from planner.core.db import make_engine, unit_of_work
from planner.core.migrate import upgrade
from planner.demo.council import generate_council, load_council

runner = CliRunner()


def _app() -> typer.Typer:
    return planner_app


def _run(url: str, *args: str):
    env = {"PLANNER_DATABASE_URL": url, "COLUMNS": "220"}
    return runner.invoke(_app(), list(args), env=env)


def test_add_list_remove_and_errors_name_the_lever(sqlite_url):
    added = _run(
        sqlite_url,
        "scenario",
        "add",
        "uasc_surge",
        "--title",
        "UASC surge (2026)",
        "--description",
        "UASC arrivals up",
        "--lever",
        "arrivals:uasc:1.2:1.5:2.0",
        "--lever",
        "places:council_flat:6:9:9:2025-04-01",
    )
    assert added.exit_code == 0, added.output
    assert "Saved scenario uasc_surge with 2 lever(s)" in added.output
    listed = _run(sqlite_url, "scenario", "list")
    assert listed.exit_code == 0, listed.output
    for text in ("more_uasc", "uasc_surge", "(saved)", "Arrivals of UASC", "x1.2 / x1.5 / x2"):
        assert text in listed.output, text
    assert "UASC surge (2026)" in listed.output and "More UASC" in listed.output  # titles
    as_csv = _run(sqlite_url, "scenario", "list", "--format", "csv")
    assert "arrivals:uasc" in as_csv.stdout  # scripts get the lever as --lever takes it
    bad = _run(sqlite_url, "scenario", "add", "bad_one", "--lever", "arrivals:uasc:2:1.5:3")
    assert bad.exit_code == 2 and "Lever 1, low" in bad.output
    syntax = _run(sqlite_url, "scenario", "add", "bad_two", "--lever", "arrivals:uasc")
    assert syntax.exit_code == 2 and "KIND:TARGET:LOW:CENTRAL:HIGH" in syntax.output
    catalogue = _run(sqlite_url, "scenario", "remove", "more_uasc")
    assert catalogue.exit_code == 2 and "catalogue" in catalogue.output
    removed = _run(sqlite_url, "scenario", "remove", "uasc_surge")
    assert removed.exit_code == 0 and "Removed scenario uasc_surge" in removed.output
    assert "uasc_surge" not in _run(sqlite_url, "scenario", "list").output


def _column(table: str, index: int) -> str:
    """One column of a printed table, its wrapped lines joined with spaces."""
    cells = [line.split("│")[index].strip() for line in table.splitlines() if "│" in line]
    return " ".join(cell for cell in cells if cell)


def test_the_scenario_list_reads_in_words_within_80_columns(sqlite_url):
    """Levers in words (no codes, no ISO dates), and no word cut across lines at 80 columns."""
    added = _run(
        sqlite_url,
        "scenario",
        "add",
        "flats_and_hosts",
        "--lever",
        "places:council_flat:6:9:9:2025-04-01",
        "--lever",
        "move_share:in_care_other>staying_put:1.1:1.3:1.5",
        "--lever",
        "nts_rate::0.001:0.0012:0.0014",
    )
    assert added.exit_code == 0, added.output
    env = {"PLANNER_DATABASE_URL": sqlite_url, "COLUMNS": "80"}
    table = runner.invoke(_app(), ["scenario", "list"], env=env).stdout
    lines = table.splitlines()
    assert all(len(line) <= 80 for line in lines), max(lines, key=len)
    levers = _column(table, 2)
    for words in (
        "Places added to council flat from 1 April 2025",
        "Moves into staying put from in care",
        "National Transfer Scheme threshold (share of the child population)",
        "Arrivals of UASC",
    ):
        assert words in levers, words
    ranges = _column(table, 3)
    assert "+6 / +9 / +9" in ranges and "0.1% / 0.12% / 0.14%" in ranges
    assert not re.search(r"[a-z]_[a-z]|\d{4}-\d\d-\d\d", levers + ranges)
    assert "Scenario and its levers" in table and "Name" in table


def test_places_needed_prints_the_answer(sqlite_url):
    engine = make_engine(sqlite_url)
    upgrade(engine)
    with unit_of_work(engine) as session:
        load_council(session, generate_council(2024), actor="demo")
    engine.dispose()
    result = _run(
        sqlite_url,
        "places-needed",
        "--state",
        "supported_lodgings",
        "--through",
        "2025-03-31",
        "--as-of",
        "2024-03-31",
        "--runs",
        "200",
    )
    assert result.exit_code == 0, result.output
    assert "Extra places" in result.output and "P(shortfall) with planned places" in result.output
    assert "supported_lodgings" in result.output
    wrong = _run(
        sqlite_url,
        "places-needed",
        "--state",
        "hotel",
        "--through",
        "2025-03-31",
        "--as-of",
        "2024-03-31",
    )
    assert wrong.exit_code == 2 and "State" in wrong.output
    unknown = _run(
        sqlite_url,
        "places-needed",
        "--state",
        "council_flat",
        "--through",
        "2025-03-31",
        "--as-of",
        "2024-03-31",
        "--scenario",
        "nothing_like_it",
    )
    assert unknown.exit_code == 2 and "unknown scenario" in unknown.output
