"""The young people's template carries what OC3 and List 9 need: in touch, latest contact
and activity, as the DfE's codes; a retired or unknown code is refused by line and column."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from planner.models import YoungPerson
from planner.records.exporting import export_file
from planner.records.importing import ImportRefused, import_file

HEADER = ["reference", "date_of_birth", "legal_status", "in_touch", "latest_contact_on", "activity"]


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def test_contact_columns_import_as_codes_and_export_back(session, tmp_path):
    path = _write(
        tmp_path / "p.csv",
        [
            ["YP1", "2006-05-01", "former_relevant", "yes", "2026-10-02", "f2"],
            ["YP2", "2007-05-01", "relevant", "", "", ""],
        ],
    )
    import_file(session, "young_people", path, actor="t")
    people = {p.reference: p for p in session.exec(select(YoungPerson)).all()}
    assert (people["YP1"].in_touch, people["YP1"].activity) == ("YES", "F2")
    assert people["YP1"].latest_contact_on == date(2026, 10, 2)
    assert (people["YP2"].in_touch, people["YP2"].activity) == ("", "")
    out = tmp_path / "out.csv"
    export_file(session, "young_people", out, actor="t")
    again = import_file(session, "young_people", out, actor="t")
    assert (again.created, again.updated) == (0, 0)
    with out.open() as handle:
        first = next(csv.DictReader(handle))
    assert (first["in_touch"], first["activity"], first["latest_contact_on"]) == (
        "YES",
        "F2",
        "2026-10-02",
    )


def test_a_retired_activity_code_is_refused_by_line_and_column(session, tmp_path):
    path = _write(tmp_path / "p.csv", [["YP1", "2006-05-01", "former_relevant", "YES", "", "F3"]])
    with pytest.raises(ImportRefused) as caught:
        import_file(session, "young_people", path, actor="t")
    (error,) = caught.value.errors
    assert (error.line, error.column, error.value) == (2, "activity", "F3")
    assert "G6" in error.expected
