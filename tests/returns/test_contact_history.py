"""Each change to a care leaver's contact is kept with its day, so an OC3 return for a past
year reads what was true on that year's birthday: an edit today does not rewrite last
year's return, and each year's imported OC3 row is kept for its own year."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from planner.core import clock
from planner.domain import LegalStatus, PlacementType
from planner.models import ContactRecord, Stay, YoungPerson
from planner.returns.service import import_903, oc3_rows
from planner.young_people.service import edit_details

TODAY = date(2026, 11, 30)


@pytest.fixture(autouse=True)
def _frozen() -> Iterator[None]:
    with clock.frozen(TODAY):
        yield


def _codes(session, year: int) -> dict[str, tuple[str, str]]:
    return {r["CHILD"]: (r["IN_TOUCH"], r["ACTIV"]) for r in oc3_rows(session, year)[0]}


def test_an_edit_today_leaves_a_past_years_oc3_as_it_was(session):
    person = YoungPerson(
        reference="H1", date_of_birth=date(2006, 6, 1), legal_status=LegalStatus.former_relevant,
        in_touch="YES", activity="F2", created_at=datetime(2024, 1, 1, tzinfo=UTC),
    )  # fmt: skip
    session.add(person)
    session.flush()
    session.add(
        Stay(young_person_id=person.id or 0, placement_type=PlacementType.independent_tenancy,
             start_date=date(2024, 6, 1))
    )  # fmt: skip
    session.flush()
    edit_details(
        session, young_person_id=person.id or 0, expected_version=person.version,
        changes={"in_touch": "NO", "activity": "0"}, actor="cli:pa",
    )  # fmt: skip
    # 19th birthday 1 June 2025 (2025/26): before the edit, so what the record held then
    assert _codes(session, 2026)["H1"] == ("YES", "F2")
    # 20th birthday 1 June 2026 is also before today's edit
    assert _codes(session, 2027)["H1"] == ("YES", "F2")
    days = session.exec(select(ContactRecord.recorded_on).order_by(ContactRecord.recorded_on))
    assert list(days) == [date(2024, 1, 1), TODAY]
    # the next year's return (birthday after the edit) reads the new values
    assert _codes(session, 2028)["H1"] == ("NO", "0")
    # nothing changed: no new history
    edit_details(
        session, young_person_id=person.id or 0, expected_version=person.version,
        changes={"support_need": "low"}, actor="cli:pa",
    )  # fmt: skip
    assert len(session.exec(select(ContactRecord)).all()) == 2


HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n"
OC3 = "CHILD,DOB,IN_TOUCH,ACTIV,ACCOM\n"


def test_each_years_imported_oc3_row_is_kept_for_its_own_year(session, tmp_path: Path):
    # a care leaver born 10 May 2005: 19 in 2024/25 (in education), 20 in 2025/26 (NEET)
    for year, touch, activ in ((2024, "YES", "F2"), (2025, "YES", "G5")):
        sex = "1" if year <= 2024 else "M"  # rule 101: the codes changed in 2024/25
        (tmp_path / f"{year}_header.csv").write_text(HEADER + f"C1,{sex},10/05/2005,WBRI,,,\n")
        (tmp_path / f"{year}_oc3.csv").write_text(OC3 + f"C1,10/05/2005,{touch},{activ},U1\n")
    first = import_903(session, tmp_path, actor="cli:op")
    assert first.people_created == 1
    person = session.exec(select(YoungPerson)).one()
    assert (person.in_touch, person.activity) == ("YES", "G5")  # the latest return
    assert _codes(session, 2025)["C1"] == ("YES", "G5")
    assert _codes(session, 2024)["C1"] == ("YES", "F2")
    again = import_903(session, tmp_path, actor="cli:op")
    assert again.changed == 0
    assert len(session.exec(select(ContactRecord)).all()) == 2


SSD_PERSON = "pers_person_id,pers_sex,pers_ethnicity,pers_dob\nS1,F,WBRI,2006-06-01\n"
SSD_LEAVERS = (
    "clea_person_id,clea_care_leaver_eligibility,clea_care_leaver_in_touch,"
    "clea_care_leaver_latest_contact,clea_care_leaver_activity\n"
)


def _with_a_stay(session, reference: str) -> None:
    person = session.exec(select(YoungPerson).where(YoungPerson.reference == reference)).one()
    session.add(
        Stay(young_person_id=person.id or 0, placement_type=PlacementType.independent_tenancy,
             start_date=date(2024, 6, 1))
    )  # fmt: skip
    session.flush()


def test_an_ssd_import_keeps_the_contact_it_carries_for_later_years(session, tmp_path: Path):
    """In touch and in education by the extract of 30 November 2026, not in touch by the
    extract of 1 September 2027: the 2027/28 return (21st birthday 1 June 2027) reads the
    first extract, not the values now."""
    from planner.returns.ssd import import_ssd

    (tmp_path / "person.csv").write_text(SSD_PERSON)
    (tmp_path / "leavers.csv").write_text(SSD_LEAVERS + "S1,Former Relevant,YES,2026-11-02,F2\n")
    first = import_ssd(session, tmp_path, actor="cli:op")
    assert first.created == 1 and first.contact_noted == 1
    _with_a_stay(session, "S1")
    rows = session.exec(select(ContactRecord)).all()
    assert [(r.recorded_on, r.in_touch, r.activity, r.latest_contact_on) for r in rows] == [
        (TODAY, "YES", "F2", date(2026, 11, 2))
    ]
    assert import_ssd(session, tmp_path, actor="cli:op").contact_noted == 0  # nothing new
    later = date(2027, 9, 1)
    (tmp_path / "leavers.csv").write_text(SSD_LEAVERS + "S1,Former Relevant,NO,,0\n")
    with clock.frozen(later):
        second = import_ssd(session, tmp_path, actor="cli:op")
        assert second.updated == 1 and second.contact_noted == 1
        assert _codes(session, 2028)["S1"] == ("YES", "F2")
    days = session.exec(select(ContactRecord.recorded_on).order_by(ContactRecord.recorded_on))
    assert list(days) == [TODAY, later]


def test_a_records_template_import_keeps_the_contact_it_carries(session, tmp_path: Path):
    """The young people template's in_touch, latest_contact_on and activity columns are
    kept in the history with the import's day, as an edit's are."""
    from planner.records.importing import import_file

    path = tmp_path / "young_people.csv"
    header = "reference,date_of_birth,legal_status,area,in_touch,latest_contact_on,activity\n"
    path.write_text(header + "T1,2006-06-01,former_relevant,Weymouth,YES,2026-11-02,F2\n")
    import_file(session, "young_people", path, actor="cli:op")
    _with_a_stay(session, "T1")
    import_file(session, "young_people", path, actor="cli:op")  # the same again: no new row
    assert len(session.exec(select(ContactRecord)).all()) == 1
    later = date(2027, 9, 1)
    path.write_text(header + "T1,2006-06-01,former_relevant,Weymouth,NO,,0\n")
    with clock.frozen(later):
        import_file(session, "young_people", path, actor="cli:op")
        assert _codes(session, 2028)["T1"] == ("YES", "F2")
    rows = session.exec(select(ContactRecord).order_by(ContactRecord.recorded_on)).all()
    assert [(r.recorded_on, r.in_touch, r.activity) for r in rows] == [
        (TODAY, "YES", "F2"),
        (later, "NO", "0"),
    ]
