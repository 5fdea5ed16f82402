"""The permission matrix as data, and the record scope the read services enforce, on both
databases."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from planner.accounts import service as accounts
from planner.accounts import users
from planner.core.errors import Forbidden, NotFound
from planner.domain import PlacementType, Role
from planner.domain.permissions import MATRIX, Permission, RecordScope, allows, record_scope
from planner.inventory import queries as inventory
from planner.models import AuditEvent, Stay, YoungPerson
from planner.young_people import queries as young_people


def test_only_administrators_manage_users_and_search_the_audit_trail():
    for role in Role:
        expected = role == Role.administrator
        assert allows(role, Permission.manage_users) is expected
        assert allows(role, Permission.view_audit) is expected


def test_commissioners_see_aggregates_and_no_named_young_person():
    assert allows(Role.commissioner, Permission.view_overview)
    assert not allows(Role.commissioner, Permission.view_young_people)
    assert record_scope(Role.commissioner) == RecordScope.none


def test_personal_advisers_see_only_their_own_young_people():
    assert allows(Role.personal_adviser, Permission.view_young_people)
    assert record_scope(Role.personal_adviser) == RecordScope.own


def test_every_role_can_use_the_service_and_unknown_roles_get_nothing():
    assert all(Permission.use_service in MATRIX[role] for role in Role)
    assert set(MATRIX) == set(Role)
    assert not allows("superuser", Permission.use_service)
    assert record_scope("superuser") == RecordScope.none


@pytest.fixture
def caseload(session):
    def user(name, role):
        return accounts.create_user(
            session, username=name, role=role, password="a long enough password", actor="t"
        )

    staff = {role: user(f"u-{role.value}", role) for role in Role}
    other_pa = user("u-other-pa", Role.personal_adviser)
    mine = YoungPerson(
        reference="YPT-1",
        date_of_birth=date(2007, 5, 1),
        personal_adviser_id=staff[Role.personal_adviser].id,
    )
    theirs = YoungPerson(
        reference="YPT-2", date_of_birth=date(2005, 5, 1), personal_adviser_id=other_pa.id
    )
    session.add_all([mine, theirs])
    session.flush()
    session.add(
        Stay(
            young_person_id=mine.id,
            placement_type=PlacementType.bed_and_breakfast,
            start_date=date(2026, 1, 1),
            suitable=False,
        )
    )
    session.flush()
    return staff, mine, theirs


def test_a_personal_adviser_lists_and_reads_only_their_own(session, caseload):
    staff, mine, theirs = caseload
    pa = staff[Role.personal_adviser]
    listed = young_people.list_young_people(session, viewer=pa)
    assert [row.reference for row in listed.rows] == ["YPT-1"]
    assert young_people.get_record(session, viewer=pa, young_person_id=mine.id).reference == "YPT-1"
    with pytest.raises(NotFound):
        young_people.get_record(session, viewer=pa, young_person_id=theirs.id)


def test_housing_officers_and_managers_see_everyone(session, caseload):
    staff, mine, theirs = caseload
    for role in (Role.housing_officer, Role.manager):
        refs = {
            r.reference for r in young_people.list_young_people(session, viewer=staff[role]).rows
        }
        assert {"YPT-1", "YPT-2"} <= refs
        unsuitable = young_people.list_young_people(
            session, viewer=staff[role], unsuitable_only=True
        )
        assert "YPT-1" in {r.reference for r in unsuitable.rows}
        assert "YPT-2" not in {r.reference for r in unsuitable.rows}


@pytest.mark.parametrize("role", [Role.commissioner, Role.administrator])
def test_roles_without_record_scope_are_forbidden_every_record(session, caseload, role):
    staff, mine, theirs = caseload
    with pytest.raises(Forbidden):
        young_people.list_young_people(session, viewer=staff[role])
    for person_id in (mine.id, theirs.id, 10**6):
        with pytest.raises(Forbidden):
            young_people.get_record(session, viewer=staff[role], young_person_id=person_id)


def test_a_view_is_audited_by_id_without_personal_data(session, caseload):
    staff, mine, _ = caseload
    manager = staff[Role.manager]
    young_people.get_record(session, viewer=manager, young_person_id=mine.id)
    event = session.exec(
        select(AuditEvent).where(AuditEvent.action == "view", AuditEvent.actor == manager.username)
    ).one()
    assert (event.entity, event.entity_id) == ("young_person", str(mine.id))
    text = f"{event.actor} {event.action} {event.entity} {event.entity_id} {event.detail}"
    assert "YPT-1" not in text and "2007" not in text


def test_inventory_and_audit_search_check_the_matrix(session, caseload):
    staff, _, _ = caseload
    assert inventory.list_vacancies(session, viewer=staff[Role.commissioner]) is not None
    with pytest.raises(Forbidden):
        inventory.list_provisions(session, viewer=staff[Role.administrator])
    with pytest.raises(Forbidden):
        inventory.overview(session, viewer=staff[Role.personal_adviser])
    with pytest.raises(Forbidden):
        users.search_audit_trail(session, viewer=staff[Role.manager], search=users.AuditSearch())
    found = users.search_audit_trail(
        session, viewer=staff[Role.administrator], search=users.AuditSearch(action="create")
    )
    assert found.total >= len(Role) + 1
    assert YoungPerson.__tablename__ not in {e.entity for e in found.events}


def test_the_escalation_queue_and_an_escalation_follow_the_same_scope(session, caseload):
    from planner.escalations import queries as escalations
    from planner.escalations.service import sweep

    staff, mine, theirs = caseload
    session.add(
        Stay(
            young_person_id=theirs.id,
            placement_type=PlacementType.sofa_surfing,
            start_date=date(2026, 1, 1),
            suitable=False,
        )
    )
    session.flush()
    sweep(session, today=date(2026, 2, 1))
    pa = staff[Role.personal_adviser]
    queue = escalations.escalation_queue(session, viewer=pa, today=date(2026, 2, 1))
    assert [i.young_person_id for i in queue] == [mine.id]
    everyone = escalations.escalation_queue(
        session, viewer=staff[Role.manager], today=date(2026, 2, 1)
    )
    by_person = {i.young_person_id: i.escalation_id for i in everyone}
    assert set(by_person) >= {mine.id, theirs.id}
    own = escalations.get_escalation_or_raise(session, viewer=pa, escalation_id=by_person[mine.id])
    assert own.young_person_id == mine.id
    with pytest.raises(NotFound):
        escalations.get_escalation_or_raise(session, viewer=pa, escalation_id=by_person[theirs.id])
    for role in (Role.commissioner, Role.administrator):
        with pytest.raises(Forbidden):
            escalations.escalation_queue(session, viewer=staff[role])
        with pytest.raises(Forbidden):
            escalations.get_escalation_or_raise(
                session, viewer=staff[role], escalation_id=by_person[mine.id]
            )
