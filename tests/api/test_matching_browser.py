"""Real Chromium against uvicorn: a manager reviews an escalation, records supervision and
makes a board report that names no young person; a housing officer runs matching, loses a
race in one tab to their own accept in another (the 409 page), and finds the young person's
new stay. axe-core checks every page reached, and finds nothing.

The manager goes first: accepting the proposal moves YP0001 out of bed and breakfast, and
the report (which sweeps first) would then have no case to pseudonymise.
"""

from __future__ import annotations

import re

import pytest
from browser_work import do_the_queued_work
from playwright.sync_api import expect
from test_browser import AxeLog, _sign_in

from planner.core import clock

pytestmark = pytest.mark.browser
TODAY = clock.today()


def _context(browser):
    context = browser.new_context(bypass_csp=True)
    context.set_default_timeout(15_000)
    return context


def test_a_manager_records_supervision_and_makes_a_board_report(browser, live_server):
    base = live_server.base_url
    council = live_server.db.council
    username = council.by_role["manager"]
    context = _context(browser)
    page = context.new_page()
    axe = AxeLog()
    try:
        _sign_in(page, base, username, council.passwords[username])
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Escalations").click()
        page.wait_for_url(f"{base}/escalations")
        axe.check(page, "escalation queue")
        page.get_by_role("button", name="Sweep now").click()
        page.wait_for_url(f"{base}/escalations?swept=true")
        axe.check(page, "escalation queue after a sweep")
        page.get_by_role("link", name="YP0001").click()
        page.wait_for_url("**/escalations/*")
        assert page.locator("h1").inner_text() == "YP0001"
        axe.check(page, "escalation")
        page.get_by_role("button", name="Record supervision").click()  # no date entered
        assert "Enter the date it happened" in page.locator(".govuk-error-summary").inner_text()
        axe.check(page, "escalation with an error")
        today = clock.today()
        page.fill("#on-supervision-day", str(today.day))
        page.fill("#on-supervision-month", str(today.month))
        page.fill("#on-supervision-year", str(today.year))
        page.get_by_role("button", name="Record supervision").click()
        page.wait_for_url("**/escalations/*?recorded=supervision*")
        assert "Recorded: management supervision on" in page.locator("main").inner_text()
        history = page.locator("main table").last.inner_text()
        assert "Management supervision" in history and username in history
        axe.check(page, "escalation after supervision")

        page.get_by_role("link", name="Exception reports").first.click()
        page.wait_for_url(f"{base}/reports")
        axe.check(page, "exception reports")
        page.get_by_role("button", name="Make report").click()
        assert "Choose who the report is for" in page.locator("main").inner_text()
        axe.check(page, "exception reports with an error")
        page.get_by_label("Corporate Parenting Board").check()
        page.get_by_role("button", name="Make report").click()
        page.wait_for_url("**/reports/*")
        main = page.locator("main").inner_text()
        assert "Corporate Parenting Board" in main and "16-17" in main
        for reference in ("YP0001", "YP0002", "YP0003", "pa01"):
            assert reference not in page.content()
        axe.check(page, "board report")
        # one young person in bed and breakfast: a small number, so the board's report
        # withholds the count and lists no case, on the page and in the download
        assert "fewer than 5" in main and "too few young people" in main
        csv = page.request.get(page.url + "/report.csv").text()
        assert csv.strip() == "case" and "YP0001" not in csv

        page.get_by_role("link", name="Scheduled jobs").click()
        page.wait_for_url(f"{base}/jobs")
        assert "Escalations daily sweep" in page.locator("main").inner_text()
        axe.check(page, "scheduled jobs")
    finally:
        context.close()
    assert axe.found == {}, axe.found
    print(f"axe-core: {len(axe.checked)} pages as manager, 0 violations")


def test_a_housing_officer_runs_matching_and_accepts_a_proposal(browser, live_server):
    base = live_server.base_url
    council = live_server.db.council
    username = council.by_role["housing_officer"]
    context = _context(browser)
    page = context.new_page()
    axe = AxeLog()
    try:
        _sign_in(page, base, username, council.passwords[username])
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Matching").click()
        page.wait_for_url(f"{base}/matching")
        axe.check(page, "matching")
        page.get_by_role("button", name="Run matching now").click()
        do_the_queued_work(page, live_server.db.url, axe, "match run waiting to start")
        page.wait_for_url(f"{base}/matching?run=*")
        main = page.locator("main").inner_text()
        assert "Moved out of unsuitable accommodation (1)" in main
        assert "Stage a" not in main and "stage a" not in main  # no stage letters
        assert "points out of 100" in main and "cbc" not in main.split("Technical details")[0]
        axe.check(page, "matching with proposals")
        page.get_by_role("link", name=re.compile(r"^Best fit \(")).click()  # a jump link
        page.get_by_label("Urgency", exact=True).select_option("moved-out")
        page.get_by_role("button", name="Filter proposals").click()
        page.wait_for_url(re.compile(r"/matching\?(.*&)?group=moved-out"))
        axe.check(page, "matching, filtered")
        page.locator("main summary").first.click()  # open the decline form
        axe.check(page, "matching with the decline form open")
        # a move-in date that is no date: the same page, the summary links to the day box
        page.locator("input[name=start-day]").first.fill("31")
        page.locator("input[name=start-month]").first.fill("2")
        page.get_by_role("button", name="Accept YP0001").click()
        expect(page.get_by_text("There is a problem")).to_be_visible()
        page.get_by_role("link", name=re.compile("must be a real date")).click()
        expect(page.locator("input[name=start-day]").first).to_be_focused()
        assert page.locator("input[name=start-day]").first.input_value() == "31"
        axe.check(page, "matching with an accept error")
        page.locator("input[name=start-day]").first.fill(str(TODAY.day))
        page.locator("input[name=start-month]").first.fill(str(TODAY.month))

        # the same form open in a second tab: the first accept wins, the second gets 409
        stale = context.new_page()
        stale.goto(f"{base}/matching")
        page.get_by_role("button", name="Accept YP0001").click()
        page.wait_for_url("**/matching?accepted=*")
        assert "Accepted: YP0001 moves to Harbour View" in page.locator("main").inner_text()
        axe.check(page, "matching after an accept")
        stale.get_by_role("button", name="Accept YP0001").click()
        stale.wait_for_load_state()
        assert "Another person decided on this proposal" in stale.locator("main").inner_text()
        axe.check(stale, "409 someone else decided first")
        stale.close()

        page.get_by_role("link", name="See YP0001's record and new stay").click()
        page.wait_for_url("**/young-people/*")
        record = page.locator("main").inner_text()
        assert "Harbour View supported housing" in record
        assert "Lives in unsuitable accommodation" not in record
        axe.check(page, "young person's record after the move")
    finally:
        context.close()
    assert axe.found == {}, axe.found
    print(f"axe-core: {len(axe.checked)} pages as housing officer, 0 violations")
