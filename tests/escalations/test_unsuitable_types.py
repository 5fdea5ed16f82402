"""An unsuitable placement type is unsuitable whatever its ``suitable`` flag says: a stay
in bed and breakfast recorded as suitable is still escalated, counted and listed."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from planner.accounts import service as accounts
from planner.domain import PlacementType, Role
from planner.domain.suitability import is_unsuitable
from planner.escalations.service import sweep
from planner.inventory.status import summarise
from planner.models import Escalation, Stay, YoungPerson
from planner.young_people import queries as young_people

TODAY = date(2026, 3, 2)


def test_bed_and_breakfast_flagged_suitable_is_still_escalated_and_counted(session):
    manager = accounts.create_user(
        session, username="m", role=Role.manager, password="a long enough password", actor="t"
    )
    person = YoungPerson(reference="YPB-1", date_of_birth=date(2007, 1, 5))
    session.add(person)
    session.flush()
    stay = Stay(
        young_person_id=person.id,
        placement_type=PlacementType.bed_and_breakfast,
        start_date=date(2026, 2, 1),
        suitable=True,  # wrong on the record, as an old system might have it
    )
    session.add(stay)
    session.flush()

    sweep(session, today=TODAY)
    escalation = session.exec(select(Escalation).where(Escalation.stay_id == stay.id)).one()
    assert escalation.closed_on is None
    assert summarise(session, TODAY).figures["unsuitable"] == 1
    listed = young_people.list_young_people(
        session, viewer=manager, unsuitable_only=True, today=TODAY
    )
    assert [(r.reference, r.suitable) for r in listed.rows] == [("YPB-1", False)]


def test_the_flag_can_only_make_a_suitable_type_unsuitable():
    assert is_unsuitable("bed_and_breakfast", True)
    assert is_unsuitable("council_flat", False)
    assert not is_unsuitable("council_flat", True)
    assert not is_unsuitable("council_flat", None)
