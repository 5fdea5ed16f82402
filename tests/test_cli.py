"""The command line as an analyst uses it, against a real SQLite file."""

from __future__ import annotations

import csv
from datetime import date

from typer.testing import CliRunner

from planner.cli import app
from planner.core import clock

runner = CliRunner()


def _run(url: str, *args: str):
    return runner.invoke(app, list(args), env={"PLANNER_DATABASE_URL": url, "COLUMNS": "200"})


def test_demo_then_status_shows_the_reports_figures(sqlite_url):
    result = _run(sqlite_url, "demo", "--as-of", "2024-03-31")
    assert result.exit_code == 0, result.output
    assert "592" in result.output and "differs" in result.output  # 87 vs 85 is explained
    status = _run(sqlite_url, "status", "--as-of", "2024-03-31")
    assert status.exit_code == 0, status.output
    first_table = status.output.split("Open vacancies")[0]
    rows = {}
    for line in first_table.splitlines():
        cells = [c.strip() for c in line.split("│")[1:-1]]
        if len(cells) == 4:
            rows[cells[0]] = cells[1:]
    assert rows["Staying put"] == ["Z", "30", ""]
    assert rows["Supported lodgings"] == ["E", "21", ""]
    assert rows["Staying close"] == ["D", "12", ""]
    assert rows["Bed and breakfast"][2] == "3"
    assert rows["All"] == ["", "645", "9"]


def test_demo_rebuilds_itself_but_never_overwrites_a_councils_own_records(sqlite_url, tmp_path):
    assert _run(sqlite_url, "demo").exit_code == 0
    assert _run(sqlite_url, "demo").exit_code == 0  # the README's first command, run twice
    own = tmp_path / "own.csv"
    own.write_text("reference,date_of_birth,legal_status\nOWN1,2005-01-01,former_relevant\n")
    assert _run(sqlite_url, "import", "young-people", str(own)).exit_code == 0
    again = _run(sqlite_url, "demo")
    assert again.exit_code == 2 and "--reset" in again.output
    assert _run(sqlite_url, "demo", "--reset").exit_code == 0


def test_import_refuses_a_bad_file_with_exit_code_2_and_changes_nothing(sqlite_url, tmp_path):
    good = tmp_path / "good.csv"
    with good.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["reference", "date_of_birth", "legal_status"])
        writer.writerows([[f"YP{i}", "2005-01-0" + str(i), "former_relevant"] for i in range(1, 9)])
    assert _run(sqlite_url, "import", "young-people", str(good)).exit_code == 0
    bad = tmp_path / "bad.csv"
    text = good.read_text().splitlines()
    text[6] = "YP6,2005-13-45,former_relevant"
    text.append("YP99,2006-01-01,former_relevant")
    bad.write_text("\n".join(text) + "\n")
    result = _run(sqlite_url, "import", "young-people", str(bad))
    assert result.exit_code == 2
    assert "line 7" in result.output and "date_of_birth" in result.output
    assert "2005-13-45" not in result.output  # a date of birth is never echoed
    assert "the value" in result.output and "YYYY-MM-DD" in result.output
    out = tmp_path / "out.csv"
    assert _run(sqlite_url, "export", "young-people", str(out)).exit_code == 0
    refs = [row["reference"] for row in csv.DictReader(out.open())]
    assert "YP99" not in refs and len(refs) == 8


def test_unknown_kind_and_bad_suffix_are_explained(sqlite_url, tmp_path):
    result = _run(sqlite_url, "export", "hosts", str(tmp_path / "x.csv"))
    assert result.exit_code == 2 and "young-people" in result.output
    result = _run(sqlite_url, "template", "stays", str(tmp_path / "x.txt"))
    assert result.exit_code == 2 and ".xlsx" in result.output


def test_template_writes_the_header_to_fill_in(sqlite_url, tmp_path):
    path = tmp_path / "stays.csv"
    assert _run(sqlite_url, "template", "stays", str(path)).exit_code == 0
    assert path.read_text().splitlines()[0].startswith("young_person,placement_type,start_date")


def test_propose_then_accept_from_the_command_line(sqlite_url):
    assert _run(sqlite_url, "demo", "--as-of", "2024-03-31").exit_code == 0
    result = _run(sqlite_url, "propose", "--as-of", "2024-03-31")
    assert result.exit_code == 0, result.output
    assert "moved out of unsuitable accommodation" in result.output
    listing = _run(sqlite_url, "proposals", "--format", "csv")
    rows = list(csv.DictReader(listing.stdout.splitlines()))
    first, person = next((r["proposal"], r["young_person"]) for r in rows if r["stage"] == "a")
    with clock.frozen(date(2024, 3, 31)):  # the move is three months away: a planned move
        accepted = _run(sqlite_url, "decide", first, "accept", "--start", "2024-06-30")
    assert accepted.exit_code == 0, accepted.output
    assert f"Move planned for 30 June 2024; {person} stays where they are until then" in " ".join(
        accepted.output.split()
    )
    assert "2024-06-30" not in accepted.output
    again = _run(sqlite_url, "decide", first, "decline", "--reason", "other")
    assert again.exit_code == 2 and "changed by someone else" in again.output
    status = _run(sqlite_url, "status", "--as-of", "2024-07-01")
    all_row = next(line for line in status.output.splitlines() if line.startswith("│ All"))
    assert [c.strip() for c in all_row.split("│")[1:-1]] == ["All", "", "646", "8"]
