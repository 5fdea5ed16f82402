"""The matching page and the proposals command in plain language: proposals grouped by
urgency with jump links and a filter, places by name, dates in words, a fit as words and
points out of 100, the solver only under "technical details"; the accept and decline forms
answer errors on the same page, GOV.UK style (summary linking to the field, values kept)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from typer.testing import CliRunner
from webseed import TODAY, csrf_of, sign_in

from planner.cli import app as cli_app
from planner.core.db import get_engine
from planner.matching.words import fit_parts, fit_sentence, group_words, points, situation
from planner.work import service as work

ISO = re.compile(r"\b20\d\d-\d\d-\d\d\b")
STAGE = re.compile(r"\bstage [abc]\b", re.IGNORECASE)
SOLVER = re.compile(r"\b(cbc|highs|optimal)\b", re.IGNORECASE)


def _text(html: str) -> str:
    """The words a person reads: no tags, scripts or attribute values."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _outside_technical_details(html: str) -> str:
    start = html.index('id="technical-details"')
    end = html.index("</details>", start)
    return html[:start] + html[end:]


def test_a_fit_reads_as_words_and_points_out_of_100():
    # the score out of 110 less the 10 points every possible pair gets
    assert points(110) == 100 and points(55) == 45 and points(10) == 0 and points(0) == 0
    assert fit_sentence(104) == "Very good fit: 94 points out of 100"
    assert fit_sentence(60) == "Fair fit: 50 points out of 100"
    assert fit_sentence(49).startswith("Poor fit")
    assert fit_parts({"placed": 10, "area": 30, "travel": 30, "support": 20, "cost": 0}) == [
        "In an area they prefer",
        "Close to their education, work or support network",
        "The support matches their need",
        "One of the higher-cost places",
    ]
    assert fit_parts({"area": 15})[0] == "In their home area"
    # a travel time the council's table does not hold is said to be assumed, read from the
    # proposal's own reasons (the optimiser writes them so: tests/optimiser, travel)
    from optimiser.explain import TRAVEL_ASSUMED

    components = {"travel": 15}
    reasons = f"Fit 45 points out of 100: 45 minutes to education ({TRAVEL_ASSUMED} between)"
    assert fit_parts(components, reasons) == [
        "A moderate journey to their education, work or support network (assumed: no travel "
        "time is recorded between these areas)"
    ]
    assert "assumed" not in fit_parts(components, "")[0]
    assert group_words("a") == "Moved out of unsuitable accommodation"
    assert group_words("b") == "Needed a move by a date"
    assert group_words("c") == "Best fit"
    sentence = "YP1 (aged 17, in staying put, needed by 3 May 2027 (turning 18)) to Supported"
    assert situation(sentence) == "aged 17, in staying put, needed by 3 May 2027 (turning 18)"
    assert situation("test") == ""


@pytest.fixture
def officer(client, web_db):
    username = web_db.council.by_role["housing_officer"]
    sign_in(client, username, web_db.council.passwords[username])
    page = client.get("/matching")
    ran = client.post(
        "/matching/run", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False
    )
    assert ran.status_code == 303, ran.text
    done = work.run_queued(get_engine(web_db.url))  # the test is the work queue's worker
    assert [item.status for item in done] == ["done"], [item.failure for item in done]
    return client


def test_the_matching_page_groups_by_urgency_in_plain_words(officer, web_db):
    html = officer.get("/matching").text
    for slug, heading in (
        ("moved-out", "Moved out of unsuitable accommodation"),
        ("by-a-date", "Needed a move by a date"),
        ("best-fit", "Best fit"),
    ):
        assert f'href="#{slug}"' in html and f'id="{slug}"' in html and heading in html
    # YP0001 (bed and breakfast) is proposed the vacancy free today, by its names
    assert "YP0001 to Harbour View supported housing, Flat 2" in html
    assert "in bed and breakfast for 20 days" in html  # their situation, in words
    assert re.search(r"(Very good|Good|Fair|Poor) fit: \d{1,3} points out of 100", html)
    assert "of 110" not in _text(_outside_technical_details(html))
    shown = _text(_outside_technical_details(html))
    assert not STAGE.search(shown), STAGE.search(shown)
    assert not SOLVER.search(shown), SOLVER.search(shown)
    assert not ISO.search(_text(html)), ISO.search(_text(html))
    assert "PR-SA-1" not in _text(html) and "PL-SA-1-2" not in _text(html)
    details = _text(html[html.index('id="technical-details"') :])
    assert SOLVER.search(details)  # the solver and its status, under technical details


