"""Importing the council's SSDA903 files: the synthetic returns (invalid codes on purpose)
are refused with every invalid code named by file, line and column; with quarantine the
valid rows go in and the others are listed; importing again changes nothing."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session, select

from planner.core import clock
from planner.domain import LegalStatus, PlacementType
from planner.models import AuditEvent, Stay, YoungPerson
from planner.records.spreadsheets import FileRefused
from planner.returns import rules
from planner.returns.service import ReturnRefused, import_903, write_quarantine
from tests.shared_data import SHARED

SYNTHETIC = SHARED / "data" / "external" / "ssda903_synthetic"
DEMAND_MODEL = SYNTHETIC / "cs-demand-model"
VALIDATOR = SYNTHETIC / "csc-validator-be-903"
CODE_LISTS = SHARED / "data" / "external" / "compiled" / "ssda903_code_lists.csv"
TODAY = date(2026, 11, 30)


@pytest.fixture(autouse=True)
def _frozen() -> Iterator[None]:
    if not DEMAND_MODEL.is_dir():
        pytest.skip(f"synthetic 903 files not found at {SYNTHETIC}")
    with clock.frozen(TODAY):
        yield


def _valid_codes(fieldname: str) -> set[str]:
    """The DfE's valid codes for an OC3 field, from the compiled code lists (an oracle kept
    apart from the importer's own lists)."""
    with CODE_LISTS.open() as handle:
        return {
            r["code"]
            for r in csv.DictReader(handle)
            if r["table"] == "OC3" and r["field"] == fieldname and "invalid" not in r["valid_years"]
        }


def _invalid_cells(folder: Path) -> set[tuple[str, int, str]]:
    """(file, line, column) of every OC3 code the code lists call invalid."""
    found = set()
    valid = {f: _valid_codes(f) for f in ("IN_TOUCH", "ACTIV", "ACCOM")}
    for path in sorted(folder.glob("*oc3.csv")):
        with path.open() as handle:
            for line, row in enumerate(csv.DictReader(handle), start=2):
                for column, codes in valid.items():
                    if row[column] and row[column] not in codes:
                        found.add((path.name, line, column))
    return found


def _snapshot(session: Session) -> tuple[list[tuple], list[tuple]]:
    people = [
        (p.reference, p.date_of_birth, p.gender, p.ethnicity, p.legal_status, p.in_care, p.uasc,
         p.in_touch, p.activity, p.version)
        for p in session.exec(select(YoungPerson).order_by(YoungPerson.reference)).all()
    ]  # fmt: skip
    stays = sorted(
        (s.young_person_id, s.start_date, s.end_date, s.placement_type, s.suitable, s.version)
        for s in session.exec(select(Stay)).all()
    )
    return people, stays


def test_five_years_of_synthetic_returns_are_refused_naming_every_invalid_code(session):
    expected = _invalid_cells(DEMAND_MODEL)
    assert len(expected) > 10  # the fixture really is dirty
    with pytest.raises(ReturnRefused) as caught:
        import_903(session, DEMAND_MODEL, actor="t")
    reported = {(e.file, e.line, e.column) for e in caught.value.errors}
    assert expected <= reported
    assert all(e.rule for e in caught.value.errors)
    assert session.exec(select(YoungPerson)).all() == []  # nothing was imported
    assert "-oc3.csv, line " in str(caught.value)


def test_the_validators_fake_files_need_a_year_and_then_report_their_codes(session):
    with pytest.raises(ReturnRefused) as caught:
        import_903(session, VALIDATOR, actor="t")
    assert "collection year" in str(caught.value)
    with pytest.raises(ReturnRefused) as caught:
        import_903(session, VALIDATOR, actor="t", year=2019)
    reported = {(e.file, e.line, e.column) for e in caught.value.errors}
    assert _invalid_cells(VALIDATOR) <= reported
    accom_01 = [e for e in caught.value.errors if e.column == "ACCOM" and e.value == "01"]
    assert accom_01 and "rule 133" in accom_01[0].rule


def test_quarantine_imports_the_valid_rows_and_a_second_import_changes_nothing(session, tmp_path):
    report = import_903(session, DEMAND_MODEL, actor="t", quarantine=True)
    assert report.people_created > 20 and report.stays_created > 20
    bad = {(e.file, e.line) for e in report.quarantined}
    assert {(f, line) for f, line, _ in _invalid_cells(DEMAND_MODEL)} <= bad
    # a row left out leaves no trace: a child whose only OC3 row broke a rule has no
    # in_touch recorded from it
    people = {p.reference: p for p in session.exec(select(YoungPerson)).all()}
    assert all(p.in_touch in ("", *rules.IN_TOUCH_CODES) for p in people.values())
    assert all(p.activity in ("", *rules.ACTIVITY_CODES) for p in people.values())
    before = _snapshot(session)
    again = import_903(session, DEMAND_MODEL, actor="t", quarantine=True)
    assert again.changed == 0
    assert _snapshot(session) == before
    listed = tmp_path / "q.csv"
    assert write_quarantine(listed, report.quarantined) == len(report.quarantined)
    with listed.open() as handle:
        rows = list(csv.DictReader(handle))
    assert {"file", "line", "column", "value", "rule"} == set(rows[0])
    dob_rows = [r for r in rows if r["column"] == "DOB"]
    assert dob_rows and all(r["value"] == "" for r in dob_rows)  # no date of birth repeated
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "import_903")).all()
    assert len(events) == 2 and "people_created=" in events[0].detail
    assert all(ref not in events[0].detail for ref in list(people)[:5])  # counts only


