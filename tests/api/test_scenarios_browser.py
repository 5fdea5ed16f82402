"""Saved scenarios and the goal-seek in real headless Chromium on the demo council: a
commissioner saves a scenario (after one refused lever), makes a forecast with it beside the
central one, asks how many supported lodgings places keep the risk low (queued: the work page
leads to the answer), deletes the
scenario, and axe-core finds nothing on any page reached.

Runs after ``test_forecast_browser`` on the same demo server (it expects no saved forecast),
so the file name sorts after it; small runs keep each model run to a second or two.
"""

from __future__ import annotations

import re

import pytest
from browser_work import do_the_queued_work
from playwright.sync_api import expect
from test_browser import AxeLog, _sign_in

pytestmark = pytest.mark.browser


def test_a_commissioner_saves_a_scenario_forecasts_with_it_and_asks_places_needed(
    browser, demo_server
):
    base = demo_server.base_url
    council = demo_server.db.council
    username = council.by_role["commissioner"]
    context = browser.new_context(bypass_csp=True)
    context.set_default_timeout(30_000)
    page = context.new_page()
    axe = AxeLog()
    try:
        _sign_in(page, base, username, council.passwords[username])
        page.goto(f"{base}/forecasts")
        page.get_by_role("link", name="Scenarios and their levers").click()
        expect(page.locator("h1")).to_have_text("Scenarios")
        catalogue = page.get_by_role("table", name="Levers of more UASC")
        assert "1.2" in catalogue.inner_text() and "2" in catalogue.inner_text()
        axe.check(page, "scenarios")

        # a lever whose low is above its central value is refused, beside the box at fault
        page.get_by_label("Name").fill("UASC tripled")  # in words; saved as uasc_tripled
        page.get_by_label("Description").fill(
            "UASC arrivals two and a half to three and a half times"
        )
        page.locator("#lever-1-kind").select_option("arrivals")
        page.locator("#lever-1-stream").select_option("uasc")
        page.locator("#lever-1-low").fill("3.2")
        page.locator("#lever-1-central").fill("3")
        page.locator("#lever-1-high").fill("3.5")
        page.get_by_role("button", name="Save scenario").click()
        expect(page.get_by_text("There is a problem")).to_be_visible()
        expect(page.locator("#lever-1-low-error")).to_contain_text("Lever 1, low")
        axe.check(page, "scenarios with an error")

        page.locator("#lever-1-low").fill("2.5")
        page.get_by_role("button", name="Save scenario").click()
        page.wait_for_url("**/scenarios?created=uasc_tripled")
        expect(page.get_by_role("table", name="Levers of UASC tripled")).to_be_visible()
        axe.check(page, "scenarios, one saved")

        # the forecast form offers it beside the catalogue
        page.get_by_role("link", name="Make a forecast with it").click()
        page.get_by_label("Central").check()  # nothing is pre-ticked
        page.get_by_label("UASC tripled").check()
        page.get_by_label("How far ahead").select_option("12")
        page.get_by_label("Number of runs").fill("100")
        page.get_by_role("button", name="Make forecast").click()
        do_the_queued_work(page, demo_server.db.url)
        page.wait_for_url(re.compile(r".*/forecasts/\d+\?made_with=\d+$"))
        page.get_by_role("link", name=re.compile("Compare central with UASC tripled")).click()
        page.wait_for_url("**/forecasts/compare?**")
        expect(page.locator("h1")).to_have_text("Central compared with UASC tripled")
        axe.check(page, "comparison with a saved scenario")

        # the goal-seek
        page.goto(f"{base}/forecasts")
        page.get_by_role("link", name="Places needed to keep the risk of a shortfall low").click()
        expect(page.locator("h1")).to_have_text("Places needed")
        axe.check(page, "places needed, form")
        page.get_by_label("Placement type and lot").select_option("supported_lodgings")
        page.get_by_label("Through").select_option(index=4)
        page.get_by_label("Scenario").select_option("uasc_tripled")
        page.get_by_label("Number of runs").fill("200")
        page.get_by_role("button", name="Work out places needed").click()
        do_the_queued_work(page, demo_server.db.url, axe, "places needed, work page")
        expect(page.get_by_role("heading", name="The answer")).to_be_visible()
        answer = page.locator(".govuk-inset-text").inner_text()
        assert "supported lodgings" in answer and "%" in answer  # lower case mid-sentence
        table = page.get_by_role("table", name=re.compile("Supported lodgings through"))
        assert "Extra places needed" in table.inner_text()
        assert "YP0" not in page.content()
        axe.check(page, "places needed, answer")

        page.goto(f"{base}/scenarios")
        page.get_by_role("button", name="Delete UASC tripled").click()
        page.wait_for_url(f"{base}/scenarios")
        assert "No scenarios have been saved yet" in page.locator("main").inner_text()
    finally:
        context.close()
    assert axe.found == {}, axe.found
    print(f"axe-core: {len(axe.checked)} scenario pages, 0 violations")
