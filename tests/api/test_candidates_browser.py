"""Real Chromium with axe-core: a manager finds YP0001's best place on the escalation queue
(also filtered by adviser and sorted by a header) and opens it; a housing officer proposes
YP0001 from the vacancy page and hits the error of proposing twice; a personal adviser sees
their own young person's best places; a commissioner sees the vacancy's candidates as counts
with no "Propose". 0 violations."""

from __future__ import annotations

import re

import pytest
from test_browser import AxeLog, _sign_in

pytestmark = pytest.mark.browser


def _page(browser):
    context = browser.new_context(bypass_csp=True)
    context.set_default_timeout(15_000)
    return context, context.new_page()


def test_candidates_best_places_and_the_queue_for_each_role(browser, live_server):
    base = live_server.base_url
    council = live_server.db.council
    vacancy = council.vacancy_ids[0]
    own = council.own_young_person
    axe = AxeLog()

    def signed_in(username: str):
        context, page = _page(browser)
        _sign_in(page, base, username, council.passwords[username])
        return context, page

    context, page = signed_in(council.by_role["manager"])
    try:
        page.goto(f"{base}/escalations")
        row = page.locator("main table tbody tr").filter(has_text="YP0001")
        assert "Next action due" in page.locator("main table thead").inner_text()
        axe.check(page, "escalation queue with best places")
        row.get_by_role("link", name="Best places now").click()
        page.wait_for_url(f"**/young-people/{own}/best-places")
        assert page.locator("h1").inner_text() == "Best places now"
        axe.check(page, "best places (manager)")
        # filtered by adviser with the form, then sorted by a header link (server-side)
        page.goto(f"{base}/escalations")
        page.get_by_label("Personal adviser").select_option("pa01")
        page.get_by_role("button", name="Show escalations").click()
        page.wait_for_url("**/escalations?*adviser=pa01*")
        page.get_by_role("link", name="Days there").click()
        page.wait_for_url("**sort=days**")
        header = page.locator("main table thead th", has_text="Days there")
        assert header.get_attribute("aria-sort") == "ascending"
        assert "YP0001" in page.locator("main table tbody").inner_text()
        axe.check(page, "escalation queue filtered by adviser and sorted by days")
        page.goto(f"{base}/escalations")
        page.locator(f'main table a[href="/vacancies/{vacancy}#candidates"]').first.click()
        page.wait_for_url(f"**/vacancies/{vacancy}#candidates")
        axe.check(page, "vacancy with candidates (manager)")
    finally:
        context.close()

    context, page = signed_in(council.by_role["housing_officer"])
    try:
        page.goto(f"{base}/vacancies/{vacancy}")
        assert "Who could take this place now" in page.locator("main").inner_text()
        axe.check(page, "vacancy with candidates (officer)")
        page.get_by_role("button", name="Propose YP0001").click()
        page.wait_for_url(f"**/vacancies/{vacancy}?done=proposed")
        assert "proposed for this vacancy" in page.locator("main").inner_text()
        axe.check(page, "vacancy after proposing")
        page.get_by_role("button", name="Propose YP0001").click()
        assert "already proposed" in page.locator(".govuk-error-summary").inner_text()
        axe.check(page, "vacancy with a proposal refused")
        # no match run yet: the proposal was made by hand, and the matching page says so
        page.goto(f"{base}/matching")
        main = page.locator("main").inner_text()
        assert "Proposed by housing officer" in main and "YP0001" in main
        assert not re.search(r"\bnone\b|\bmanual\b|Match run", main), main
        axe.check(page, "matching, proposals made by hand")
    finally:
        context.close()

    context, page = signed_in("pa01")
    try:
        page.goto(f"{base}/young-people/{own}")
        page.get_by_role("link", name="Best places for YP0001 now").click()
        page.wait_for_url(f"**/young-people/{own}/best-places")
        axe.check(page, "best places (personal adviser)")
        page.goto(f"{base}/vacancies/{vacancy}")
        main = page.locator("main").inner_text()
        assert "YP0001" in main and page.get_by_role("button", name="Propose").count() == 0
        axe.check(page, "vacancy with candidates (personal adviser)")
    finally:
        context.close()

    context, page = signed_in(council.by_role["commissioner"])
    try:
        page.goto(f"{base}/vacancies/{vacancy}")
        main = page.locator("main").inner_text()
        assert "YP0001" not in main and "not shown" in main
        assert page.get_by_role("button", name="Propose").count() == 0
        axe.check(page, "vacancy with candidates (commissioner)")
    finally:
        context.close()
    assert axe.found == {}, axe.found