def test_tables_are_recognised_by_their_columns_not_their_names(session, tmp_path):
    folder = tmp_path / "returns" / "2021"
    folder.mkdir(parents=True)
    for table, name in (("header", "a.csv"), ("episodes", "b.csv"), ("uasc", "c.csv")):
        shutil.copy(DEMAND_MODEL / f"2021-{table}.csv", folder / name)
    report = import_903(session, tmp_path / "returns", actor="t")
    assert report.files == 3 and report.people_created > 0
    (folder / "d.csv").write_text("CHILD,DOB,SOMETHING\n1,01/01/2005,x\n")
    with pytest.raises(ReturnRefused) as caught:
        import_903(session, tmp_path / "returns", actor="t")
    (error,) = caught.value.errors
    assert error.file.endswith("d.csv") and "exact columns" in error.rule
    with pytest.raises(FileRefused):
        import_903(session, tmp_path / "missing", actor="t")


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def test_statuses_stays_and_suitability_are_derived_from_episodes_and_oc3(session, tmp_path):
    folder = tmp_path / "2024"
    _write(
        folder / "header.csv",
        list(rules.TABLES["header"]),
        [
            ["C1", "1", "10/03/2008", "WBRI", "", "", ""],  # 16, looked after since 14
            ["C2", "2", "10/05/2005", "BAFR", "", "", ""],  # 18 in the year, left care at 18
            ["C3", "1", "10/01/2008", "AIND", "", "", ""],  # looked after 4 weeks after 16
        ],
    )
    _write(
        folder / "episodes.csv",
        list(rules.TABLES["episodes"]),
        [
            ["C1", "10/06/2022", "S", "C2", "N1", "U4", "PR1", "", "", "", "", "", ""],
            ["C2", "01/01/2020", "S", "C2", "N1", "K2", "PR1", "01/09/2022", "", "", "", "", ""],
            ["C2", "01/09/2022", "P", "C2", "N1", "H5", "PR4", "10/05/2023", "E17", "", "", "", ""],
            ["C3", "15/01/2024", "S", "V2", "N1", "H5", "PR4", "12/02/2024", "", "", "", "", ""],
        ],
    )
    _write(folder / "oc3.csv", list(rules.TABLES["oc3"]), [["C2", "10/05/2005", "YES", "F2", "W1"]])
    _write(folder / "uasc.csv", list(rules.TABLES["uasc"]), [["C1", "1", "10/03/2008", ""]])
    with clock.frozen(date(2024, 3, 31)):
        report = import_903(session, tmp_path, actor="t")
    assert report.unsuitable_by_policy == 1  # W1: suitable to the DfE, never to the council
    people = {p.reference: p for p in session.exec(select(YoungPerson)).all()}
    assert (people["C1"].legal_status, people["C1"].in_care, people["C1"].uasc) == (
        LegalStatus.eligible,
        True,
        True,
    )
    assert people["C2"].legal_status == LegalStatus.former_relevant
    assert (people["C2"].in_touch, people["C2"].activity) == ("YES", "F2")
    assert people["C3"].legal_status == LegalStatus.qualifying
    stays = session.exec(
        select(Stay).where(Stay.young_person_id == people["C2"].id).order_by(Stay.start_date)
    ).all()
    assert [(s.placement_type, s.start_date, s.end_date, s.suitable) for s in stays] == [
        (PlacementType.in_care_other, date(2021, 5, 10), date(2022, 9, 1), True),
        (PlacementType.supported_accommodation, date(2022, 9, 1), date(2023, 5, 10), True),
        (PlacementType.bed_and_breakfast, date(2023, 5, 10), None, False),
    ]


def test_a_councils_own_mapping_decides_the_placement_types(session, tmp_path):
    own = tmp_path / "mapping.csv"
    text = rules.DEFAULT_MAPPING.read_text().replace(
        "ACCOM,D,supported_accommodation", "ACCOM,D,council_flat"
    )
    own.write_text(text)
    mapping = rules.load_mapping(own)
    assert mapping.accom["D"] == PlacementType.council_flat
    broken = tmp_path / "broken.csv"
    broken.write_text(text.replace("ACCOM,E,supported_lodgings", "ACCOM,E,a_palace"))
    with pytest.raises(rules.MappingRefused, match="line"):
        rules.load_mapping(broken)


def test_a_later_years_return_ends_the_stay_an_earlier_one_left_open(session, tmp_path):
    first, second = tmp_path / "a" / "2024", tmp_path / "b" / "2025"
    _write(first / "oc3.csv", list(rules.TABLES["oc3"]), [["C9", "10/05/2005", "YES", "F2", "U1"]])
    _write(second / "oc3.csv", list(rules.TABLES["oc3"]), [["C9", "10/05/2005", "YES", "F5", "E1"]])
    import_903(session, tmp_path / "a", actor="t")
    report = import_903(session, tmp_path / "b", actor="t")
    assert (report.stays_created, report.stays_updated, report.people_updated) == (1, 1, 1)
    stays = session.exec(select(Stay).order_by(Stay.start_date)).all()
    assert [(s.placement_type, s.start_date, s.end_date) for s in stays] == [
        (PlacementType.independent_tenancy, date(2023, 5, 10), date(2024, 5, 10)),
        (PlacementType.supported_lodgings, date(2024, 5, 10), None),
    ]
    assert import_903(session, tmp_path / "b", actor="t").changed == 0
    assert import_903(session, tmp_path / "a", actor="t").changed == 0  # the older year again
