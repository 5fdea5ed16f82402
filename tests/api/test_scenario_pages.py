"""Scenarios in a commissioner's words: a name typed freely (saved under a slug made from
it, a duplicate refused clearly), the "from" date of a places lever as day, month and year,
and every lever explained on the page."""

from __future__ import annotations

from fastapi.testclient import TestClient
from webseed import csrf_of, sign_in

from planner.forecasting.scenarios import slug_of


def _as(client: TestClient, web_db, role: str) -> TestClient:
    username = web_db.council.by_role[role]
    return sign_in(client, username, web_db.council.passwords[username])


def test_a_slug_is_made_from_the_words_typed():
    assert slug_of("UASC arrivals tripled (2026)") == "uasc_arrivals_tripled_2026"
    assert slug_of("  Fewer hosts: -10%  ") == "fewer_hosts_10"
    assert slug_of("2027 plan") == "scenario_2027_plan"
    assert slug_of("!!") == ""
    assert len(slug_of("word " * 40)) <= 60


def test_a_commissioner_saves_a_scenario_named_in_words_with_a_dated_places_lever(client, web_db):
    _as(client, web_db, "commissioner")
    page = client.get("/scenarios")
    assert "nts rate" not in page.text.lower() and "move share" not in page.text.lower()
    assert "National Transfer Scheme threshold" in page.text
    assert "How fast young people leave a placement" in page.text
    assert 'id="lever-1-start-day"' in page.text and "YYYY-MM-DD" not in page.text
    lever = {
        "lever-1-kind": "places",
        "lever-1-state": "supported_lodgings",
        "lever-1-low": "-4",
        "lever-1-central": "-2",
        "lever-1-high": "0",
    }
    data = {"csrf_token": csrf_of(page.text), "name": "Hosts leaving in 2027",
            "description": "Fewer supported lodgings hosts"} | lever  # fmt: skip
    bad = client.post(
        "/scenarios",
        data=data | {"lever-1-start-day": "31", "lever-1-start-month": "2",
                     "lever-1-start-year": "2027"},
    )  # fmt: skip
    assert bad.status_code == 422 and 'href="#lever-1-start-day"' in bad.text
    assert 'value="Hosts leaving in 2027"' in bad.text and 'value="31"' in bad.text
    assert 'value="-4"' in bad.text
    dated = data | {"lever-1-start-day": "1", "lever-1-start-month": "4",
                    "lever-1-start-year": "2027"}  # fmt: skip
    done = client.post("/scenarios", data=dated, follow_redirects=False)
    assert done.status_code == 303, done.text
    assert done.headers["location"] == "/scenarios?created=hosts_leaving_in_2027"
    saved = client.get(done.headers["location"]).text
    assert "Scenario Hosts leaving in 2027 saved" in saved  # as typed
    assert "1 April 2027" in saved and "Places added or closed" in saved
    again = client.post("/scenarios", data=dated | {"name": "Hosts leaving, in 2027!"})
    assert again.status_code == 422 and 'href="#name"' in again.text
    assert "already exists; choose another name" in again.text
    empty = client.post("/scenarios", data=dated | {"name": "?"})
    assert empty.status_code == 422 and "at least 3 letters or digits" in empty.text


def test_a_saved_scenarios_name_reads_as_typed_on_every_page_file_and_paper(client, web_db):
    """ "UASC arrivals tripled (2026)!" keeps its capitals and punctuation on the scenarios
    page, the forecasts list, a run's page and paper, the comparison and the CSV, and still
    does once the scenario is deleted (the run keeps it)."""
    from sqlmodel import select

    from planner.core.db import get_engine, unit_of_work
    from planner.forecasting import service as forecasting
    from planner.models import Scenario
    from planner.reports.forecast_paper import forecast_paper_html

    typed, words = "UASC arrivals tripled (2026)!", "Uasc arrivals tripled 2026"
    _as(client, web_db, "commissioner")
    page = client.get("/scenarios")
    data = {"csrf_token": csrf_of(page.text), "name": typed, "description": "",
            "lever-1-kind": "arrivals", "lever-1-stream": "uasc",
            "lever-1-central": "3"}  # fmt: skip
    done = client.post("/scenarios", data=data, follow_redirects=False)
    assert done.status_code == 303, done.text
    slug = slug_of(typed)
    listed = client.get(done.headers["location"]).text
    assert f"Scenario {typed} saved" in listed.replace("&#39;", "'").replace("&amp;", "&")
    with unit_of_work(get_engine(web_db.url)) as session:
        (row,) = session.exec(select(Scenario).where(Scenario.name == slug)).all()
        assert row.title == typed
        report = forecasting.make_forecast(
            session, scenarios=[slug], months=6, runs=20, child_population=67_300,
            actor="test", save_trace=False, compare=False,
        )  # fmt: skip
    (mine,), central = report.run_ids, web_db.council.forecast_runs[0]  # the same data
    shown = {
        "list": client.get("/forecasts").text,
        "run": client.get(f"/forecasts/{mine}").text,
        "compare": client.get(f"/forecasts/compare?first={central}&second={mine}").text,
        "places needed": client.get("/places-needed").text,
        "csv": client.get(f"/forecasts/{mine}/tables/demand.csv").text,
    }
    with unit_of_work(get_engine(web_db.url)) as session:
        shown["paper"] = forecast_paper_html(session, run_id=mine)
    for where, text in shown.items():
        text = text.replace("&#39;", "'").replace("&amp;", "&")
        assert typed in text, where
        assert words not in text and words.lower() not in text, where
    assert f"<title>Forecast {mine}: {typed}" in shown["run"].replace("&#39;", "'")
    assert f"\n{slug},{typed}," in shown["csv"]  # the slug for machines, the name beside it
    # deleted: its runs keep the name as typed
    scenarios = client.get("/scenarios")
    with unit_of_work(get_engine(web_db.url)) as session:
        scenario_id = session.exec(select(Scenario.id).where(Scenario.name == slug)).one()
    gone = client.post(
        f"/scenarios/{scenario_id}/delete",
        data={"csrf_token": csrf_of(scenarios.text)},
        follow_redirects=False,
    )
    assert gone.status_code == 303
    assert typed in client.get(f"/forecasts/{mine}").text.replace("&#39;", "'")
