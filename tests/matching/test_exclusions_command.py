"""`planner exclusions` lists the declines that keep pairs out of matching, in a table, CSV or
JSON, and `planner exclusions lift` lifts one, against a real SQLite file."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

from typer.testing import CliRunner

from planner.cli import app
from planner.core import clock

runner = CliRunner()
AS_OF = "2024-03-31"


def _run(url: str, *args: str):
    return runner.invoke(app, list(args), env={"PLANNER_DATABASE_URL": url, "COLUMNS": "200"})


def _first_proposal(url: str) -> str:
    listing = _run(url, "proposals")
    return next(
        line.split("│")[1].strip()
        for line in listing.output.splitlines()
        if "│" in line and line.split("│")[1].strip().isdigit()
    )


def test_decline_list_and_lift_from_the_command_line(sqlite_url):
    assert _run(sqlite_url, "demo", "--as-of", AS_OF).exit_code == 0
    assert _run(sqlite_url, "propose", "--as-of", AS_OF).exit_code == 0
    first = _first_proposal(sqlite_url)
    # refusals name the option and list the reasons a decline can give
    bad_day = _run(sqlite_url, "decide", first, "accept", "--start", "03/12/2026")
    assert bad_day.exit_code == 2 and "--start: value '03/12/2026'" in bad_day.output
    no_reason = _run(sqlite_url, "decide", first, "decline")
    assert no_reason.exit_code == 2 and "provider_declined" in no_reason.output
    with clock.frozen(date(2024, 3, 31)):
        declined = _run(sqlite_url, "decide", first, "decline", "--reason", "provider_declined")
    assert declined.exit_code == 0, declined.output
    assert "declined: declined by the provider on 31 March 2024" in declined.output
    assert "By" in (table := _run(sqlite_url, "exclusions").output) and "cli:" not in table
    assert "nothing" not in _run(sqlite_url, "exclusions").output.lower()

    rows = list(
        csv.DictReader(io.StringIO(_run(sqlite_url, "exclusions", "--format", "csv").stdout))
    )
    assert [(r["proposal"], r["decision"]) for r in rows] == [
        (first, "declined by the provider on 31 March 2024")
    ]
    (listed,) = json.loads(_run(sqlite_url, "exclusions", "--format", "json").stdout)
    assert listed["reason"] == "provider_declined" and listed["vacancy"].startswith("V")
    table = _run(sqlite_url, "exclusions").output
    assert "declined by the provider on 31 March 2024" in " ".join(table.split())

    refused = _run(sqlite_url, "exclusions", "lift", first, "--reason", " ")
    assert refused.exit_code == 2 and "Say why" in refused.output
    lifted = _run(sqlite_url, "exclusions", "lift", first, "--reason", "The provider agreed")
    assert lifted.exit_code == 0, lifted.output
    assert json.loads(_run(sqlite_url, "exclusions", "--format", "json").stdout) == []
    assert "No declines" in _run(sqlite_url, "exclusions").output
