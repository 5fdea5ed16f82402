"""The 903 OC3 and Header export follows DfE's cohort rules and reads back as the same
records; List 9 carries Ofsted's lettered labels; only roles that see every young person
may export, and every export is audited."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from planner.cli import app
from planner.core import clock
from planner.core.db import get_engine, unit_of_work
from planner.core.errors import Forbidden
from planner.domain import Ethnicity, Gender, LegalStatus, PlacementType, Role
from planner.models import AuditEvent, Stay, User, YoungPerson
from planner.returns import rules
from planner.returns.service import export_903, export_list9, import_903, list9_rows, oc3_rows
from tests.shared_data import SHARED

DEMAND_MODEL = SHARED / "data" / "external" / "ssda903_synthetic" / "cs-demand-model"
TODAY = date(2026, 11, 30)


@pytest.fixture(autouse=True)
def _frozen() -> Iterator[None]:
    with clock.frozen(TODAY):
        yield


def _person(session: Session, reference: str, dob: date, status: LegalStatus, **kw) -> YoungPerson:
    person = YoungPerson(reference=reference, date_of_birth=dob, legal_status=status, **kw)
    session.add(person)
    session.flush()
    return person


def _stay(session: Session, person: YoungPerson, ptype: PlacementType, start: date, **kw) -> None:
    session.add(Stay(young_person_id=person.id or 0, placement_type=ptype, start_date=start, **kw))
    session.flush()


def _cohort(session: Session) -> None:
    # 19th birthday in 2024/25, in supported lodgings, suitable: E1
    a = _person(
        session, "=A1", date(2005, 6, 1), LegalStatus.former_relevant, gender=Gender.female,
        ethnicity=Ethnicity.black, in_touch="YES", activity="F2",
    )  # fmt: skip
    _stay(session, a, PlacementType.supported_lodgings, date(2024, 1, 1))
    # 18th birthday in the year, in bed and breakfast: W2, whatever was recorded
    b = _person(
        session, "B2", date(2006, 9, 1), LegalStatus.former_relevant, gender=Gender.male,
        in_touch="NO", activity="G5",
    )  # fmt: skip
    _stay(session, b, PlacementType.bed_and_breakfast, date(2024, 8, 1), suitable=False)
    # died: ACTIV and ACCOM are 0 (rule 344)
    c = _person(session, "C3", date(2004, 5, 5), LegalStatus.former_relevant, in_touch="DIED")
    _stay(session, c, PlacementType.independent_tenancy, date(2023, 1, 1))
    # 22nd birthday in the year: not in OC3 (rule 391)
    _person(session, "D4", date(2002, 7, 1), LegalStatus.former_relevant, in_touch="YES")
    # still looked after (eligible) and qualifying: not in OC3
    _person(session, "E5", date(2007, 7, 1), LegalStatus.eligible, in_care=True)
    _person(session, "F6", date(2006, 7, 1), LegalStatus.qualifying, in_touch="YES")
    # 17 in the year but looked after on the birthday (rule 1007)
    g = _person(session, "G7", date(2007, 10, 1), LegalStatus.relevant)
    _stay(session, g, PlacementType.in_care_other, date(2020, 1, 1), end_date=date(2024, 12, 1))


def test_oc3_cohort_codes_and_header_sex_by_year(session):
    _cohort(session)
    oc3, header = oc3_rows(session, 2025)
    by_child = {r["CHILD"]: r for r in oc3}
    assert set(by_child) == {"=A1", "B2", "C3"}
    assert by_child["=A1"] == {
        "CHILD": "=A1",
        "DOB": "01/06/2005",
        "IN_TOUCH": "YES",
        "ACTIV": "F2",
        "ACCOM": "E1",
    }
    assert (by_child["B2"]["ACTIV"], by_child["B2"]["ACCOM"]) == ("G5", "W2")
    assert (by_child["C3"]["ACTIV"], by_child["C3"]["ACCOM"]) == ("0", "0")
    assert [h["CHILD"] for h in header] == [r["CHILD"] for r in oc3]  # one header per child
    assert {h["CHILD"]: h["SEX"] for h in header} == {"=A1": "F", "B2": "M", "C3": "U"}
    assert {h["CHILD"]: h["ETHNIC"] for h in header}["=A1"] == "BOTH"
    _, header_2024 = oc3_rows(session, 2024)
    assert {h["CHILD"]: h["SEX"] for h in header_2024}.get("=A1") == "2"


def test_oc3_never_writes_what_the_record_cannot_say(session):
    """Rows DfE's validator would reject are not made up: before the planner's record of
    a young person begins they were looked after; after they left the service the council
    was not in touch; in touch with nowhere recorded is left blank to complete."""
    # 17th birthday (2024/25) before their first recorded stay, at 18: looked after then
    h = _person(session, "H8", date(2007, 9, 1), LegalStatus.former_relevant, in_touch="YES",
                activity="F2")  # fmt: skip
    _stay(session, h, PlacementType.supported_lodgings, date(2025, 9, 1))
    # left the service before their 20th birthday: not in touch (NO, 0), ACCOM as it was
    i = _person(session, "I9", date(2005, 1, 10), LegalStatus.former_relevant, in_touch="YES",
                activity="F5", left_service_on=date(2024, 6, 1))  # fmt: skip
    _stay(
        session, i, PlacementType.independent_tenancy, date(2023, 1, 1), end_date=date(2024, 6, 1)
    )
    # in touch, but no stay recorded on the 21st birthday: three blanks, not YES with 0
    j = _person(session, "J10", date(2004, 2, 5), LegalStatus.former_relevant, in_touch="YES",
                activity="P1")  # fmt: skip
    _stay(
        session, j, PlacementType.independent_tenancy, date(2021, 5, 30), end_date=date(2022, 1, 30)
    )
    by_child = {r["CHILD"]: r for r in oc3_rows(session, 2025)[0]}
    assert set(by_child) == {"I9", "J10"}
    assert (by_child["I9"]["IN_TOUCH"], by_child["I9"]["ACTIV"], by_child["I9"]["ACCOM"]) == (
        "NO",
        "0",
        "0",
    )
    assert (by_child["J10"]["IN_TOUCH"], by_child["J10"]["ACTIV"], by_child["J10"]["ACCOM"]) == (
        "",
        "",
        "",
    )
    # their 18th birthday year: now a care leaver with a stay, written as recorded
    assert {r["CHILD"]: r["ACCOM"] for r in oc3_rows(session, 2026)[0]}["H8"] == "E1"


def test_export_is_formula_safe_audited_and_refused_to_roles_without_every_record(
    session, tmp_path
):
    _cohort(session)
    oc3_path, header_path, count = export_903(session, 2025, tmp_path, actor="cli:op")
    assert count == 3 and oc3_path.name == "2025_oc3.csv"
    with oc3_path.open() as handle:
        first = next(csv.DictReader(handle))
    assert first["CHILD"] == "'=A1"  # never a live formula in Excel
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "export_903")).one()
    assert event.actor == "cli:op" and event.detail == "year=2025 oc3_rows=3 header_rows=3"
    for role in (Role.commissioner, Role.administrator, Role.personal_adviser):
        with pytest.raises(Forbidden):
            export_903(session, 2025, tmp_path, actor="u", role=role)
        with pytest.raises(Forbidden):
            export_list9(session, date(2025, 3, 31), tmp_path / "l9.csv", actor="u", role=role)
    for role in (Role.manager, Role.housing_officer):
        export_903(session, 2025, tmp_path, actor="u", role=role)


def test_list9_has_a_row_of_each_eligibility_category_with_its_labels(session, tmp_path):
    adviser = User(username="pa01", display_name="Sam Adviser", role=Role.personal_adviser)
    session.add(adviser)
    session.flush()
    # R1 is 17 on TODAY: a relevant child is under 18 (at 18 they read as former relevant)
    a = _person(
        session, "R1", date(2009, 1, 1), LegalStatus.relevant, in_touch="YES", activity="F2",
        personal_adviser_id=adviser.id,
    )  # fmt: skip
    _stay(session, a, PlacementType.supported_accommodation, date(2026, 1, 1))
    b = _person(session, "FR2", date(2004, 1, 1), LegalStatus.former_relevant, in_touch="RHOM")
    _stay(session, b, PlacementType.bed_and_breakfast, date(2026, 10, 1), suitable=False)
    _person(session, "Q3", date(2007, 1, 1), LegalStatus.qualifying, in_touch="NREQ")
    _person(session, "E4", date(2009, 6, 1), LegalStatus.eligible, in_care=True)
    _person(session, "OLD", date(1999, 1, 1), LegalStatus.former_relevant)  # 27: not listed
    rows = {r["Child Unique ID"]: r for r in list9_rows(session, TODAY)}
    assert set(rows) == {"R1", "FR2", "Q3", "E4"}
    assert list(rows["R1"]) == list(rules.LIST9_COLUMNS)
    assert rows["R1"]["Eligibility Category"] == "a) Relevant child"
    assert rows["FR2"]["Eligibility Category"] == "b) Former relevant child"
    assert rows["Q3"]["Eligibility Category"] == "c) Qualifying care leaver"
    assert rows["E4"]["Eligibility Category"] == "d) Eligible child"
    assert rows["R1"]["LA in Touch"] == "a) Yes" and rows["FR2"]["LA in Touch"] == "f) Rhom"
    assert rows["R1"]["Type of Accommodation"].startswith("D: Semi-independent")
    assert rows["R1"]["Suitability of Accommodation"] == "a) Suitable"
    assert rows["FR2"]["Type of Accommodation"] == "W: Bed and breakfast"
    assert rows["FR2"]["Suitability of Accommodation"] == "b) Unsuitable"
    assert rows["R1"]["Activity Status"] == "F2: Full time in education other than higher"
    assert rows["R1"]["Allocated Worker"] == "Sam Adviser"
    assert rows["R1"]["Date of Birth"] == "01/01/2009" and rows["R1"]["Age of Child (Years)"] == 17
    path = tmp_path / "list9.xlsx"
    assert export_list9(session, TODAY, path, actor="cli:op") == 4
    sheet = openpyxl.load_workbook(path).worksheets[0]
    assert [c.value for c in sheet[1]] == list(rules.LIST9_COLUMNS)


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


def test_import_export_reimport_gives_the_same_records(session, tmp_path):
    if not DEMAND_MODEL.is_dir():
        pytest.skip(f"synthetic 903 files not found at {DEMAND_MODEL}")
    source = tmp_path / "in"
    source.mkdir()
    for path in DEMAND_MODEL.glob("2021-*.csv"):
        shutil.copy(path, source / path.name)
    import_903(session, source, actor="t", quarantine=True)
    before = _snapshot(session)
    _, _, count = export_903(session, 2021, tmp_path / "out", actor="t")
    assert count > 0
    again = import_903(session, tmp_path / "out", actor="t")
    assert again.changed == 0 and again.people_unchanged == count
    assert again.quarantined == []
    assert _snapshot(session) == before


def test_the_commands_import_refuse_and_export(sqlite_url, tmp_path):
    runner = CliRunner()
    env = {"PLANNER_DATABASE_URL": sqlite_url, "COLUMNS": "200"}
    folder = tmp_path / "2025"
    folder.mkdir()
    (folder / "oc3.csv").write_text(
        "CHILD,DOB,IN_TOUCH,ACTIV,ACCOM\nK1,01/06/2006,YES,F3,S1\nK2,01/07/2006,NO,G5,U1\n"
        "K3,01/08/2007,YES,F2,Z1\n"
    )
    refused = runner.invoke(app, ["import-903", str(tmp_path)], env=env)
    assert refused.exit_code == 2, refused.output
    assert "oc3.csv, line 2, column ACTIV, value 'F3'" in refused.output
    assert "column ACCOM, value 'S1'" in refused.output
    assert "line 4, column ACCOM, value 'Z1': rule 3001" in refused.output
    with unit_of_work(get_engine(sqlite_url)) as session:
        refusal = session.exec(
            select(AuditEvent).where(AuditEvent.action == "import_903_refused")
        ).one()
    assert refusal.detail == "rows=3 errors=3" and refusal.actor.startswith("cli:")
    report = tmp_path / "q.csv"
    args = ["import-903", str(tmp_path), "--quarantine", "--report", str(report)]
    done = runner.invoke(app, args, env=env)
    assert done.exit_code == 0, done.output
    assert "1 created" in done.output and report.exists()
    out = tmp_path / "out"
    exported = runner.invoke(app, ["export-903", "--year", "2025", str(out)], env=env)
    assert exported.exit_code == 0, exported.output
    assert (out / "2025_oc3.csv").read_text().splitlines()[1] == "K2,01/07/2006,NO,G5,U1"
    listed = runner.invoke(
        app, ["export-list9", "--as-of", "2026-11-30", str(tmp_path / "l9.csv")], env=env
    )
    assert listed.exit_code == 0, listed.output
    assert Path(tmp_path / "l9.csv").read_text().count("K2") == 1


def test_the_councils_mapping_setting_and_the_ssd_command(sqlite_url, tmp_path):
    runner = CliRunner()
    own = tmp_path / "ours.csv"
    own.write_text(
        rules.DEFAULT_MAPPING.read_text().replace(
            "ACCOM,U,independent_tenancy", "ACCOM,U,council_flat"
        )
    )
    env = {
        "PLANNER_DATABASE_URL": sqlite_url,
        "COLUMNS": "200",
        "PLANNER_SSDA903_MAPPING": str(own),
    }
    folder = tmp_path / "in" / "2025"
    folder.mkdir(parents=True)
    (folder / "oc3.csv").write_text("CHILD,DOB,IN_TOUCH,ACTIV,ACCOM\nK2,01/07/2006,NO,G5,U1\n")
    bad_report = ["import-903", str(tmp_path / "in"), "--quarantine", "--report", "q.txt"]
    assert runner.invoke(app, bad_report, env=env).exit_code == 2
    done = runner.invoke(app, ["import-903", str(tmp_path / "in")], env=env)
    assert done.exit_code == 0, done.output
    out = tmp_path / "stays.csv"
    assert runner.invoke(app, ["export", "stays", str(out)], env=env).exit_code == 0
    assert "council_flat" in out.read_text()
    ssd = tmp_path / "ssd"
    ssd.mkdir()
    (ssd / "person.csv").write_text(
        "pers_person_id,pers_sex,pers_ethnicity,pers_dob\nS1,F,WBRI,2007-01-02\n"
    )
    (ssd / "leavers.csv").write_text(
        "clea_person_id,clea_care_leaver_eligibility,clea_care_leaver_in_touch,"
        "clea_care_leaver_latest_contact,clea_care_leaver_activity\nS1,Relevant,YES,,G7\n"
    )
    refused = runner.invoke(app, ["import-ssd", str(ssd)], env=env)
    assert refused.exit_code == 2
    assert "leavers.csv, line 2, column clea_care_leaver_activity, value 'G7'" in refused.output
    quarantined = runner.invoke(
        app, ["import-ssd", str(ssd), "--quarantine", "--report", str(tmp_path / "q.csv")], env=env
    )
    assert quarantined.exit_code == 0 and "0 created" in quarantined.output


def test_the_managers_figures_count_in_touch_and_in_education_employment_or_training(session):
    from planner.inventory.status import summarise

    for n, (touch, activity) in enumerate(
        [("YES", "F2"), ("YES", "G5"), ("YES", "P5"), ("NO", "0"), ("", "")]
    ):
        _person(session, f"M{n}", date(2005, 1, 1), LegalStatus.former_relevant,
                in_touch=touch, activity=activity)  # fmt: skip
    _person(session, "C9", date(2009, 1, 1), LegalStatus.eligible, in_care=True)  # not counted
    _person(session, "L9", date(2005, 1, 1), LegalStatus.former_relevant, in_touch="YES",
            activity="F1", left_service_on=date(2026, 1, 1))  # fmt: skip
    figures = summarise(session, TODAY).figures
    assert figures["care_leavers"] == 5
    assert (figures["in_touch_pct"], figures["eet_pct"]) == (60, 40)
