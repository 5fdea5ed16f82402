"""Starting a match run from its page or the API queues it and answers at once; the work
page shows its progress and reloads itself, the worker does it, and the page then leads
to the result. Two API requests at the same moment get the same item and one run. Seeing
an item needs the permission of its kind. On SQLite and PostgreSQL (``web_db``)."""

from __future__ import annotations

import re
import threading
import time

from fastapi.testclient import TestClient
from sqlmodel import Session, select
from webseed import csrf_of, issue_token, sign_in

from planner.core.db import get_engine
from planner.models import AuditEvent, MatchRun, WorkItem
from planner.work import service as work

ORIGIN = {"Origin": "https://testserver"}


def _as(client, web_db, role):
    username = web_db.council.by_role[role]
    sign_in(client, username, web_db.council.passwords[username])
    return username


def _match_runs(web_db) -> list[MatchRun]:
    with Session(get_engine(web_db.url)) as session:
        return list(session.exec(select(MatchRun)))


def test_running_matching_from_the_page_queues_it_and_the_work_page_leads_to_the_result(
    client, app, web_db
):
    _as(client, web_db, "housing_officer")
    token = csrf_of(client.get("/matching").text)
    before = len(_match_runs(web_db))
    started = time.perf_counter()
    asked = client.post(
        "/matching/run", data={"csrf_token": token}, headers=ORIGIN, follow_redirects=False
    )
    took = time.perf_counter() - started
    assert asked.status_code == 303 and asked.headers["location"].startswith("/work/")
    assert took < 1.0, took  # queued, not solved, in the request
    assert len(_match_runs(web_db)) == before
    where = asked.headers["location"]

    waiting = client.get(where)
    assert waiting.status_code == 200 and waiting.headers["refresh"] == "3"
    assert "Match run: waiting to start" in waiting.text
    assert "Stop updating this page" in waiting.text
    still = client.get(f"{where}?refresh=off")
    assert "refresh" not in still.headers and "turn updating back on" in still.text

    with TestClient(app, base_url="https://testserver") as commissioner:
        _as(commissioner, web_db, "commissioner")  # forecasts, not matching
        assert commissioner.get(where).status_code == 403

    (done,) = work.run_queued(get_engine(web_db.url))
    assert done.status == "done", done.failure
    (run,) = [r for r in _match_runs(web_db) if r.id == done.result_id]
    assert run.created_by == web_db.council.by_role["housing_officer"]

    finished = client.get(where, follow_redirects=False)
    assert finished.status_code == 303 and finished.headers["location"] == f"/matching?run={run.id}"
    page = client.get(f"{where}?refresh=off")
    assert "Match run finished" in page.text and "refresh" not in page.headers
    assert f'href="/matching?run={run.id}">See the proposals</a>' in page.text
    assert "Moved out of unsuitable accommodation" in client.get(f"/matching?run={run.id}").text


def test_two_api_requests_at_once_get_one_item_then_one_run(app, web_db):
    token = issue_token(web_db.url, web_db.council.by_role["housing_officer"])
    headers = {"Authorization": f"Bearer {token}"}
    start = threading.Barrier(2)
    answers = []

    def ask() -> None:
        with TestClient(app, base_url="https://testserver") as c:
            start.wait(timeout=10)
            answers.append(c.post("/api/v1/match-runs", json={}, headers=headers))

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert [a.status_code for a in answers] == [202, 202]
    bodies = [a.json() for a in answers]
    assert bodies[0]["id"] == bodies[1]["id"] and bodies[0]["status"] == "queued"
    assert sorted(b["joined"] for b in bodies) == [False, True]
    assert answers[0].headers["location"] == f"/api/v1/work/{bodies[0]['id']}"

    with TestClient(app, base_url="https://testserver") as c:
        before = len(_match_runs(web_db))
        work.run_queued(get_engine(web_db.url))
        assert len(_match_runs(web_db)) == before + 1
        item = c.get(f"/api/v1/work/{bodies[0]['id']}", headers=headers).json()
        assert item["status"] == "done" and item["step"] == item["steps"] == 4
        assert item["result"] == f"/api/v1/match-runs/{item['result_id']}"
        assert c.get(item["result"], headers=headers).status_code == 200
        other = issue_token(web_db.url, web_db.council.by_role["commissioner"])
        refused = c.get(f"/api/v1/work/{item['id']}", headers={"Authorization": f"Bearer {other}"})
        assert refused.status_code == 403


