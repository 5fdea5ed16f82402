"""The forecast pages and API through the real app over HTTPS: what commissioners see (and
that no young person is named in any of it), the form's CSRF and bounds, a forecast queued
and joined, exports and API reads in the audit trail, and comparison only on the same data."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlmodel import select
from webseed import csrf_of, issue_token, sign_in

from api.app import create_app
from planner.accounts import service as accounts
from planner.core.db import get_engine, make_engine, unit_of_work
from planner.core.migrate import upgrade
from planner.core.settings import Settings
from planner.domain import Role
from planner.models import AuditEvent, ForecastRun, WorkItem
from planner.work import service as work

ORIGIN = {"Origin": "https://testserver"}
REFERENCES = ("YP0001", "YP0002", "YP0003")


def _as(client, web_db, role):
    username = web_db.council.by_role[role]
    sign_in(client, username, web_db.council.passwords[username])
    return username


def _audit(web_db, **where) -> list[AuditEvent]:
    with unit_of_work(get_engine(web_db.url)) as session:
        query = select(AuditEvent)
        for key, value in where.items():
            query = query.where(getattr(AuditEvent, key) == value)
        return list(session.exec(query.order_by(AuditEvent.id)))


@pytest.mark.reads_only
def test_commissioners_see_forecasts_and_nothing_that_names_a_young_person(client, web_db):
    first, second = web_db.council.forecast_runs
    _as(client, web_db, "commissioner")
    pages = {
        "list": client.get("/forecasts"),
        "run": client.get(f"/forecasts/{first}"),
        "compare": client.get(f"/forecasts/compare?first={first}&second={second}"),
        "csv": client.get(f"/forecasts/{first}/tables/demand.csv"),
        "chart": client.get(
            f"/forecasts/{first}/tables/chart.csv?placement_type=supported_accommodation"
            "&lot=care_leavers"
        ),
        "rates": client.get(f"/forecasts/{first}/tables/inputs_rates.csv"),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        for reference in REFERENCES:
            assert reference not in response.text, (name, reference)
    run = pages["run"].text
    # 16 fan charts and two tornado charts (the seeded run kept the levers' sensitivity)
    assert run.count('role="img"') == 18 and "Shortfall by quarter" in run
    for question in ("Former unaccompanied", "Move-on places a year", "Where each figure"):
        assert question in run
    # the report's four questions, each answered with its range, on the run's page
    answers = re.search(r'<dl class="govuk-summary-list" id="report-answers">(.*?)</dl>', run, re.S)
    assert answers is not None
    for question in ("+5 supported lodgings", "+30 framework", "+12 staying close", "50 move-on"):
        assert question in answers.group(1)
    # the seeded council is small: no UASC in supported lodgings, the rest with a range
    assert "No UASC or former UASC young people are expected" in answers.group(1)
    assert len(re.findall(r"\d+ \(\d+ to \d+\)", answers.group(1))) == 3
    assert "Which assumptions matter most" in run
    assert "Places needed (95%)" in run and "Chance of a shortfall in the quarter" in run
    assert f"/forecasts/{first}/tables/chart.csv?placement_type=staying_put" in run
    assert "Central compared with more UASC" in pages["compare"].text
    # page titles name scenarios in words, never by their internal names
    assert f"<title>Forecast {first}: Central " in run
    assert "<title>Compare Central and more UASC " in pages["compare"].text
    assert pages["chart"].headers["content-type"].startswith("text/csv")
    assert pages["chart"].text.startswith("quarter_start,recorded,demand_median")
    book = openpyxl.load_workbook(
        io.BytesIO(client.get(f"/forecasts/{first}/forecast.xlsx").content)
    )
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            assert not any(isinstance(v, str) and v.startswith("YP0") for v in row)
    assert {"about", "demand", "history", "inputs_rates"} <= set(book.sheetnames)
    assert {"uasc", "move_on", "breakdown", "sensitivity"} <= set(book.sheetnames)

    headers = {
        "Authorization": f"Bearer {issue_token(web_db.url, web_db.council.by_role['commissioner'])}"
    }
    runs = client.get("/api/v1/forecast-runs", headers=headers).json()
    assert {first, second} <= {r["id"] for r in runs}
    detail = client.get(f"/api/v1/forecast-runs/{first}", headers=headers).json()
    assert detail["scenario"] == "central" and "demand" in detail["tables"]
    table = client.get(f"/api/v1/forecast-runs/{first}/tables/demand", headers=headers).json()
    assert table["columns"][:3] == ["scenario", "quarter_start", "placement_type"]
    assert table["rows"][0]["quarter_start"] and "YP0" not in str(table)
    missing = client.get(f"/api/v1/forecast-runs/{first}/tables/nope", headers=headers)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_exports_and_api_reads_are_audited_with_who_and_which_run(client, web_db):
    first = web_db.council.forecast_runs[0]
    username = _as(client, web_db, "manager")
    before = len(_audit(web_db, action="export", entity="forecast_run"))
    assert client.get(f"/forecasts/{first}/forecast.xlsx").status_code == 200
    assert client.get(f"/forecasts/{first}/tables/flows.csv").status_code == 200
    assert client.get(f"/forecasts/{first}/tables/nope.csv").status_code == 404
    events = _audit(web_db, action="export", entity="forecast_run")[before:]
    assert [(e.actor, e.entity_id, e.detail.split()[0]) for e in events] == [
        (username, str(first), "format=xlsx"),
        (username, str(first), "format=csv"),
    ]


def test_making_a_forecast_needs_the_csrf_token_and_is_bounded(client, web_db):
    username = _as(client, web_db, "commissioner")
    page = client.get("/forecasts").text
    for form in re.findall(r"<form[^>]*>.*?</form>", page, re.S):
        if 'method="post"' in form:
            assert 'name="csrf_token"' in form
    token = csrf_of(page)
    data = {"scenario": ["central", "staying_put_take_up"], "months": "12", "runs": "100"}
    refused = client.post("/forecasts", data=data, headers=ORIGIN)
    assert refused.status_code == 403
    too_many = client.post(
        "/forecasts", data={**data, "runs": "5000", "csrf_token": token}, headers=ORIGIN
    )
    assert (
        too_many.status_code == 422 and "Enter a number of runs from 100 to 2,000" in too_many.text
    )
    assert 'value="staying_put_take_up" aria-describedby' in too_many.text  # choices kept

    # queued, not made in the request: the browser is sent to the work page at once, and
    # the same forecast asked for again while it waits joins it
    made = client.post(
        "/forecasts", data={**data, "csrf_token": token}, headers=ORIGIN, follow_redirects=False
    )
    assert made.status_code == 303 and made.headers["location"].startswith("/work/")
    again = client.post(
        "/forecasts", data={**data, "csrf_token": token}, headers=ORIGIN, follow_redirects=False
    )
    assert again.headers["location"] == made.headers["location"]
    waiting = client.get(made.headers["location"])
    assert waiting.status_code == 200 and "Waiting to start" in waiting.text
    assert not _audit(web_db, action="forecast", actor=username)
    (done,) = work.run_queued(get_engine(web_db.url))
    assert done.status == "done", done.failure
    made = client.get(made.headers["location"], follow_redirects=False)
    assert made.status_code == 303
    first, second = map(int, re.findall(r"\d+", made.headers["location"]))
    event = _audit(web_db, action="forecast", actor=username)[-1]
    assert event.entity_id == f"{first},{second}"
    with unit_of_work(get_engine(web_db.url)) as session:
        run = session.get(ForecastRun, second)
        assert (run.scenario, run.months, run.runs, run.created_by) == (
            "staying_put_take_up",
            12,
            100,
            username,
        )
    page = client.get(made.headers["location"]).text
    assert "were made together" in page and f"second={second}" in page


def test_runs_from_different_data_are_not_compared(client, web_db):
    first = web_db.council.forecast_runs[0]
    with unit_of_work(get_engine(web_db.url)) as session:
        other = session.get(ForecastRun, first)
        copy = ForecastRun(
            **{
                k: getattr(other, k)
                for k in ForecastRun.model_fields
                if k not in {"id", "data_fingerprint"}
            },
            data_fingerprint="f" * 16,
        )
        session.add(copy)
        session.flush()
        copy_id = copy.id
    _as(client, web_db, "commissioner")
    response = client.get(f"/forecasts/compare?first={first}&second={copy_id}")
    assert response.status_code == 422 and "made from different data" in response.text
    assert client.get(f"/forecasts/compare?first={first}&second={first}").status_code == 422
    assert client.get("/forecasts/compare?first=1&second=999999").status_code == 404


def test_two_forecasts_of_one_scenario_are_told_apart_and_a_command_is_named_in_words(
    client, web_db
):
    first = web_db.council.forecast_runs[0]
    with unit_of_work(get_engine(web_db.url)) as session:
        other = session.get(ForecastRun, first)
        again = ForecastRun(**{k: getattr(other, k) for k in ForecastRun.model_fields if k != "id"})
        again.created_by = "cli:analyst"
        session.add(again)
        session.flush()
        again_id = again.id
    _as(client, web_db, "commissioner")
    page = client.get(f"/forecasts/compare?first={first}&second={again_id}").text
    # the same scenario twice: each named with its forecast number, never "Central" twice
    assert f"Central (forecast {first}) compared with central (forecast {again_id})" in page
    assert f"<title>Compare Central (forecast {first}) and central (forecast {again_id}) " in page
    # the cost table's two columns, one per forecast
    assert f">Central (forecast {first})</th>" in page
    assert f">Central (forecast {again_id})</th>" in page
    # who made it: a command in words, not the stored code "cli:analyst"
    assert "analyst, from the command line" in page and "cli:analyst" not in page
    assert "fingerprint" not in page
    # the two read the same records: the same records set, named by number, not by a code
    assert page.count("Both from the same records") == 1
    listing = client.get("/forecasts").text
    assert "fingerprint" not in listing and "records set 1" in listing
    run_page = client.get(f"/forecasts/{again_id}").text
    assert "(records set 1)" in run_page and "fingerprint" not in run_page


def test_a_forecast_on_a_council_with_no_records_is_a_clear_422(tmp_path):
    """A new council has users but no young people yet: asking for a forecast or the places
    needed says what to do, not a server error or the model's own words."""
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    password = accounts.generate_password()
    with unit_of_work(engine) as session:
        accounts.create_user(
            session,
            username="commissioner-new",
            role=Role.commissioner,
            password=password,
            actor="test",
        )
    engine.dispose()
    app = create_app(Settings(database_url=url, environment="test"))
    with TestClient(app, base_url="https://testserver") as client:
        sign_in(client, "commissioner-new", password)
        token = csrf_of(client.get("/forecasts").text)
        made = client.post(
            "/forecasts",
            data={"scenario": "central", "months": "12", "runs": "100", "csrf_token": token},
            headers=ORIGIN,
        )
        assert made.status_code == 200 and "Waiting to start" in made.text  # the work page
        (failed,) = work.run_queued(get_engine(url))
        assert failed.status == "failed"
        page = client.get(str(made.url))
        assert page.status_code == 200 and "Why it stopped" in page.text
        assert "record young people and their stays first" in page.text
        assert "Traceback" not in page.text and "TypeError" not in page.text
    with unit_of_work(get_engine(url)) as session:
        assert not session.exec(select(ForecastRun)).all()
    get_engine(url).dispose()


