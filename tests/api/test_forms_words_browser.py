"""Real Chromium against uvicorn, one session for the module: a manager adds a provision
(after an error), adds a place, opens the forms to close and convert a place and to close the
provision, records notice on a stay and holds a place from young people's records, saves a
scenario named in words with a dated lever (after an error) and opens the comparison of two
forecasts with its chart. axe-core checks every page reached and finds nothing."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from test_browser import AxeLog, _sign_in

from planner.core import clock

pytestmark = pytest.mark.browser
TODAY = clock.today()


def test_a_manager_keeps_the_inventory_and_scenarios_with_no_axe_violations(browser, live_server):
    base = live_server.base_url
    council = live_server.db.council
    username = council.by_role["manager"]
    context = browser.new_context(bypass_csp=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    axe = AxeLog()
    try:
        _sign_in(page, base, username, council.passwords[username])
        page.goto(f"{base}/provisions")
        page.get_by_role("link", name="Add a provision").click()
        page.wait_for_url(f"{base}/provisions/new")
        axe.check(page, "add a provision")
        page.get_by_label("Name", exact=True).fill("Seaview lodgings")
        page.get_by_role("button", name="Add the provision").click()
        expect(page.get_by_text("There is a problem")).to_be_visible()
        page.get_by_role("link", name="Choose a placement type.").click()
        expect(page.get_by_label("Placement type")).to_be_focused()
        assert page.get_by_label("Name", exact=True).input_value() == "Seaview lodgings"
        axe.check(page, "add a provision, with errors")
        page.get_by_label("Reference").fill("PR-SEA-9")
        page.get_by_label("Placement type").select_option("supported_lodgings")
        page.get_by_role("button", name="Add the provision").click()
        page.wait_for_url(re.compile(r".*/provisions/\d+\?done=provision_added$"))
        expect(page.get_by_text("The provision is added.")).to_be_visible()
        axe.check(page, "provision, added")
        page.get_by_role("link", name="Add a place").click()
        axe.check(page, "add a place")
        page.get_by_label("Name of the place").fill("Room 1")
        page.get_by_label("Reference").fill("PL-SEA-9-1")
        page.get_by_role("button", name="Add the place").click()
        expect(page.get_by_text("The place is added.")).to_be_visible()
        page.get_by_role("link", name="Close Room 1").click()
        axe.check(page, "close a place")
        page.go_back()
        page.get_by_role("link", name="Convert Room 1").click()
        axe.check(page, "convert a place")
        page.get_by_role("button", name="Convert the place").click()
        expect(page.get_by_text("There is a problem")).to_be_visible()
        axe.check(page, "convert a place, with errors")
        page.get_by_role("link", name=re.compile("^Back to")).click()
        page.get_by_role("link", name="Close the provision").click()
        axe.check(page, "close a provision")

        page.goto(f"{base}/young-people/{council.other_young_person}")
        page.get_by_role("button", name="Record notice").click()
        axe.check(page, "record notice")
        page.goto(f"{base}/young-people/{council.own_young_person}")
        page.get_by_role("button", name="Hold a place").click()
        axe.check(page, "hold a place")
        page.get_by_label("Place with a vacancy").select_option(index=1)
        page.get_by_role("button", name="Hold the place").click()
        expect(page.get_by_text("The place is held for them.")).to_be_visible()

        page.goto(f"{base}/scenarios")
        axe.check(page, "scenarios")
        page.get_by_label("Name", exact=True).fill("Hosts leaving in 2027")
        page.locator("#lever-1-kind").select_option("places")
        page.locator("#lever-1-state").select_option("supported_lodgings")
        page.locator("#lever-1-low").fill("-4")
        page.locator("#lever-1-central").fill("-2")
        page.locator("#lever-1-high").fill("0")
        page.locator("#lever-1-start-day").fill("31")
        page.locator("#lever-1-start-month").fill("2")
        page.locator("#lever-1-start-year").fill(str(TODAY.year + 1))
        page.get_by_role("button", name="Save scenario").click()
        expect(page.get_by_text("There is a problem")).to_be_visible()
        page.get_by_role("link", name=re.compile("Lever 1, from")).click()
        expect(page.locator("#lever-1-start-day")).to_be_focused()
        axe.check(page, "scenarios, with a date error")
        page.locator("#lever-1-start-day").fill("1")
        page.get_by_role("button", name="Save scenario").click()
        page.wait_for_url("**/scenarios?created=hosts_leaving_in_2027")

        first, second = council.forecast_runs
        page.goto(f"{base}/forecasts/compare?first={first}&second={second}")
        assert page.locator("main svg[role=img]").count() >= 1
        axe.check(page, "comparison with charts")
    finally:
        context.close()
    assert axe.found == {}, axe.found
    print(f"axe-core: {len(axe.checked)} pages, 0 violations")
