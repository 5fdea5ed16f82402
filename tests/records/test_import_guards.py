"""Imports that guard what comes after: records the matching, the sweep or the forecasts could
not use are refused at the import, naming line and column; a refusal changes nothing but is
audited; an export imports back exactly, formulas neutralised on the way out included."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session, func, select
from typer.testing import CliRunner

from optimiser.inputs import InputProblem
from planner.accounts import users
from planner.cli import app
from planner.core import clock
from planner.core.db import make_engine
from planner.domain import Role
from planner.matching.service import input_problems_message
from planner.models import AuditEvent, Place, Provision, Stay, Vacancy, YoungPerson
from planner.records.exporting import export_file
from planner.records.importing import ImportRefused, import_file
from planner.records.spreadsheets import safe_cell, unsafe_cell

TODAY = date(2026, 6, 15)
KINDS = ("young_people", "provisions", "places", "stays", "vacancies")


@pytest.fixture(autouse=True)
def _frozen_today():
    with clock.frozen(TODAY):
        yield


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _counts(session: Session) -> dict[str, int]:
    return {
        m.__name__: session.exec(select(func.count()).select_from(m)).one()
        for m in (YoungPerson, Provision, Place, Stay, Vacancy)
    }


def _refused(session: Session, kind: str, path: Path) -> ImportRefused:
    before = _counts(session)
    with pytest.raises(ImportRefused) as refused:
        import_file(session, kind, path, actor="t")
    assert _counts(session) == before  # nothing written
    return refused.value


def _records(session: Session, tmp_path: Path) -> None:
    """Two young people, a framework scheme with two places and a B&B with one."""
    users.ensure_user(session, username="pa01", role=Role.personal_adviser)
    people = [
        ["YP1", "2005-04-01", "former_relevant", "pa01", "", "Weymouth"],
        ["YP2", "2008-09-30", "relevant", "", "", '=HYPERLINK("http://x")'],
    ]
    header = ["reference", "date_of_birth", "legal_status", "personal_adviser"]
    header += ["risk_flags", "area"]
    import_file(session, "young_people", _csv(tmp_path / "yp.csv", header, people), actor="t")
    provisions = [
        ["SA1", "Framework scheme 1", "supported_accommodation", "850.50", "+44 provider"],
        ["BB1", "Seaview B&B", "bed_and_breakfast", "420", "-"],
    ]
    header = ["reference", "name", "placement_type", "weekly_cost", "provider"]
    import_file(session, "provisions", _csv(tmp_path / "pr.csv", header, provisions), actor="t")
    places = [["SA1-01", "SA1", "'=quoted"], ["SA1-02", "SA1", "@room"], ["BB1-1", "BB1", ""]]
    header = ["reference", "provision", "label"]
    import_file(session, "places", _csv(tmp_path / "pl.csv", header, places), actor="t")


# (a) an open vacancy in unsuitable accommodation ------------------------------------------


def test_an_open_vacancy_in_bed_and_breakfast_is_refused_naming_line_and_column(session, tmp_path):
    _records(session, tmp_path)
    header = ["place", "available_from", "status"]
    rows = [["SA1-01", "2026-07-01", "open"], ["BB1-1", "2026-07-01", "open"]]
    refused = _refused(session, "vacancies", _csv(tmp_path / "v.csv", header, rows))
    assert [(e.line, e.column, e.value) for e in refused.errors] == [(3, "place", "BB1-1")]
    message = str(refused)
    assert "line 3" in message and "'BB1-1'" in message and "bed and breakfast" in message
    # a withdrawn one is history, not an offer: accepted
    rows[1][2] = "withdrawn"
    report = import_file(session, "vacancies", _csv(tmp_path / "w.csv", header, rows), actor="t")
    assert report.created == 2


def test_the_match_runs_refusal_says_which_records_and_never_their_values():
    problems = [
        InputProblem("people", 3, "YP0004", "date_of_birth", "2031-02-01", "a past date"),
        InputProblem("vacancies", 0, "V12", "placement_type", "bed_and_breakfast", "suitable"),
    ]
    message = input_problems_message(problems)
    assert "2 problem(s)" in message
    assert "people YP0004, column 'date_of_birth': expected a past date" in message
    assert "vacancies V12, column 'placement_type'" in message
    assert "2031-02-01" not in message


# (b) ages outside the service's 14-25 --------------------------------------------------------


def test_young_people_younger_than_14_or_older_than_25_today_are_refused(session, tmp_path):
    header = ["reference", "date_of_birth", "legal_status", "left_service_on"]
    rows = [
        ["YP1", "2013-01-01", "relevant", ""],  # 13 today
        ["YP2", "2000-06-14", "former_relevant", ""],  # 26 today
        ["YP3", "2000-06-16", "former_relevant", ""],  # 25 until tomorrow: fine
        ["YP4", "1998-01-01", "former_relevant", "2023-12-31"],  # left the service: fine
        ["YP5", "2012-06-15", "relevant", ""],  # 14 today: fine
    ]
    refused = _refused(session, "young_people", _csv(tmp_path / "yp.csv", header, rows))
    assert [(e.line, e.column) for e in refused.errors] == [(2, "date_of_birth")] + [
        (3, "date_of_birth")
    ]
    message = str(refused)
    assert "14 to 25 on 2026-06-15" in message
    assert "2013-01-01" not in message and "2000-06-14" not in message  # dates of birth
    del rows[:2]
    assert import_file(session, "young_people", _csv(tmp_path / "ok.csv", header, rows), actor="t")


def test_in_care_for_someone_already_18_is_refused(session, tmp_path):
    """Care ends at 18; a new council's file marked people of 18 and 19 as still in care,
    and the planner then treated their 18th birthdays as missed deadlines."""
    header = ["reference", "date_of_birth", "legal_status", "in_care"]
    rows = [
        ["YP1", "2008-01-01", "eligible", "yes"],  # 18 today (15 June 2026)
        ["YP2", "2009-01-01", "eligible", "yes"],  # 17: fine
        ["YP3", "2007-01-01", "former_relevant", "no"],  # 19, not in care: fine
    ]
    refused = _refused(session, "young_people", _csv(tmp_path / "yp.csv", header, rows))
    assert [(e.line, e.column) for e in refused.errors] == [(2, "in_care")]
    assert "care ends at 18" in str(refused)
    rows[0][3] = "no"
    assert import_file(session, "young_people", _csv(tmp_path / "ok.csv", header, rows), actor="t")


def test_a_stay_outside_the_ages_of_the_service_is_refused(session, tmp_path):
    _records(session, tmp_path)  # YP1 born 2005-04-01, YP2 born 2008-09-30
    header = ["young_person", "placement_type", "start_date", "end_date"]
    rows = [
        ["YP1", "council_flat", "2018-01-01", "2019-01-01"],  # 12 to 13
        ["YP1", "council_flat", "2030-06-01", "2031-05-01"],  # 25 to 26
        ["YP2", "in_care_other", "2020-01-01", "2024-01-01"],  # in care from 11: fine
    ]
    refused = _refused(session, "stays", _csv(tmp_path / "s.csv", header, rows))
    assert [(e.line, e.column) for e in refused.errors] == [
        (2, "end_date"),
        (2, "start_date"),
        (3, "end_date"),
    ]
    assert "2018-01-01" not in str(refused) and "14 to 25" in str(refused)


# (c) overlapping stays -----------------------------------------------------------------------


def test_overlapping_stays_in_one_file_are_refused(session, tmp_path):
    _records(session, tmp_path)
    header = ["young_person", "placement_type", "start_date", "end_date"]
    rows = [
        ["YP1", "council_flat", "2024-01-01", "2024-06-01"],
        ["YP1", "supported_lodgings", "2024-05-01", ""],
    ]
    refused = _refused(session, "stays", _csv(tmp_path / "s.csv", header, rows))
    assert [(e.line, e.column) for e in refused.errors] == [(3, "start_date")]
    assert "a start after the stay on line 2 has ended" in str(refused)


def test_a_stay_overlapping_one_recorded_in_the_planner_names_that_stay(session, tmp_path):
    """Found by a new council importing its stays file again after a move was recorded in
    the planner: the refusal named "the stay on line 9" for line 9 itself."""
    _records(session, tmp_path)
    header = ["young_person", "placement_type", "start_date", "end_date"]
    moved = [["YP1", "council_flat", "2024-05-01", ""]]
    assert import_file(session, "stays", _csv(tmp_path / "m.csv", header, moved), actor="t")
    old = [["YP1", "supported_lodgings", "2024-01-01", ""]]  # still open in the old file
    refused = _refused(session, "stays", _csv(tmp_path / "s.csv", header, old))
    assert [(e.line, e.column) for e in refused.errors] == [(2, "end_date")]
    assert "an end on or before 1 May 2024, when the stay already recorded in the planner" in (
        str(refused)
    )
    assert "line 2 and" not in str(refused)
    later = [["YP1", "supported_lodgings", "2024-06-01", ""]]  # begins while the flat goes on
    refused = _refused(session, "stays", _csv(tmp_path / "l.csv", header, later))
    assert "the stay already recorded in the planner from 1 May 2024 has ended" in str(refused)


# (d) personal advisers who are not users ----------------------------------------------------


def test_a_missing_adviser_is_one_error_per_username_with_the_command_that_adds_them(
    session, tmp_path
):
    header = ["reference", "date_of_birth", "legal_status", "personal_adviser"]
    rows = [[f"YP{i}", "2005-01-01", "former_relevant", "pa99"] for i in range(1, 41)]
    rows[5][3] = "PA77"
    refused = _refused(session, "young_people", _csv(tmp_path / "yp.csv", header, rows))
    assert [(e.line, e.column, e.value) for e in refused.errors] == [
        (2, "personal_adviser", "pa99"),
        (7, "personal_adviser", "PA77"),
    ]
    message = str(refused)
    assert "planner user add pa99 --role personal_adviser" in message
    assert "planner user list" in message and "also on line(s) 3, 4," in message


# (e) refusals are audited, in a transaction of their own ------------------------------------


def test_a_refused_import_is_audited_and_changes_nothing_else(sqlite_url, tmp_path):
    runner = CliRunner()
    env = {"PLANNER_DATABASE_URL": sqlite_url, "COLUMNS": "200"}
    header = ["reference", "date_of_birth", "legal_status", "risk_flags"]
    good = _csv(tmp_path / "good.csv", header, [["YP1", "2005-01-01", "relevant", ""]])
    assert runner.invoke(app, ["import", "young-people", str(good)], env=env).exit_code == 0
    rows = [
        ["YP2", "2005-01-01", "former_relevant", "exploitation"],
        ["YP3", "31/02/2006", "former_relevant", "exploitation"],
    ]
    bad = _csv(tmp_path / "bad.csv", header, rows)
    result = runner.invoke(app, ["import", "young-people", str(bad)], env=env)
    assert result.exit_code == 2
    assert "line 3" in result.output and "date_of_birth" in result.output
    assert "31/02/2006" not in result.output and "the value" in result.output
    engine = make_engine(sqlite_url)
    try:
        with Session(engine) as session:
            people = session.exec(select(YoungPerson.reference)).all()
            events = session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()
    finally:
        engine.dispose()
    assert people == ["YP1"]
    refusal = [e for e in events if e.action == "import_refused"]
    assert len(refusal) == 1
    assert refusal[0].entity == "young_people" and refusal[0].detail == "rows=2 errors=1"
    assert [e.action for e in events].count("import") == 1


# (f) exact round trips -----------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_every_kind_round_trips_exactly_formulas_included(session, tmp_path, suffix):
    _records(session, tmp_path)
    stays = [
        ["YP1", "bed_and_breakfast", "2024-01-01", "2024-02-01", "", "BB1-1", "-Portland"],
        ["YP1", "supported_accommodation", "2024-02-01", "", "", "SA1-01", "@home"],
        ["YP2", "in_care_other", "2023-01-01", "", "no", "", ""],
    ]
    header = ["young_person", "placement_type", "start_date", "end_date", "suitable"]
    header += ["place", "area"]
    import_file(session, "stays", _csv(tmp_path / "st.csv", header, stays), actor="t")
    vacancies = [["SA1-02", "2026-07-01", "open"], ["BB1-1", "2024-02-01", "withdrawn"]]
    header = ["place", "available_from", "status"]
    import_file(session, "vacancies", _csv(tmp_path / "va.csv", header, vacancies), actor="t")
    for kind in KINDS:
        path = tmp_path / "out" / f"{kind}{suffix}"
        count = export_file(session, kind, path, actor="t")
        report = import_file(session, kind, path, actor="t")
        assert (report.created, report.updated, report.unchanged) == (0, 0, count), kind
    person = session.exec(select(YoungPerson).where(YoungPerson.reference == "YP2")).one()
    assert person.area == '=HYPERLINK("http://x")'
    labels = dict(session.exec(select(Place.reference, Place.label)).all())
    # a file's '= is read as an export of = would be (the apostrophe was the exporter's)
    assert labels["SA1-01"] == "=quoted" and labels["SA1-02"] == "@room"


@pytest.mark.parametrize(
    "text", ["=1+1", "+44", "-", "@x", "'=x", "''=x", "'hello", "it's", "plain", "", "'", "'@"]
)
def test_reading_reverses_exactly_what_writing_neutralised(text):
    assert unsafe_cell(safe_cell(text)) == text
    assert not str(safe_cell(text)).startswith(("=", "+", "-", "@"))


def test_a_provision_or_place_with_an_open_vacancy_cannot_become_unsuitable(session, tmp_path):
    _records(session, tmp_path)
    header = ["place", "available_from", "status"]
    rows = [["SA1-01", "2026-07-01", "open"]]
    import_file(session, "vacancies", _csv(tmp_path / "v.csv", header, rows), actor="t")
    header = ["reference", "name", "placement_type"]
    rows = [["SA1", "Framework scheme 1", "emergency_accommodation"]]
    refused = _refused(session, "provisions", _csv(tmp_path / "p.csv", header, rows))
    assert [(e.line, e.column, e.value) for e in refused.errors] == [
        (2, "placement_type", "emergency_accommodation")
    ]
    rows = [["SA1-01", "BB1"], ["SA1-02", "BB1"]]  # SA1-02 has no open vacancy: it may move
    refused = _refused(
        session, "places", _csv(tmp_path / "pl.csv", ["reference", "provision"], rows)
    )
    assert [(e.line, e.column, e.value) for e in refused.errors] == [(2, "provision", "BB1")]
    assert "withdraw the vacancy first" in str(refused)