def test_making_a_forecast_with_no_scenario_ticked_is_a_gov_uk_error(client, web_db):
    """No scenario is ticked for the user (GOV.UK: do not pre-select), and none ticked is an
    error summary and a field error, with nothing queued."""
    _as(client, web_db, "commissioner")
    page = client.get("/forecasts").text
    form = re.search(r'<form method="post" action="/forecasts".*?</form>', page, re.S)
    assert form and " checked" not in form.group(0)
    data = {"csrf_token": csrf_of(page), "months": "12", "runs": "100"}
    refused = client.post("/forecasts", data=data, headers=ORIGIN, follow_redirects=False)
    assert refused.status_code == 422
    assert "There is a problem" in refused.text and 'href="#scenario"' in refused.text
    assert 'id="scenario-error"' in refused.text and "Select a scenario" in refused.text
    assert 'id="scenario"' in refused.text  # the summary's link lands on the first box
    with unit_of_work(get_engine(web_db.url)) as session:
        assert session.exec(select(WorkItem)).all() == []
    three = client.post(
        "/forecasts",
        data=data | {"scenario": ["central", "more_uasc", "longer_stays"]},
        headers=ORIGIN,
    )
    assert three.status_code == 422 and "Select no more than two scenarios" in three.text


@pytest.mark.reads_only
def test_a_forecasts_levers_are_shown_in_words(client, web_db):
    _first, second = web_db.council.forecast_runs  # more UASC
    _as(client, web_db, "commissioner")
    run = client.get(f"/forecasts/{second}").text
    table = re.search(r"<caption[^>]*>Scenario levers.*?</table>", run, re.S)
    assert table, "the levers table"
    text = re.sub(r"<[^>]+>", " ", table.group(0))
    assert "Arrivals of UASC" in text and "National Transfer Scheme threshold" in text
    assert "x1.2" in text and "0.12%" in text and "More UASC" in text
    assert not re.search(r"[a-z]_[a-z]|\d{4}-\d\d-\d\d", text), text
