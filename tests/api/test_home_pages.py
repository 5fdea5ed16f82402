"""Each role's home page starts its day: a manager sees what must be done about the young
people in unsuitable accommodation (supervision overdue, no exit plan, target passed), the
same figures the escalation queue shows, within the manager's scope."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session
from webseed import sign_in

from planner.accounts.service import get_user_by_username
from planner.core.db import get_engine
from planner.escalations.queries import escalation_queue


@pytest.mark.reads_only
def test_a_managers_home_says_what_needs_doing_about_unsuitable_accommodation(client, web_db):
    username = web_db.council.by_role["manager"]
    with Session(get_engine(web_db.url)) as session:
        queue = escalation_queue(session, viewer=get_user_by_username(session, username))
    assert queue, "the seeded council has young people in unsuitable accommodation"
    sign_in(client, username, web_db.council.passwords[username])
    page = client.get("/").text
    to_do = re.search(
        r'<ul class="govuk-list govuk-list--bullet" id="manager-to-do">(.*?)</ul>', page, re.S
    )
    assert to_do is not None
    items = [
        re.sub(r"<[^>]+>", "", li).strip()
        for li in re.findall(r"<li>(.*?)</li>", to_do.group(1), re.S)
    ]
    assert items == [
        f"{sum(i.supervision_overdue for i in queue)} with management supervision overdue",
        f"{sum(not i.has_exit_plan for i in queue)} with no exit plan",
        f"{sum(i.exit_plan_overdue for i in queue)} past their exit plan's target date",
    ]
    assert 'href="/escalations">Escalations' in page and f"({len(queue)} open)" in page


def test_a_personal_adviser_sees_no_managers_to_do_list(client, web_db):
    username = web_db.council.by_role["personal_adviser"]
    sign_in(client, username, web_db.council.passwords[username])
    assert 'id="manager-to-do"' not in client.get("/").text


def test_a_housing_officers_home_counts_the_proposals_waiting_for_a_decision(client, web_db):
    from planner.domain import ProposalStatus
    from planner.matching.service import list_proposals

    with Session(get_engine(web_db.url)) as session:
        waiting = sum(p.status == ProposalStatus.proposed for p in list_proposals(session))
    username = web_db.council.by_role["housing_officer"]
    sign_in(client, username, web_db.council.passwords[username])
    page = client.get("/").text
    assert f'(<span id="undecided">{waiting}</span> waiting for a decision)' in page
    assert 'href="/matching">Matching' in page