def test_a_forecast_from_the_api_is_checked_then_queued(client, web_db):
    token = issue_token(web_db.url, web_db.council.by_role["commissioner"])
    headers = {"Authorization": f"Bearer {token}"}
    refused = client.post(
        "/api/v1/forecast-runs",
        json={"scenarios": ["central"], "months": 12, "runs": 5000},
        headers=headers,
    )
    assert refused.status_code == 422
    assert "Enter a number of runs from 100 to 2,000" in refused.json()["error"]["message"]
    asked = client.post(
        "/api/v1/forecast-runs",
        json={"scenarios": ["central"], "months": 12, "runs": 100},
        headers=headers,
    )
    assert asked.status_code == 202 and asked.json()["kind"] == "forecast"
    (done,) = work.run_queued(get_engine(web_db.url))
    item = client.get(asked.headers["location"], headers=headers).json()
    assert item["status"] == "done" and item["result"] == f"/api/v1/forecast-runs/{done.result_id}"


def test_places_needed_is_queued_joined_and_its_answer_shown_from_the_work_page(
    client, app, web_db
):
    username = _as(client, web_db, "commissioner")
    form_page = client.get("/places-needed")
    token = csrf_of(form_page.text)
    state = re.search(r'<select[^>]*id="state".*?<option value="([^"]+)"', form_page.text, re.S)
    through = re.findall(r'<option value="(\d{4}-\d\d-\d\d)"', form_page.text)
    assert state and through
    question = {
        "csrf_token": token,
        "state": state.group(1),
        "through": through[1],
        "probability": "0.1",
        "scenario": "central",
        "runs": "100",
    }
    started = time.perf_counter()
    asked = client.post("/places-needed", data=question, headers=ORIGIN, follow_redirects=False)
    assert time.perf_counter() - started < 1.0  # queued, not worked out, in the request
    assert asked.status_code == 303 and asked.headers["location"].startswith("/work/")
    where = asked.headers["location"]
    item_id = int(where.rsplit("/", 1)[1])
    again = client.post("/places-needed", data=question, headers=ORIGIN, follow_redirects=False)
    assert again.headers["location"] == where  # the same question joins the same item
    assert "Places needed: waiting to start" in client.get(where).text
    early = client.get(f"/places-needed?work={item_id}", follow_redirects=False)
    assert early.status_code == 303 and early.headers["location"] == where
    with TestClient(app, base_url="https://testserver") as officer:
        _as(officer, web_db, "housing_officer")  # no forecasts
        assert officer.get(where).status_code == 403
        assert officer.get(f"/places-needed?work={item_id}").status_code == 403

    (done,) = work.run_queued(get_engine(web_db.url))
    assert done.status == "done" and done.steps == 3, done.failure
    finished = client.get(where, follow_redirects=False)
    answer_url = f"/places-needed?work={item_id}#answer"
    assert finished.status_code == 303 and finished.headers["location"] == answer_url
    assert "See the answer</a>" in client.get(f"{where}?refresh=off").text
    page = client.get(f"/places-needed?work={item_id}")
    assert page.status_code == 200 and "The answer" in page.text
    assert "Extra places needed" in page.text and "100 runs on records as on" in page.text
    # the scenario by its title as the other pages show it, the type in lower case mid-sentence
    assert "under the scenario “Central”" in page.text and "scenario central" not in page.text
    answer = re.search(r'<p class="govuk-body-l">(.*?)</p>', page.text, re.S)
    assert answer and re.search(r"(of|places of) [a-z]", answer.group(1)), answer.group(1)
    # the answer states its sampling uncertainty and from which quarter the places are needed
    assert "resamples of the runs" in page.text and "percentage points" in page.text
    assert re.search(r"Needed from</th><td[^>]*>(Not needed|\w+ to \w+ \d{4})</td>", page.text)
    assert f'<option value="{through[1]}" selected>' in page.text  # the question, to ask again
    assert '<option value="0.1" selected>' in page.text
    with Session(get_engine(web_db.url)) as session:
        asked_by = session.exec(
            select(AuditEvent.actor).where(AuditEvent.action == "goal_seek")
        ).all()
    assert asked_by == [username]  # one question worked out once, audited for who asked
    token = issue_token(web_db.url, username)
    seen = client.get(f"/api/v1/work/{item_id}", headers={"Authorization": f"Bearer {token}"})
    assert seen.json()["kind"] == "places_needed" and seen.json()["status"] == "done"
    assert seen.json()["result"] is None  # the answer is on its page, not in the API
    # an unknown item is not found
    assert client.get("/places-needed?work=999999").status_code == 404


