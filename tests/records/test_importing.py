"""Importing and exporting the council's own records: clear errors, all-or-nothing,
idempotent, round-trips, and exports no spreadsheet will execute."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from sqlmodel import func, select

from planner.accounts import users
from planner.domain import Role
from planner.models import AuditEvent, Place, Provision, Stay, YoungPerson
from planner.records.exporting import export_file, export_rows
from planner.records.importing import ImportRefused, import_file
from planner.records.spreadsheets import FileRefused
from planner.records.templates import template_for

PEOPLE_HEADER = ["reference", "date_of_birth", "gender", "legal_status", "uasc", "area", "has_pet"]


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _people_rows(n: int) -> list[list[str]]:
    return [
        [
            f"YP{i:04d}",
            f"200{3 + i % 6}-0{1 + i % 9}-1{i % 9}",  # 17 to 23 years old
            "female",
            "former_relevant",
            "no",
            "Weymouth",
            "yes",
        ]
        for i in range(1, n + 1)
    ]


def _count(session, model) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def test_a_bad_date_on_line_7_is_refused_naming_line_column_and_value(session, tmp_path):
    rows = _people_rows(8)
    rows[5][1] = "31/02/2006"  # the sixth data row is line 7 (the header is line 1)
    path = _write_csv(tmp_path / "people.csv", PEOPLE_HEADER, rows)
    before = _count(session, YoungPerson)
    with pytest.raises(ImportRefused) as refused:
        import_file(session, "young_people", path, actor="test")
    message = str(refused.value)
    assert "line 7" in message
    assert "date_of_birth" in message
    assert "31/02/2006" not in message and "the value" in message  # a date of birth
    assert "YYYY-MM-DD" in message
    assert [(e.line, e.column) for e in refused.value.errors] == [(7, "date_of_birth")]
    assert _count(session, YoungPerson) == before
    assert _count(session, AuditEvent) == 0


def test_every_bad_cell_is_reported_and_nothing_is_written(session, tmp_path):
    rows = _people_rows(4)
    rows[0][2] = "robot"
    rows[2][4] = "perhaps"
    rows[3][0] = ""
    path = _write_csv(tmp_path / "people.csv", PEOPLE_HEADER, rows)
    with pytest.raises(ImportRefused) as refused:
        import_file(session, "young-people", path, actor="test")
    found = {(e.line, e.column, e.value) for e in refused.value.errors}
    assert found == {(2, "gender", "robot"), (4, "uasc", "perhaps"), (5, "reference", "")}
    assert _count(session, YoungPerson) == 0


def test_importing_the_same_file_twice_changes_nothing_the_second_time(session, tmp_path):
    path = _write_csv(tmp_path / "people.csv", PEOPLE_HEADER, _people_rows(5))
    first = import_file(session, "young_people", path, actor="test")
    assert (first.created, first.updated, first.unchanged) == (5, 0, 0)
    snapshot = export_rows(session, "young_people")
    second = import_file(session, "young_people", path, actor="test")
    assert (second.created, second.updated, second.unchanged) == (0, 0, 5)
    assert export_rows(session, "young_people") == snapshot


def test_a_changed_row_updates_that_record_only(session, tmp_path):
    rows = _people_rows(3)
    import_file(
        session, "young_people", _write_csv(tmp_path / "a.csv", PEOPLE_HEADER, rows), actor="t"
    )
    versions = dict(session.exec(select(YoungPerson.reference, YoungPerson.version)).all())
    rows[1][5] = "Portland"
    report = import_file(
        session, "young_people", _write_csv(tmp_path / "b.csv", PEOPLE_HEADER, rows), actor="t"
    )
    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    person = session.exec(select(YoungPerson).where(YoungPerson.reference == "YP0002")).one()
    assert person.area == "Portland"
    # a form opened before the import holds the old version: saving it is refused as stale
    after = dict(session.exec(select(YoungPerson.reference, YoungPerson.version)).all())
    assert after == {**versions, "YP0002": versions["YP0002"] + 1}


def test_unknown_and_missing_columns_are_refused_on_line_1(session, tmp_path):
    path = _write_csv(tmp_path / "p.csv", ["reference", "dob"], [["YP1", "2005-01-01"]])
    with pytest.raises(FileRefused) as refused:
        import_file(session, "young_people", path, actor="t")
    assert "line 1" in str(refused.value)
    assert "date_of_birth" in str(refused.value) and "dob" in str(refused.value)


def test_a_reference_used_twice_in_one_file_is_refused(session, tmp_path):
    rows = _people_rows(3)
    rows[2][0] = rows[0][0]
    with pytest.raises(ImportRefused) as refused:
        import_file(
            session, "young_people", _write_csv(tmp_path / "p.csv", PEOPLE_HEADER, rows), actor="t"
        )
    assert refused.value.errors[0].line == 4
    assert "line 2" in refused.value.errors[0].expected


def _inventory(session, tmp_path):
    users.ensure_user(session, username="pa01", role=Role.personal_adviser)
    import_file(
        session,
        "young_people",
        _write_csv(
            tmp_path / "yp.csv",
            ["reference", "date_of_birth", "legal_status", "personal_adviser"],
            [
                ["YP1", "2005-04-01", "former_relevant", "pa01"],
                ["YP2", "2006-09-30", "relevant", ""],
            ],
        ),
        actor="t",
    )
    import_file(
        session,
        "provisions",
        _write_csv(
            tmp_path / "prov.csv",
            ["reference", "name", "placement_type", "cohort", "min_age", "max_age", "weekly_cost"],
            [
                [
                    "SA1",
                    "Framework scheme 1",
                    "supported_accommodation",
                    "care_leavers",
                    "16",
                    "25",
                    "850.00",
                ]
            ],
        ),
        actor="t",
    )
    import_file(
        session,
        "places",
        _write_csv(
            tmp_path / "pl.csv", ["reference", "provision"], [["SA1-01", "SA1"], ["SA1-02", "SA1"]]
        ),
        actor="t",
    )


def test_stays_link_young_people_and_places_and_refuse_overlaps(session, tmp_path):
    _inventory(session, tmp_path)
    header = ["young_person", "placement_type", "start_date", "end_date", "place"]
    good = [
        ["YP1", "bed_and_breakfast", "2024-01-01", "2024-02-01", ""],
        ["YP1", "supported_accommodation", "2024-02-01", "", "SA1-01"],
    ]
    report = import_file(session, "stays", _write_csv(tmp_path / "s.csv", header, good), actor="t")
    assert report.created == 2
    stays = session.exec(select(Stay).order_by(Stay.start_date)).all()
    assert [s.suitable for s in stays] == [False, True]  # blank suitable: the type's policy
    # a second current stay for YP1 overlaps the one in the database
    bad = [
        ["YP1", "with_family", "2024-06-01", "", ""],
        ["YP9", "with_family", "2024-06-01", "", ""],
    ]
    with pytest.raises(ImportRefused) as refused:
        import_file(session, "stays", _write_csv(tmp_path / "s2.csv", header, bad), actor="t")
    errors = {(e.line, e.column) for e in refused.value.errors}
    assert errors == {(2, "start_date"), (3, "young_person")}
    assert _count(session, Stay) == 2


def test_provision_rules_are_checked_across_columns(session, tmp_path):
    header = ["reference", "name", "placement_type", "min_age", "max_age"]
    with pytest.raises(ImportRefused) as refused:
        import_file(
            session,
            "provisions",
            _write_csv(
                tmp_path / "p.csv", header, [["P1", "Host", "supported_lodgings", "23", "17"]]
            ),
            actor="t",
        )
    assert (refused.value.errors[0].line, refused.value.errors[0].column) == (2, "max_age")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_exports_round_trip_through_the_importer(session, tmp_path, suffix):
    _inventory(session, tmp_path)
    for kind in ("young_people", "provisions", "places"):
        path = tmp_path / f"{kind}{suffix}"
        count = export_file(session, kind, path, actor="t")
        assert count > 0
        report = import_file(session, kind, path, actor="t")
        assert report.unchanged == count and report.created == report.updated == 0
    exports = session.exec(select(AuditEvent).where(AuditEvent.action == "export")).all()
    assert {e.entity for e in exports} == {"young_people", "provisions", "places"}
    assert all("YP" not in e.detail for e in exports)


def test_exports_neutralise_spreadsheet_formulas(session, tmp_path):
    session.add(
        Provision(
            reference='=HYPERLINK("http://x")',
            name="+SUM(A1)",
            placement_type="council_flat",
            provider="@cmd",
            area="-1+1",
        )
    )
    session.flush()
    path = tmp_path / "p.xlsx"
    export_file(session, "provisions", path, actor="t")
    sheet = openpyxl.load_workbook(path).worksheets[0]
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    for column in ("reference", "name", "provider", "area"):
        assert row[column].startswith("'"), column
    assert all(c.data_type != "f" for c in sheet[2])
    csv_path = tmp_path / "p.csv"
    export_file(session, "provisions", csv_path, actor="t")
    with csv_path.open() as handle:
        record = next(csv.DictReader(handle))
    assert record["name"] == "'+SUM(A1)"


def test_template_columns_match_the_documentation():
    doc = (Path(__file__).resolve().parents[2] / "docs" / "data-templates.md").read_text()
    for kind in ("young_people", "provisions", "places", "stays", "vacancies"):
        for column in template_for(kind).columns:
            assert f"`{column.name}`" in doc, (kind, column.name)


def test_xlsx_dates_and_numbers_are_read_like_csv_text(session, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["reference", "date_of_birth", "legal_status", "uasc"])
    sheet.append(["YP1", date(2005, 3, 4), "former_relevant", 1])
    path = tmp_path / "p.xlsx"
    book.save(path)
    import_file(session, "young_people", path, actor="t")
    person = session.exec(select(YoungPerson)).one()
    assert person.date_of_birth == date(2005, 3, 4) and person.uasc is True
    assert session.exec(select(Place)).all() == []


def test_a_stay_in_an_unsuitable_type_marked_suitable_is_refused(session, tmp_path):
    _inventory(session, tmp_path)
    header = ["young_person", "placement_type", "start_date", "end_date", "suitable"]
    rows = [
        ["YP1", "council_flat", "2024-01-01", "2024-02-01", "no"],
        ["YP1", "bed_and_breakfast", "2024-02-01", "", "Yes"],
    ]
    path = _write_csv(tmp_path / "stays.csv", header, rows)
    with pytest.raises(ImportRefused) as refused:
        import_file(session, "stays", path, actor="t")
    assert [(e.line, e.column, e.value) for e in refused.value.errors] == [(3, "suitable", "Yes")]
    message = str(refused.value)
    assert "stays.csv" in message and "line 3" in message and "'Yes'" in message
    assert "bed and breakfast is always unsuitable" in message
    assert _count(session, Stay) == 0
