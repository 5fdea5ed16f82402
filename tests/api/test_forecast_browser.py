"""The forecast pages in real headless Chromium on the demo council: a commissioner makes a
forecast of two scenarios, reads the run page (fan charts, shortfall tables) and the
comparison, and axe-core finds nothing on any page reached.

Small runs (200 runs, 24 months) keep the forecast itself under a second or two.
"""

from __future__ import annotations

import re

import pytest
from browser_work import do_the_queued_work
from playwright.sync_api import expect
from test_browser import AxeLog, _sign_in

pytestmark = pytest.mark.browser


def test_a_commissioner_makes_two_scenarios_reads_them_and_compares(browser, demo_server):
    base = demo_server.base_url
    council = demo_server.db.council
    username = council.by_role["commissioner"]
    context = browser.new_context(bypass_csp=True)
    context.set_default_timeout(30_000)
    page = context.new_page()
    axe = AxeLog()
    try:
        _sign_in(page, base, username, council.passwords[username])
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Forecasts").click()
        expect(page.locator("h1")).to_have_text("Forecasts")
        assert "No forecasts have been saved yet" in page.locator("main").inner_text()
        axe.check(page, "forecasts, none saved")

        # nothing is pre-ticked, and none ticked is refused with an error summary
        expect(page.get_by_label("Central")).not_to_be_checked()
        page.get_by_role("button", name="Make forecast").click()
        expect(page.get_by_text("There is a problem")).to_be_visible()
        expect(page.locator("#scenario-error")).to_contain_text("Select a scenario")
        # three scenarios are refused with an error summary that keeps what was chosen
        page.get_by_label("Central").check()
        page.get_by_label("More UASC").check()
        page.get_by_label("Longer stays").check()
        page.get_by_role("button", name="Make forecast").click()
        expect(page.get_by_text("There is a problem")).to_be_visible()
        expect(page.get_by_label("Longer stays")).to_be_checked()
        axe.check(page, "forecasts with an error")

        page.get_by_label("Longer stays").uncheck()
        expect(page.get_by_label("Central")).to_be_checked()
        page.get_by_label("How far ahead").select_option("24")
        page.get_by_label("Number of runs").fill("200")
        page.get_by_role("button", name="Make forecast").click()
        do_the_queued_work(page, demo_server.db.url, axe, "forecast waiting to start")
        page.wait_for_url(re.compile(r".*/forecasts/\d+\?made_with=\d+$"))

        main = page.locator("main")
        expect(page.locator("h1")).to_have_text("Central: places needed by quarter")
        assert "654 young people" in main.inner_text()
        # one fan chart per placement type and lot, each named and described, and the two
        # sensitivity (tornado) charts a forecast made from the page now carries
        charts = page.locator("svg[role=img]")
        assert page.locator("svg[role=img][aria-labelledby^='chart-']").count() == 16
        assert charts.count() == 18
        uasc = page.locator("svg[aria-labelledby^='chart-supported_accommodation-uasc']")
        expect(uasc.locator("title")).to_have_text(re.compile(r"UASC in care lot"))
        assert uasc.locator("polygon.app-chart__band-95").count() == 1
        assert uasc.locator("polyline.app-chart__median").count() == 1
        assert uasc.locator("polyline.app-chart__recorded").count() == 1
        # the shortfall table of the framework's care-leaver lot, with places needed
        shortfall = page.get_by_role(
            "table",
            name=re.compile(r"Shortfall by quarter: Supported accommodation framework: children"),
        )
        expect(shortfall).to_be_visible()
        header = shortfall.locator("thead").inner_text()
        assert "Places needed (95%)" in header and "Planned places" in header
        assert shortfall.locator("tbody tr").count() == 9  # 24 months from mid-quarter
        for heading in ("Unsuitable accommodation and bed and breakfast nights", "Costs"):
            expect(page.get_by_role("heading", name=heading)).to_be_visible()
        assert "YP0" not in page.content()  # no young person is named
        axe.check(page, "forecast run")

        page.get_by_role("link", name="Compare central with more UASC").click()
        page.wait_for_url("**/forecasts/compare?**")
        expect(page.locator("h1")).to_have_text("Central compared with more UASC")
        comparison = page.get_by_role(
            "table", name=re.compile(r"Supported accommodation framework: UASC in care lot")
        )
        assert "Difference in places needed" in comparison.locator("thead").inner_text()
        assert "YP0" not in page.content()
        axe.check(page, "comparison")

        page.goto(f"{base}/forecasts")
        assert page.locator("main table tbody tr").count() == 2
        axe.check(page, "forecasts, two saved")
        run_url = page.locator("main table tbody a").last.get_attribute("href")
    finally:
        context.close()
    assert axe.found == {}, axe.found
    print(f"axe-core: {len(axe.checked)} forecast pages, 0 violations")

    # the charts and pages need nothing the Content-Security-Policy refuses
    strict = browser.new_context()
    page = strict.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    try:
        _sign_in(page, base, username, council.passwords[username])
        page.goto(f"{base}{run_url}")
        page.wait_for_load_state("networkidle")
        assert page.locator("svg[role=img]").first.is_visible()
    finally:
        strict.close()
    assert problems == [], problems