def test_the_proposals_are_filtered_and_the_filter_is_kept(officer, web_db):
    only = officer.get("/matching?group=best-fit").text
    assert 'id="best-fit"' in only and 'id="moved-out"' not in only
    assert '<option value="best-fit" selected>' in only
    waiting = officer.get("/matching?show=decided&reference=YP0001").text
    assert "YP0001 to Harbour View" not in waiting and 'value="YP0001"' in waiting
    assert "match the filter" in waiting
    assert officer.get("/matching?group=z").status_code == 200  # unknown: all groups


def test_an_accept_error_is_shown_on_the_same_page_with_the_field_and_values(officer, web_db):
    html = officer.get("/matching").text
    proposal = re.search(r'action="/matching/proposals/(\d+)/accept"', html).group(1)
    version = re.search(
        rf'/matching/proposals/{proposal}/accept".*?name="version" value="(\d+)"', html, re.S
    ).group(1)
    data = {"csrf_token": csrf_of(html), "version": version}
    bad = officer.post(
        f"/matching/proposals/{proposal}/accept",
        data=data | {"start-day": "31", "start-month": "2", "start-year": "2027"},
    )
    assert bad.status_code == 422
    assert "govuk-error-summary" in bad.text and f'href="#start-{proposal}-day"' in bad.text
    assert 'value="31"' in bad.text and "govuk-input--error" in bad.text
    assert bad.text.count("<h1") == 1 and "<title>Error: Matching" in bad.text
    early = TODAY - timedelta(days=3)
    before = officer.post(
        f"/matching/proposals/{proposal}/accept",
        data=data
        | {
            "start-day": str(early.day),
            "start-month": str(early.month),
            "start-year": str(early.year),
        },
    )
    assert before.status_code == 422 and "The place is free from" in before.text
    no_reason = officer.post(
        f"/matching/proposals/{proposal}/decline", data=data | {"note": "kept"}
    )
    assert no_reason.status_code == 422 and f'href="#reason-{proposal}"' in no_reason.text
    assert ">kept</textarea>" in no_reason.text
    stale = officer.post(
        f"/matching/proposals/{proposal}/accept",
        data=data
        | {"version": "99", "start-day": str(TODAY.day), "start-month": str(TODAY.month),
           "start-year": str(TODAY.year)},
    )  # fmt: skip
    assert stale.status_code == 409 and f'href="#proposal-{proposal}"' in stale.text
    done = officer.post(
        f"/matching/proposals/{proposal}/accept",
        data=data
        | {"start-day": str(TODAY.day), "start-month": str(TODAY.month),
           "start-year": str(TODAY.year)},
        follow_redirects=False,
    )  # fmt: skip
    assert done.status_code == 303
    assert "Accepted:" in officer.get(done.headers["location"]).text


def test_the_proposals_command_names_the_group_not_the_stage(officer, web_db):
    env = {"PLANNER_DATABASE_URL": web_db.url, "COLUMNS": "200"}
    listed = CliRunner().invoke(cli_app, ["proposals"], env=env)
    assert listed.exit_code == 0, listed.output
    assert "Moved out of unsuitable accommodation" in listed.output
    assert not STAGE.search(listed.output) and not ISO.search(listed.output)
    assert "Stage" not in listed.output
    as_csv = CliRunner().invoke(cli_app, ["proposals", "--format", "csv"], env=env)
    assert "urgency,stage" in as_csv.output and "Moved out of unsuitable" in as_csv.output


def test_a_vacancys_alternatives_read_best_first_with_each_young_person_once():
    from api.pages.matching import _best_first

    lines = [
        {"person_id": "YP2", "score": 63, "rank": 1},
        {"person_id": "YP1", "score": 93, "rank": 2},
        {"person_id": "YP3", "score": 88, "rank": 3},
        {"person_id": "YP1", "score": 78, "rank": 4},  # the same person, a worse line
    ]
    assert [(a["person_id"], a["score"]) for a in _best_first(lines)] == [
        ("YP1", 93),
        ("YP3", 88),
        ("YP2", 63),
    ]
