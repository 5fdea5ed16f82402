"""The vacancy page's candidates and "Propose", a young person's best places, and the
escalation queue's best place and next action, as the roles they concern; and escalation
actions done safely (no date pre-filled, a future date refused on the page)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from webseed import TODAY, csrf_of, sign_in

from planner.domain.text import day_words


def _as(client: TestClient, web_db, role: str, username: str | None = None) -> TestClient:
    name = username or web_db.council.by_role[role]
    return sign_in(client, name, web_db.council.passwords[name])


def _version(html: str) -> str:
    match = re.search(r'name="version" value="(\d+)"', html)
    assert match
    return match.group(1)


def test_an_officer_proposes_a_candidate_from_the_vacancy_page(client, web_db):
    vacancy = web_db.council.vacancy_ids[0]
    own = web_db.council.own_young_person
    _as(client, web_db, "housing_officer")
    page = client.get(f"/vacancies/{vacancy}")
    assert page.status_code == 200
    assert "Who could take this place now" in page.text and "YP0001" in page.text
    assert "of 100" in page.text and "Best fit of everyone" in page.text
    assert "Ofsted-registered" in page.text  # the place's rules in words
    assert "PR-SA-1" not in page.text  # no provision code
    data = {
        "csrf_token": csrf_of(page.text),
        "version": _version(page.text),
        "young_person_id": str(own),
    }
    done = client.post(f"/vacancies/{vacancy}/propose", data=data, follow_redirects=False)
    assert done.status_code == 303, done.text
    shown = client.get(done.headers["location"])
    assert "The young person is proposed for this vacancy." in shown.text
    # the same again: a GOV.UK error on the same page, nothing kept
    again = client.post(f"/vacancies/{vacancy}/propose", data=data)
    assert again.status_code == 422
    assert "govuk-error-summary" in again.text and 'href="#candidates"' in again.text
    assert "YP0001 is already proposed for this vacancy." in again.text
    # someone who is not a candidate: refused, the rule in words
    other = client.post(
        f"/vacancies/{vacancy}/propose",
        data=data | {"young_person_id": str(web_db.council.other_young_person)},
    )
    assert other.status_code == 422 and "does not need a move now" in other.text
    proposals = client.get("/matching")
    assert "YP0001" in proposals.text


@pytest.mark.reads_only
def test_who_sees_which_candidates_and_who_may_propose(client, web_db):
    vacancy = web_db.council.vacancy_ids[0]
    _as(client, web_db, "commissioner")
    page = client.get(f"/vacancies/{vacancy}")
    assert page.status_code == 200 and "YP0001" not in page.text
    assert "not shown: your role sees only the records it is allowed to" in page.text
    assert "Propose" not in page.text
    denied = client.post(
        f"/vacancies/{vacancy}/propose",
        data={"csrf_token": csrf_of(page.text), "version": "1", "young_person_id": "1"},
    )
    assert denied.status_code == 403
    _as(client, web_db, "personal_adviser", "pa02")  # YP0001 is pa01's
    page = client.get(f"/vacancies/{vacancy}")
    assert "YP0001" not in page.text and "Propose" not in page.text
    _as(client, web_db, "personal_adviser", "pa01")
    page = client.get(f"/vacancies/{vacancy}")
    assert "YP0001" in page.text and "Propose" not in page.text


@pytest.mark.reads_only
def test_a_young_persons_best_places_within_scope(client, web_db):
    own = web_db.council.own_young_person
    _as(client, web_db, "personal_adviser", "pa01")
    record = client.get(f"/young-people/{own}")
    assert f'href="/young-people/{own}/best-places"' in record.text
    page = client.get(f"/young-people/{own}/best-places")
    assert page.status_code == 200
    assert "Best places now" in page.text and "of 100" in page.text
    assert "Harbour View supported housing" in page.text
    assert f"/vacancies/{web_db.council.vacancy_ids[0]}" in page.text
    _as(client, web_db, "personal_adviser", "pa02")
    assert client.get(f"/young-people/{own}/best-places").status_code == 404
    _as(client, web_db, "commissioner")
    assert client.get(f"/young-people/{own}/best-places").status_code == 403


@pytest.mark.reads_only
def test_the_queue_shows_best_place_pathway_plan_and_next_action(client, web_db):
    _as(client, web_db, "manager")
    page = client.get("/escalations")
    assert page.status_code == 200
    for heading in ("Best place now", "Next action due", "Pathway plan due"):
        assert heading in page.text
    assert "Harbour View supported housing, Flat 2" in page.text
    assert f'href="/vacancies/{web_db.council.vacancy_ids[0]}#candidates"' in page.text
    assert f'href="/young-people/{web_db.council.own_young_person}/best-places"' in page.text
    assert ": supervision" in page.text  # no exit plan, no pathway plan: supervision is next


def test_escalation_actions_need_a_typed_date_and_refuse_the_future(client, web_db):
    escalation = web_db.council.escalation_id
    _as(client, web_db, "manager")
    page = client.get(f"/escalations/{escalation}")
    for form in ("supervision", "exit_plan", "pathway_plan", "note"):  # nothing pre-filled
        day_box = re.search(rf'id="on-{form}-day"[^>]*value="([^"]*)"', page.text)
        assert day_box is not None and day_box.group(1) == "", form
    data = {"csrf_token": csrf_of(page.text), "version": _version(page.text)}
    blank = client.post(f"/escalations/{escalation}/actions", data=data | {"kind": "supervision"})
    assert blank.status_code == 422 and "Enter the date it happened" in blank.text
    tomorrow = TODAY + timedelta(days=1)
    future = client.post(
        f"/escalations/{escalation}/actions",
        data=data
        | {
            "kind": "supervision",
            "on-day": str(tomorrow.day),
            "on-month": str(tomorrow.month),
            "on-year": str(tomorrow.year),
        },
    )
    assert future.status_code == 422
    assert "govuk-error-summary" in future.text and 'href="#on-supervision-day"' in future.text
    assert "cannot be in the future" in future.text
    assert f'value="{tomorrow.day}"' in future.text  # what was typed is kept
    # two supervisions, the later first: "last supervision" stays the later date
    for day in (TODAY, TODAY - timedelta(days=10)):
        page = client.get(f"/escalations/{escalation}")
        done = client.post(
            f"/escalations/{escalation}/actions",
            data={"csrf_token": csrf_of(page.text), "version": _version(page.text)}
            | {
                "kind": "supervision",
                "on-day": str(day.day),
                "on-month": str(day.month),
                "on-year": str(day.year),
            },
            follow_redirects=False,
        )
        assert done.status_code == 303, done.text
    page = client.get(f"/escalations/{escalation}")
    words = " ".join(re.sub(r"<[^>]+>", " ", page.text).split())
    assert f"Last supervision {day_words(TODAY)}" in words


def _fit_in(html: str, marker: str) -> tuple[str, int]:
    """The fit's words and points out of 100 in the first table row of a page's candidates
    or best places that holds ``marker`` (a reference or a place's address)."""
    for row in html.split('<tr class="govuk-table__row">')[1:]:
        if marker in row:
            found = re.search(r"<strong[^>]*>\s*([^<]+?)\s*</strong>\s*(\d{1,3}) of 100", row)
            assert found, row
            return found.group(1), int(found.group(2))
    raise AssertionError(f"{marker} is in no row")


def test_one_pair_shows_the_same_points_and_words_on_every_page(client, web_db):
    """YP0001 and Harbour View, Flat 2: the matching page's proposal, the vacancy page's
    candidates and the young person's best places read one number and one word."""
    from sqlmodel import select

    from planner.core.db import get_engine, unit_of_work
    from planner.matching import service as matching
    from planner.models import Proposal

    vacancy, own = web_db.council.vacancy_ids[0], web_db.council.own_young_person
    with unit_of_work(get_engine(web_db.url)) as session:
        matching.run_matching(session, actor="test")
        proposed = session.exec(select(Proposal).where(Proposal.young_person_id == own)).all()
        assert [p.vacancy_id for p in proposed] == [vacancy]
        assert 10 < proposed[0].score < 110  # the two old scales would differ
    _as(client, web_db, "housing_officer")
    on_matching = re.search(
        r"(Very good|Good|Fair|Poor) fit: (\d{1,3}) points out of 100", client.get("/matching").text
    )
    assert on_matching
    words, points = on_matching.group(1) + " fit", int(on_matching.group(2))
    on_vacancy = _fit_in(client.get(f"/vacancies/{vacancy}").text, "YP0001")
    on_best = _fit_in(client.get(f"/young-people/{own}/best-places").text, f"/vacancies/{vacancy}#")
    assert on_vacancy == on_best == (words, points)
    # the escalation queue's best place reads the same
    _as(client, web_db, "manager")
    assert f"Harbour View supported housing, Flat 2 ({words.lower()}, {points} of 100)" in (
        client.get("/escalations").text
    )


def test_a_proposal_made_before_any_run_reads_as_made_by_hand(client, web_db):
    """Proposing from the vacancy page before matching has run makes a manual run: the
    matching page names who proposed it and when, never a solver "none" or a status."""
    from sqlmodel import select

    from api.schemas import MatchRunPublic
    from planner.core.db import get_engine, unit_of_work
    from planner.models import MatchRun

    vacancy = web_db.council.vacancy_ids[0]
    officer = web_db.council.by_role["housing_officer"]
    _as(client, web_db, "housing_officer")
    page = client.get(f"/vacancies/{vacancy}")
    data = {
        "csrf_token": csrf_of(page.text),
        "version": _version(page.text),
        "young_person_id": str(web_db.council.own_young_person),
    }
    done = client.post(f"/vacancies/{vacancy}/propose", data=data, follow_redirects=False)
    assert done.status_code == 303, done.text
    with unit_of_work(get_engine(web_db.url)) as session:
        (run,) = session.exec(select(MatchRun)).all()
        assert (run.kind, run.solver, run.status) == ("manual", "", "")
    matching = client.get("/matching").text
    assert f"Proposed by housing officer {officer} on {day_words(TODAY)}" in matching
    assert "Match run" not in matching and "YP0001" in matching
    for shown in ("none", "manual", "Solver", "unmatched ("):
        assert shown not in matching, shown
    assert "Proposed by housing officer" in client.get(f"/matching?run={run.id}").text
    # the JSON says what kind of run it is
    assert MatchRunPublic.model_validate(run).kind == "manual"
