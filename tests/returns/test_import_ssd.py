"""An SSD extract (ssd_person, ssd_care_leavers, ssd_immigration_status) built from the
synthetic council imports as the same young people the 903 import made; bad cells are named
by file, line and column."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session, select

from planner.core import clock
from planner.core.db import make_engine
from planner.core.migrate import upgrade
from planner.domain import AsylumStatus, Gender, LegalStatus
from planner.models import YoungPerson
from planner.returns import rules
from planner.returns.service import ReturnRefused, import_903
from planner.returns.ssd import import_ssd
from tests.shared_data import SHARED

DEMAND_MODEL = SHARED / "data" / "external" / "ssda903_synthetic" / "cs-demand-model"
ELIGIBILITY = {
    LegalStatus.relevant: "Relevant",
    LegalStatus.former_relevant: "Former Relevant",
    LegalStatus.eligible: "Eligible",
    LegalStatus.qualifying: "Qualifying",
}
SEX = {Gender.male: "M", Gender.female: "F"}


@pytest.fixture(autouse=True)
def _frozen() -> Iterator[None]:
    with clock.frozen(date(2026, 11, 30)):
        yield


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def _extract(people: list[YoungPerson], folder: Path) -> None:
    """What a council's SSD extract would hold for these young people."""
    _write(
        folder / "person.csv",
        ["pers_person_id", "pers_sex", "pers_ethnicity", "pers_dob", "pers_nationality"],
        [
            [p.reference, SEX.get(p.gender, "U"), rules.ETHNIC_EXPORT[p.ethnicity],
             p.date_of_birth.isoformat(), ""]
            for p in people
        ],
    )  # fmt: skip
    _write(
        folder / "care_leavers.csv",
        ["clea_table_id", "clea_person_id", "clea_care_leaver_eligibility",
         "clea_care_leaver_in_touch", "clea_care_leaver_latest_contact",
         "clea_care_leaver_accommodation", "clea_care_leaver_accom_suitable",
         "clea_care_leaver_activity"],
        [
            [str(i), p.reference, ELIGIBILITY[p.legal_status], p.in_touch, "", "", "",
             p.activity]
            for i, p in enumerate(people)
        ],
    )  # fmt: skip
    _write(
        folder / "immigration.csv",
        ["immi_person_id", "immi_immigration_status_id", "immi_immigration_status",
         "immi_immigration_status_start_date", "immi_immigration_status_end_date"],
        [
            [p.reference, str(i), "Unaccompanied Asylum Seeking Child", "2019-01-01", ""]
            for i, p in enumerate(people)
            if p.uasc
        ],
    )  # fmt: skip


def _people(session: Session) -> list[tuple]:
    return [
        (p.reference, p.date_of_birth, p.gender, p.ethnicity, p.legal_status, p.in_care, p.uasc,
         p.in_touch, p.activity, p.asylum_status)
        for p in session.exec(select(YoungPerson).order_by(YoungPerson.reference)).all()
    ]  # fmt: skip


def test_an_ssd_extract_of_the_synthetic_council_gives_the_same_young_people(session, tmp_path):
    if not DEMAND_MODEL.is_dir():
        pytest.skip(f"synthetic 903 files not found at {DEMAND_MODEL}")
    source = tmp_path / "903"
    source.mkdir()
    for path in DEMAND_MODEL.glob("2021-*.csv"):
        shutil.copy(path, source / path.name)
    import_903(session, source, actor="t", quarantine=True)
    people = list(session.exec(select(YoungPerson)).all())
    assert any(p.uasc for p in people) and len(people) > 20
    _extract(people, tmp_path / "ssd")
    engine = make_engine(f"sqlite:///{tmp_path / 'ssd.sqlite3'}")
    upgrade(engine)
    try:
        with Session(engine) as fresh:
            report = import_ssd(fresh, tmp_path / "ssd", actor="t")
            assert report.created == len(people) and report.quarantined == []
            assert _people(fresh) == _people(session)
            again = import_ssd(fresh, tmp_path / "ssd", actor="t")
            assert (again.created, again.updated) == (0, 0)
    finally:
        engine.dispose()


def test_bad_ssd_cells_are_named_and_statuses_read(session, tmp_path):
    _write(
        tmp_path / "p.csv",
        ["pers_person_id", "pers_sex", "pers_ethnicity", "pers_dob"],
        [["P1", "F", "BAFR", "2006-02-03"], ["P2", "X", "WBRI", "2006-02-03"]],
    )
    _write(
        tmp_path / "c.csv",
        ["clea_person_id", "clea_care_leaver_eligibility", "clea_care_leaver_in_touch",
         "clea_care_leaver_latest_contact", "clea_care_leaver_activity"],
        [["P1", "Former Relevant", "YES", "2026-11-02", "F3"], ["P9", "Relevant", "", "", ""]],
    )  # fmt: skip
    _write(
        tmp_path / "i.csv",
        ["immi_person_id", "immi_immigration_status", "immi_immigration_status_start_date",
         "immi_immigration_status_end_date"],
        [["P1", "Unaccompanied Asylum Seeking Child", "2021-01-01", "2024-02-03"],
         ["P1", "Refugee Status", "2024-05-01", ""]],
    )  # fmt: skip
    with pytest.raises(ReturnRefused) as caught:
        import_ssd(session, tmp_path, actor="t")
    found = {(e.file, e.line, e.column) for e in caught.value.errors}
    assert found == {
        ("p.csv", 3, "pers_sex"),
        ("c.csv", 2, "clea_care_leaver_activity"),
        ("c.csv", 3, "clea_person_id"),
    }
    _write(
        tmp_path / "c.csv",
        ["clea_person_id", "clea_care_leaver_eligibility", "clea_care_leaver_in_touch",
         "clea_care_leaver_latest_contact", "clea_care_leaver_activity"],
        [["P1", "Former Relevant", "YES", "2026-11-02", "F2"]],
    )  # fmt: skip
    report = import_ssd(session, tmp_path, actor="t", quarantine=True)
    assert report.created == 1 and len(report.quarantined) == 1
    person = session.exec(select(YoungPerson)).one()
    assert (person.legal_status, person.uasc, person.asylum_status) == (
        LegalStatus.former_relevant,
        True,
        AsylumStatus.granted,
    )
    assert (person.in_touch, person.activity, person.latest_contact_on) == (
        "YES",
        "F2",
        date(2026, 11, 2),
    )
