"""What the pages say on a real day, found by a walk through frozen days: a young person
still recorded in foster or residential care after 18 (their deadline has passed), where a
young person lives while a move is planned and on its day, and a planned move out of B&B as
the exit plan on the escalation queue, the escalation's page, the manager's home page and
the director's report. Words an officer reads: no codes, no ISO dates."""

from __future__ import annotations

import re
from datetime import timedelta

import factories
from fastapi.testclient import TestClient
from webseed import TODAY, issue_token, sign_in

from planner.core import clock
from planner.core.db import get_engine, unit_of_work
from planner.domain import PlacementType, birthday
from planner.domain.text import day_words
from planner.escalations.service import build_report
from planner.matching.service import accept_proposal
from planner.models import Vacancy, YoungPerson

MOVE_DAY = TODAY + timedelta(days=20)  # the lodgings' room is free from TODAY + 14
MOVING = f"Moving to Supported lodgings host 7, Room 1 on {day_words(MOVE_DAY)}"
ISO_DAY = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def _as_manager(client: TestClient, web_db) -> TestClient:
    username = web_db.council.by_role["manager"]
    return sign_in(client, username, web_db.council.passwords[username])


def _lives_in(html: str) -> str:
    found = re.search(r"Lives in\s*</dt>\s*<dd[^>]*>\s*([^<]*?)\s*</dd>", html)
    assert found, "no 'Lives in' on the record page"
    return found.group(1)


def _main(html: str) -> str:
    return html.split("<main", 1)[1].split("</main>", 1)[0]


def test_still_in_foster_or_residential_care_after_18_the_record_warns_in_words(client, web_db):
    with unit_of_work(get_engine(web_db.url)) as session:
        person = factories.young_person(session, age=19, in_care=True)
        factories.stay(session, young_person=person, placement_type=PlacementType.in_care_other)
        person_id, eighteenth = person.id, birthday(person.date_of_birth, 18)
    _as_manager(client, web_db)
    page = client.get(f"/young-people/{person_id}").text
    assert (
        "Still recorded as living in foster or residential care, but they turned 18 on "
        f"{day_words(eighteenth)}, when care ended. Their deadline for a place has passed: "
        "record where they live now."
    ) in page
    assert "govuk-warning-text" in page.split('id="in-care-after-18"', 1)[1][:200]
    assert not ISO_DAY.search(_main(page))
    # the best places say the deadline has passed, never a deadline moved on to a later day
    best = client.get(f"/young-people/{person_id}/best-places").text
    assert f"needed by {day_words(eighteenth)} (passed: turned 18 and left care)" in best
    overview = client.get("/overview").text
    assert "1 young person counted in foster or residential care has turned 18" in overview


def _accept_a_move_out_of_bnb(web_db) -> None:
    """YP0001, in bed and breakfast, accepts the lodgings' room from MOVE_DAY."""
    with unit_of_work(get_engine(web_db.url)) as session:
        person = session.get(YoungPerson, web_db.council.own_young_person)
        room = session.get(Vacancy, web_db.council.vacancy_ids[1])
        proposal = factories.proposal(session, young_person=person, vacancy=room)
        accept_proposal(
            session, proposal_id=proposal.id, expected_version=1, actor="test", start=MOVE_DAY
        )


def test_a_planned_move_changes_where_they_live_on_its_day_only(client, web_db):
    own = web_db.council.own_young_person
    _accept_a_move_out_of_bnb(web_db)
    _as_manager(client, web_db)
    assert _lives_in(client.get(f"/young-people/{own}").text) == "Weymouth"  # the B&B
    listed = client.get("/young-people?area=Dorchester").text
    assert "YP0001" not in listed
    with clock.frozen(MOVE_DAY):
        _as_manager(client, web_db)
        lives = _lives_in(client.get(f"/young-people/{own}").text)
        assert lives == "Dorchester (home area: Weymouth)"  # the home area kept, not moved
        assert "YP0001" in client.get("/young-people?area=Dorchester").text


def test_a_planned_move_out_of_bnb_is_the_exit_plan_on_every_page(client, web_db):
    _accept_a_move_out_of_bnb(web_db)
    with unit_of_work(get_engine(web_db.url)) as session:
        director = build_report(session, audience="director", actor="test").id
    _as_manager(client, web_db)
    queue = client.get("/escalations").text
    (row,) = [r for r in queue.split('<tr class="govuk-table__row">') if "YP0001" in r]
    assert "Bed and breakfast" in row  # still there until the move's day
    assert MOVING in row and "No exit plan" not in row
    page = client.get(f"/escalations/{web_db.council.escalation_id}").text
    exit_plan = re.search(r"Exit plan\s*</dt>\s*<dd[^>]*>\s*([^<]*?)\s*</dd>", page)
    assert exit_plan and exit_plan.group(1) == MOVING
    assert not ISO_DAY.search(_main(page))
    home = client.get("/").text
    assert "<strong>0</strong> with no exit plan" in home
    report = client.get(f"/reports/{director}").text
    (case,) = [r for r in report.split('<tr class="govuk-table__row">') if "YP0001" in r]
    assert MOVING in case and "No exit plan" not in case
    assert "With an exit plan (agreed, or a move planned)" in report
    # the JSON API says so too, with the move's day and place
    token = issue_token(web_db.url, web_db.council.by_role["manager"])
    listed = client.get("/api/v1/escalations", headers={"Authorization": f"Bearer {token}"})
    (item,) = [i for i in listed.json() if i["reference"] == "YP0001"]
    assert item["has_exit_plan"] and item["exit_plan_agreed_on"] is None
    assert item["planned_move"] == {
        "on": MOVE_DAY.isoformat(),
        "placement_type": "supported_lodgings",
        "place": "Supported lodgings host 7, Room 1",
    }
    # on the move's day they have left the queue
    with clock.frozen(MOVE_DAY):
        _as_manager(client, web_db)
        assert "YP0001" not in client.get("/escalations").text
