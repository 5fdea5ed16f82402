"""Any council, not only the demo: `planner status` describes the council's own records,
the demo stays out of production and can be removed, and `planner user list` shows who
exists before the young people who name their advisers are imported."""

from __future__ import annotations

import json

from sqlalchemy import create_engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from planner.cli import app
from planner.models import AuditEvent

runner = CliRunner()
FILES = {
    "young-people": "reference,date_of_birth,gender,legal_status,personal_adviser\n"
    "OWN1,2005-01-01,female,former_relevant,jsmith\n"
    "OWN2,2006-05-01,male,former_relevant,jsmith\n"
    "OWN3,2004-03-01,male,former_relevant,\n",
    "provisions": "reference,name,placement_type,area\n"
    "SL1,Host 1,supported_lodgings,North\nBB1,Station B&B,bed_and_breakfast,Town\n",
    "places": "reference,provision\nSL1-1,SL1\nSL1-2,SL1\nBB1-1,BB1\n",
    "stays": "young_person,placement_type,start_date,place\n"
    "OWN1,supported_lodgings,2024-01-01,SL1-1\n"
    "OWN2,bed_and_breakfast,2024-03-01,BB1-1\n"
    "OWN3,independent_tenancy,2023-01-01,\n",
    "vacancies": "place,available_from,status\nSL1-2,2024-03-01,open\n",
}


def _run(url: str, *args: str, **env: str):
    return runner.invoke(
        app, list(args), env={"PLANNER_DATABASE_URL": url, "COLUMNS": "200", **env}
    )


def _status(url: str) -> dict:
    result = _run(url, "status", "--as-of", "2024-03-31", "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _users(url: str) -> list[dict]:
    result = _run(url, "user", "list", "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_a_council_of_its_own_files_sees_its_own_figures_and_no_demo(sqlite_url, tmp_path):
    added = _run(sqlite_url, "user", "add", "jsmith", "--role", "personal_adviser",
                 "--display-name", "Jo Smith")  # fmt: skip
    assert added.exit_code == 0, added.output
    for kind, text in FILES.items():  # the README's order: advisers first, then the files
        path = tmp_path / f"{kind}.csv"
        assert _run(sqlite_url, "template", kind, str(path)).exit_code == 0
        path.write_text(text)
        result = _run(sqlite_url, "import", kind, str(path))
        assert result.exit_code == 0, result.output

    table = _run(sqlite_url, "status", "--as-of", "2024-03-31")
    assert table.exit_code == 0, table.output
    assert "demo" not in table.output.lower() and "report" not in table.output.lower()
    assert "592" not in table.output and "differs" not in table.output
    rows = {}
    for line in table.output.split("Open vacancies")[0].splitlines():
        cells = [c.strip() for c in line.split("│")[1:-1]]
        if len(cells) == 4:
            rows[cells[0]] = cells[1:]
    assert rows["Supported lodgings"] == ["E", "1", ""]
    assert rows["Bed and breakfast"] == ["W", "0", "1"]
    assert rows["All"] == ["", "2", "1"]

    status = _status(sqlite_url)  # the same figures for scripts
    assert status["demo_council"] is False and "demo_report_comparison" not in status
    people = {r["placement_type"]: (r["suitable"], r["unsuitable"]) for r in status["young_people"]}
    assert people == {
        "supported_lodgings": (1, 0),
        "independent_tenancy": (1, 0),
        "bed_and_breakfast": (0, 1),
        "all": (2, 1),
    }
    free = {r["placement_type"]: r["free_now"] for r in status["vacancies"]}
    assert free["supported_lodgings"] == 1
    as_csv = _run(sqlite_url, "status", "--as-of", "2024-03-31", "--format", "csv").output
    assert "young_people,4,unsuitable,1" in as_csv.splitlines()

    assert _users(sqlite_url) == [
        {"username": "jsmith", "role": "personal_adviser", "display_name": "Jo Smith",
         "enabled": True}
    ]  # fmt: skip
    assert _run(sqlite_url, "user", "disable", "jsmith").exit_code == 0
    listed = _run(sqlite_url, "user", "list")
    assert "jsmith" in listed.output and "Jo Smith" in listed.output and "disabled" in listed.output
    csv_rows = _run(sqlite_url, "user", "list", "--format", "csv").stdout.splitlines()
    assert csv_rows == ["username,role,display_name,enabled", "jsmith,personal_adviser,Jo Smith,no"]
    assert "argon2" not in listed.output and "$" not in csv_rows[1]

    gone = _run(sqlite_url, "demo", "--remove")  # there is no demo to remove
    assert gone.exit_code == 2 and "no demo council" in gone.output
    assert _status(sqlite_url)["young_people"][-1]["suitable"] == 2


def test_demo_remove_leaves_an_empty_council_and_is_audited(sqlite_url):
    built = _run(sqlite_url, "demo", "--as-of", "2024-03-31")
    assert built.exit_code == 0, built.output
    demo = _status(sqlite_url)
    assert demo["demo_council"] is True and demo["demo_report_comparison"]
    assert "beside its 2023-24 annual report" in _run(sqlite_url, "status").output
    assert any(u["username"] == "demo-administrator" for u in _users(sqlite_url))

    removed = _run(sqlite_url, "demo", "--remove")
    assert removed.exit_code == 0, removed.output
    after = _status(sqlite_url)
    assert after["holds_records"] is False and after["demo_council"] is False
    assert after["young_people"] == [
        {"placement_type": "all", "label": "All", "ssda903": "", "suitable": 0, "unsuitable": 0}
    ]
    assert all(not r["free_now"] and not r["free_later"] for r in after["vacancies"])
    assert _users(sqlite_url) == []
    assert "No young people or provisions" in _run(sqlite_url, "status").output
    with Session(create_engine(sqlite_url)) as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "remove_demo")).one()
    assert event.actor.startswith("cli:") and "accounts=22" in event.detail


def test_demo_remove_refuses_once_the_councils_own_records_are_in(sqlite_url, tmp_path):
    assert _run(sqlite_url, "demo", "--as-of", "2024-03-31").exit_code == 0
    own = tmp_path / "own.csv"
    own.write_text("reference,date_of_birth,legal_status\nOWN1,2005-01-01,former_relevant\n")
    assert _run(sqlite_url, "import", "young-people", str(own)).exit_code == 0
    before = _status(sqlite_url)
    users_before = _users(sqlite_url)
    assert before["demo_council"] is False  # mixed: no report comparison either

    refused = _run(sqlite_url, "demo", "--remove")
    assert refused.exit_code == 2
    assert "nothing was removed" in refused.output and "young people imported by cli:" in (
        refused.output.replace("\n", " ")
    )
    assert _status(sqlite_url) == before and _users(sqlite_url) == users_before


def test_the_demo_is_refused_in_production(sqlite_url):
    for args in (("demo",), ("demo", "--remove")):
        result = _run(sqlite_url, *args, PLANNER_ENVIRONMENT="production",
                      PLANNER_SECRET_KEY="a-real-secret-of-enough-length-0123456789")  # fmt: skip
        assert result.exit_code == 2
        assert "not available in production" in result.output
    assert _run(sqlite_url, "demo", PLANNER_ENVIRONMENT="production").exit_code == 2
    assert _status(sqlite_url)["holds_records"] is False