def test_the_councils_questions_read_as_tables_and_a_tornado_chart(browser, live_server):
    """The seeded run was made with the levers' sensitivity: the run page answers former
    UASC, move-on places a year, where a figure comes from and which assumption matters
    most, with a tornado chart named and described, and axe-core finds nothing."""
    base = live_server.base_url
    council = live_server.db.council
    username = council.by_role["commissioner"]
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    axe = AxeLog()
    try:
        _sign_in(page, base, username, council.passwords[username])
        page.goto(f"{base}/forecasts/{council.forecast_runs[0]}")
        expect(page.get_by_role("heading", name="The council's questions")).to_be_visible()
        expect(page.get_by_role("heading", name="The report's four questions")).to_be_visible()
        page.get_by_role("link", name=re.compile("behind the answer to About 50 move-on")).click()
        assert page.url.endswith("#move-on")
        expect(page.get_by_role("table", name=re.compile("Move-on places needed"))).to_be_visible()
        expect(page.get_by_role("table", name=re.compile("UASC and former UASC"))).to_be_visible()
        tornado = page.locator("svg[aria-labelledby^='tornado-demand_suitable_end']")
        expect(tornado.locator("title")).to_have_text(re.compile("suitable accommodation"))
        assert tornado.locator("rect").count() > 3
        page.locator("details[id^='breakdown-'] summary").first.click()
        assert "style=" not in tornado.evaluate("e => e.outerHTML")  # the CSP allows none
        axe.check(page, "forecast run: the council's questions")
    finally:
        context.close()
    assert axe.found == {}, axe.found


def test_how_good_the_forecast_has_been_here_reads_with_no_axe_violations(browser, live_server):
    """The backtest page on the seeded council: not checked yet, the check queued from it
    (its work page), then the latest check with its time: either its tables (with the
    fall-back said in words) or the reason there are none; axe-core finds nothing."""
    base = live_server.base_url
    council = live_server.db.council
    username = council.by_role["commissioner"]
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    axe = AxeLog()
    try:
        _sign_in(page, base, username, council.passwords[username])
        page.goto(f"{base}/forecasts/accuracy")
        expect(page.locator("h1")).to_have_text("How good has this forecast been here?")
        expect(page.get_by_text("This has not been checked yet")).to_be_visible()
        axe.check(page, "how good has this forecast been here, not checked")
        page.get_by_role("button", name="Check now").click()  # queued, not run in the request
        do_the_queued_work(page, live_server.db.url, axe, "accuracy check waiting to start")
        page.wait_for_url(f"{base}/forecasts/accuracy")
        expect(page.get_by_text(re.compile(r"Last checked at \d\d:\d\d today"))).to_be_visible()
        expect(page.get_by_role("button", name="Check again")).to_be_visible()
        axe.check(page, "how good has this forecast been here, checked")
    finally:
        context.close()
    assert axe.found == {}, axe.found
