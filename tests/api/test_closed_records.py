"""Records of people who have left the service (planner/young_people/scope.py).

Nobody's lists show them, and opening one by id is 404 for housing officers (and personal
advisers), by page and API alike, exactly as for an id outside their scope. A manager
(``view_closed_records``) may open one by id, and every such view is audited as
``view_closed_record``. Someone leaving on a later day is still in the service.
"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select
from webseed import TODAY, issue_token, sign_in

from planner.core.db import get_engine, unit_of_work
from planner.domain import Role
from planner.domain.permissions import MATRIX, Permission
from planner.models import AuditEvent, YoungPerson


def _add_person(url: str, reference: str, left_on, adviser_id=None) -> int:  # type: ignore[no-untyped-def]
    with unit_of_work(get_engine(url)) as session:
        person = YoungPerson(
            reference=reference,
            date_of_birth=TODAY - timedelta(days=21 * 365),
            area="Weymouth",
            risk_flags="exploitation",
            left_service_on=left_on,
            personal_adviser_id=adviser_id,
        )
        session.add(person)
        session.flush()
        return person.id  # type: ignore[return-value]


def _closed_views(url: str, person_id: int) -> list[AuditEvent]:
    with unit_of_work(get_engine(url)) as session:
        return list(
            session.exec(
                select(AuditEvent).where(
                    AuditEvent.action == "view_closed_record",
                    AuditEvent.entity == "young_person",
                    AuditEvent.entity_id == str(person_id),
                )
            )
        )


def test_only_managers_may_view_closed_records() -> None:
    allowed = {role for role, perms in MATRIX.items() if Permission.view_closed_records in perms}
    assert allowed == {Role.manager}


def test_a_closed_record_is_404_for_an_officer_and_audited_for_a_manager(
    client, app, web_db
) -> None:
    council = web_db.council
    left_yesterday = _add_person(web_db.url, "YP0900", TODAY - timedelta(days=1))
    left_today = _add_person(web_db.url, "YP0901", TODAY)
    leaves_tomorrow = _add_person(web_db.url, "YP0902", TODAY + timedelta(days=1))
    officer = council.by_role[Role.housing_officer]
    manager = council.by_role[Role.manager]

    # pages: the officer gets 404 for both closed records, the record still in service is 200
    sign_in(client, officer, council.passwords[officer])
    officer_pages = {
        pid: client.get(f"/young-people/{pid}").status_code
        for pid in (left_yesterday, left_today, leaves_tomorrow)
    }
    officer_list = client.get("/young-people").text
    # API: the same for the officer's token
    officer_api = {"Authorization": f"Bearer {issue_token(web_db.url, officer)}"}
    officer_api_codes = {
        pid: client.get(f"/api/v1/young-people/{pid}", headers=officer_api).status_code
        for pid in (left_yesterday, left_today)
    }

    manager_token = issue_token(web_db.url, manager)
    manager_api = {"Authorization": f"Bearer {manager_token}"}
    by_api = client.get(f"/api/v1/young-people/{left_yesterday}", headers=manager_api)
    manager_list = client.get("/api/v1/young-people", headers=manager_api)
    client.cookies.clear()
    sign_in(client, manager, council.passwords[manager])
    by_page = client.get(f"/young-people/{left_today}")

    assert officer_pages == {left_yesterday: 404, left_today: 404, leaves_tomorrow: 200}
    assert "YP0900" not in officer_list and "YP0901" not in officer_list
    assert officer_api_codes == {left_yesterday: 404, left_today: 404}
    assert by_api.status_code == 200, by_api.text
    assert by_api.json()["reference"] == "YP0900"
    assert by_page.status_code == 200
    assert "YP0901" in by_page.text
    assert manager_list.status_code == 200
    assert "YP0900" not in manager_list.text and "YP0901" not in manager_list.text
    assert len(_closed_views(web_db.url, left_yesterday)) == 1
    assert len(_closed_views(web_db.url, left_today)) == 1
    assert _closed_views(web_db.url, leaves_tomorrow) == []


def test_a_personal_adviser_cannot_open_their_own_young_person_once_closed(client, web_db) -> None:
    council = web_db.council
    from planner.accounts.service import get_user_by_username

    with unit_of_work(get_engine(web_db.url)) as session:
        pa01 = get_user_by_username(session, "pa01")
        assert pa01 is not None
        pa_id = pa01.id
    closed = _add_person(web_db.url, "YP0903", TODAY - timedelta(days=30), adviser_id=pa_id)
    sign_in(client, "pa01", council.passwords["pa01"])
    page = client.get(f"/young-people/{closed}")
    listing = client.get("/young-people").text
    assert page.status_code == 404
    assert "YP0903" not in listing
