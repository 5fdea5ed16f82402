"""Listing commands for scripts and for an 80-column terminal: every listing prints a table,
CSV or JSON (on standard output; the database's name goes to standard error), and its table
fits 80 columns without cutting the references a person must then type."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from planner.cli import app

runner = CliRunner()

# (command, CSV/JSON keys, the key whose values must appear whole in the table)
LISTINGS = [
    (["status", "--as-of", "2024-03-31"], None, None),
    (
        ["proposals"],
        [
            "proposal",
            "match_run",
            "young_person",
            "vacancy",
            "place",
            "urgency",
            "stage",
            "status",
            "version",
        ],
        "young_person",
    ),  # fmt: skip
    (["proposals", "--unmatched"], ["match_run", "young_person", "need", "why"], "young_person"),
    (
        ["escalations", "--as-of", "2024-03-31"],
        [
            "escalation",
            "young_person",
            "age",
            "where",
            "days",
            "level",
            "why",
            "exit_plan_target",
            "supervision_due",
            "personal_adviser",
            "placement_type",
            "level_label",
            "supervision_overdue",
            "exit_plan",
            "has_exit_plan",
            "planned_move_on",
        ],
        "young_person",
    ),  # fmt: skip
    (
        ["scenario", "list"],
        ["name", "title", "kind", "lever", "low_central_high", "from", "description"],
        "name",
    ),  # fmt: skip
    (["user", "list"], ["username", "role", "display_name", "enabled"], "username"),
    (["scheduler", "--list"], ["id", "when", "what"], "id"),
]


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The demo council as of its report's date, with one match run."""
    path: Path = tmp_path_factory.mktemp("listings") / "planner.sqlite3"
    url = f"sqlite:///{path}"
    for args in (["demo", "--as-of", "2024-03-31"], ["propose", "--as-of", "2024-03-31"]):
        result = _run(url, *args)
        assert result.exit_code == 0, result.output
    return url


def _run(url: str, *args: str, columns: int = 200):
    env = {"PLANNER_DATABASE_URL": url, "COLUMNS": str(columns)}
    return runner.invoke(app, list(args), env=env)


@pytest.mark.parametrize(("args", "keys", "ref"), LISTINGS, ids=lambda a: str(a))
def test_each_listing_fits_80_columns_with_references_whole(demo_url, args, keys, ref):
    table = _run(demo_url, *args, columns=80)
    assert table.exit_code == 0, table.output
    lines = table.stdout.splitlines()
    assert lines and all(len(line) <= 80 for line in lines), max(lines, key=len)
    if ref is None:
        return
    listed = json.loads(_run(demo_url, *args, "--format", "json").stdout)
    assert listed, args
    for row in listed:
        if row[ref]:  # a continuation line of a scenario has no name
            assert str(row[ref]) in table.stdout, (ref, row[ref])


@pytest.mark.parametrize(("args", "keys", "ref"), LISTINGS, ids=lambda a: str(a))
def test_each_listing_prints_csv_and_json_with_its_columns(demo_url, args, keys, ref):
    as_csv = _run(demo_url, *args, "--format", "csv")
    as_json = _run(demo_url, *args, "--format", "json")
    assert as_csv.exit_code == 0 and as_json.exit_code == 0, as_csv.output + as_json.output
    rows = list(csv.DictReader(as_csv.stdout.splitlines()))
    data = json.loads(as_json.stdout)  # standard output is the JSON and nothing else
    assert rows
    if keys is None:  # status: one table of several sections
        assert set(rows[0]) == {"table", "row", "column", "value"}
        assert {"as_of", "young_people", "vacancies"} <= set(data)
        return
    assert list(rows[0]) == keys
    if args[:2] == ["scenario", "list"]:
        assert {"name", "kind", "description", "levers"} == set(data[0])
        assert len({r["name"] for r in rows}) == len(data)
    else:
        assert list(data[0]) == keys and len(data) == len(rows)
    assert "Database:" not in as_json.stdout  # named on standard error, for people
    if args[0] != "scheduler":  # the jobs' list needs no database
        assert "Database:" in as_json.stderr
