"""An eligible child becomes former relevant on their 18th birthday, whatever the record
still says. The status is recorded at import (the template refuses 'eligible' only for
someone already 18) and nothing changes it when the birthday passes, so a council walking
through time saw 'Legal status: Eligible' on an 18-year-old's record, List 9 wrote
'd) Eligible child' for them, and the OC3 return left them out of its cohort."""

from __future__ import annotations

from datetime import date

import factories

from planner.core import clock
from planner.domain import LegalStatus, Role, legal_status_on
from planner.returns.service import list9_rows, oc3_rows
from planner.young_people.queries import get_record

DOB = date(2009, 1, 4)  # 18 on 4 January 2027, 19 on 4 January 2028


def test_eligible_and_relevant_become_former_relevant_on_the_18th_birthday():
    eve, birthday = date(2027, 1, 3), date(2027, 1, 4)
    for recorded in ("eligible", "relevant"):
        assert legal_status_on(recorded, DOB, eve) == recorded
        assert legal_status_on(recorded, DOB, birthday) == LegalStatus.former_relevant
    assert legal_status_on("qualifying", DOB, birthday) == LegalStatus.qualifying


def test_the_record_list_9_and_oc3_read_the_status_on_the_day(session):
    person = factories.young_person(
        session, date_of_birth=DOB, legal_status="eligible", in_care=True, in_touch="YES"
    )
    factories.stay(
        session,
        young_person=person,
        placement_type="supported_lodgings",
        start_date=date(2026, 6, 1),
    )
    manager = factories.user(session, role=Role.manager)
    with clock.frozen(date(2027, 1, 12)):
        record = get_record(session, viewer=manager, young_person_id=person.id)
    assert record.legal_status == "former_relevant"
    (row,) = [
        r
        for r in list9_rows(session, date(2027, 1, 12))
        if r["Child Unique ID"] == person.reference
    ]
    assert row["Eligibility Category"] == "b) Former relevant child"
    # the collection year ending 31 March 2028 holds their 19th birthday
    oc3, _ = oc3_rows(session, 2028)
    assert person.reference in {r["CHILD"] for r in oc3}