def test_a_places_needed_question_out_of_bounds_is_refused_beside_the_form(client, web_db):
    _as(client, web_db, "commissioner")
    token = csrf_of(client.get("/places-needed").text)
    refused = client.post(
        "/places-needed",
        data={
            "csrf_token": token,
            "state": "supported_lodgings",
            "through": "2001-03-31",
            "probability": "0.05",
            "scenario": "central",
            "runs": "100",
        },
        headers=ORIGIN,
        follow_redirects=False,
    )
    assert refused.status_code == 422 and "There is a problem" in refused.text
    with Session(get_engine(web_db.url)) as session:
        assert session.exec(select(WorkItem)).all() == []


def test_the_forecast_accuracy_check_is_queued_and_its_latest_result_shown_with_its_date(
    client, web_db
):
    username = _as(client, web_db, "commissioner")
    first = client.get("/forecasts/accuracy")
    assert first.status_code == 200 and "This has not been checked yet" in first.text
    assert "Check now</button>" in first.text and "accuracy-overall" not in first.text
    token = csrf_of(first.text)
    started = time.perf_counter()
    asked = client.post(
        "/forecasts/accuracy", data={"csrf_token": token}, headers=ORIGIN, follow_redirects=False
    )
    assert time.perf_counter() - started < 1.0  # queued, not backtested, in the request
    assert asked.status_code == 303 and asked.headers["location"].startswith("/work/")
    where = asked.headers["location"]
    again = client.post(
        "/forecasts/accuracy", data={"csrf_token": token}, headers=ORIGIN, follow_redirects=False
    )
    assert again.headers["location"] == where  # joined, not queued twice
    waiting = client.get("/forecasts/accuracy").text
    assert f'href="{where}">See how it is going</a>' in waiting and "Check now" not in waiting
    assert "Forecast accuracy check: waiting to start" in client.get(where).text

    (done,) = work.run_queued(get_engine(web_db.url))
    assert done.status == "done" and done.steps == 3, done.failure
    finished = client.get(where, follow_redirects=False)
    assert finished.status_code == 303 and finished.headers["location"] == "/forecasts/accuracy"
    page = client.get("/forecasts/accuracy").text
    assert "Last checked at" in page and "today, on the records as on" in page
    assert "Check again</button>" in page and "under way" not in page
    # the seeded council's records are too short to score: the reason is the result, kept
    assert "the records are too short for a backtest" in page
    with Session(get_engine(web_db.url)) as session:
        actors = session.exec(select(AuditEvent.actor).where(AuditEvent.action == "backtest"))
        assert list(actors) == [username]
