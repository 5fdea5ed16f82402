"""Real headless Chromium against a real uvicorn: sign-in, the navigation of every role,
sign-out, and axe-core on every page reached.

axe is a local copy (``tests/api/vendor/axe.min.js``, built from npm's axe-core by
``api/frontend``) injected into each page; the context is opened with ``bypass_csp`` only so
that the injection is allowed. A second context keeps the CSP on and fails on any CSP
violation, and a third has JavaScript switched off, to prove the pages work without it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
TOKENS = "API tokens"
# What each role's navigation holds, in order (the matrix, as the user sees it).
NAVIGATION = {
    "housing_officer": [
        "Home",
        "Overview",
        "Young people",
        "Vacancies",
        "Matching",
        "Provisions",
        TOKENS,
    ],
    "commissioner": [
        "Home",
        "Overview",
        "Vacancies",
        "Fairness",
        "Provisions",
        "Forecasts",
        TOKENS,
    ],
    "manager": [
        "Home",
        "Overview",
        "Young people",
        "Vacancies",
        "Matching",
        "Fairness",
        "Escalations",
        "Exception reports",
        "Provisions",
        "Forecasts",
        "Scheduled jobs",
        TOKENS,
    ],
    "personal_adviser": ["Home", "Young people", "Vacancies", "Escalations", "Provisions", TOKENS],
    "administrator": ["Home", "Users", "Import returns", "Audit trail", "Scheduled jobs", TOKENS],
}


def axe_violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
        for v in result["violations"]
    ]


class AxeLog:
    """Every page checked, and what axe found on each."""

    def __init__(self) -> None:
        self.checked: list[str] = []
        self.found: dict[str, list[dict]] = {}

    def check(self, page, label: str) -> None:
        violations = axe_violations(page)
        self.checked.append(label)
        if violations:
            self.found[label] = violations


def _sign_in(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")


@pytest.mark.parametrize("role", list(NAVIGATION))
def test_each_role_signs_in_navigates_and_signs_out_with_no_axe_violations(
    role, browser, live_server
):
    base = live_server.base_url
    council = live_server.db.council
    username = council.by_role[role]
    context = browser.new_context(bypass_csp=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    axe = AxeLog()
    try:
        page.goto(f"{base}/")
        assert page.url == f"{base}/sign-in"  # signed out: sent to sign in
        axe.check(page, "sign-in")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password", exact=True).fill("not the password at all")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_text("There is a problem")).to_be_visible()
        axe.check(page, "sign-in with an error")

        _sign_in(page, base, username, council.passwords[username])
        nav = page.get_by_role("navigation", name="Main")
        assert nav.get_by_role("link").all_inner_texts() == NAVIGATION[role]
        for label in NAVIGATION[role]:
            nav.get_by_role("link", name=label, exact=True).click()
            page.wait_for_load_state()
            assert page.locator("h1").count() == 1, label
            current = nav.locator("[aria-current=page]")
            assert current.inner_text().strip() == label
            axe.check(page, label)
            if label == "Young people":
                page.locator("main table tbody a").first.click()
                page.wait_for_url("**/young-people/*")
                assert page.locator("h1").inner_text().startswith("YP")
                axe.check(page, "young person's record")
                page.goto(f"{base}/young-people?unsuitable=true")
                axe.check(page, "young people in unsuitable accommodation")
                page.goto(f"{base}/young-people?reference=YP&show=suitable")
                axe.check(page, "young people searched and filtered")
                if role in ("housing_officer", "manager", "personal_adviser"):
                    own = council.own_young_person
                    for form in ("move", "details", "contact", "end-stay", "leave", "cancel-move"):
                        page.goto(f"{base}/young-people/{own}/{form}")
                        assert page.locator("h1").count() == 1, form
                        axe.check(page, f"form: {form}")
                    page.goto(f"{base}/young-people/{own}/move")
                    page.fill("#start-day", "")
                    page.get_by_role("button", name="Record the move").click()
                    expect(page.get_by_text("There is a problem")).to_be_visible()
                    axe.check(page, "record a move with errors")
            if label in ("Vacancies", "Provisions"):
                page.locator("main table tbody a").first.click()
                page.wait_for_load_state()
                assert page.locator("h1").count() == 1
                axe.check(page, f"one of the {label.lower()}")
                if label == "Vacancies" and role in ("housing_officer", "manager"):
                    page.get_by_role("button", name="Withdraw the vacancy").click()
                    expect(page.get_by_text("There is a problem")).to_be_visible()
                    axe.check(page, "withdraw a vacancy with an error")
            if label == "Audit trail":
                page.get_by_label("Action").fill("sign_in")
                page.get_by_role("button", name="Search").click()
                assert "event" in page.locator("main").inner_text()
                axe.check(page, "audit search")
            if label == "Import returns":
                # a 903 Header with a SEX code 2024/25 does not have: refused, changing nothing
                header = b"CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\nR1,X,01/06/2008,WBRI,,,\n"
                page.get_by_label("SSDA903 return").check()
                page.locator("#files").set_input_files(
                    files=[{"name": "2025_header.csv", "mimeType": "text/csv", "buffer": header}]
                )
                page.get_by_role("button", name="Import").click()
                expect(page.get_by_text("There is a problem")).to_be_visible()
                assert "2025_header.csv" in page.locator("main table").inner_text()
                axe.check(page, "import refused, problems listed")
            if label == "API tokens":
                page.get_by_label("What the token is for").fill("browser test")
                page.get_by_role("button", name="Create token").click()
                assert page.locator("#token").inner_text().startswith("plnr_")
                axe.check(page, "token created")
                page.goto(f"{base}/account/tokens")
                page.get_by_role("button", name="Revoke browser test").click()
                assert "Revoked" in page.locator("main").inner_text()
                axe.check(page, "token revoked")

        if role in ("commissioner", "administrator"):
            response = page.goto(f"{base}/young-people/{council.own_young_person}")
            assert response.status == 403
            assert "YP0001" not in page.content()
            axe.check(page, "403")
        page.goto(f"{base}/no-such-page")
        axe.check(page, "404")
        page.goto(f"{base}/accessibility")
        axe.check(page, "accessibility statement")

        page.goto(f"{base}/")
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url(f"{base}/signed-out")
        axe.check(page, "signed out")
        page.goto(f"{base}/")
        assert page.url == f"{base}/sign-in"  # the session ended on the server
    finally:
        context.close()
    assert len(axe.checked) >= len(NAVIGATION[role]) + 6
    assert axe.found == {}, axe.found
    print(f"axe-core: {len(axe.checked)} pages as {role}, 0 violations")


def test_pages_keep_working_under_the_csp_with_no_violations(browser, live_server):
    """GOV.UK Frontend's scripts run under the nonce-based policy: no CSP errors at all."""
    base = live_server.base_url
    council = live_server.db.council
    context = browser.new_context()
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    try:
        username = council.by_role["housing_officer"]
        _sign_in(page, base, username, council.passwords[username])
        for path in ("/", "/vacancies", "/young-people", "/provisions", "/overview"):
            page.goto(f"{base}{path}")
            page.wait_for_load_state("networkidle")
        # GOV.UK Frontend's JavaScript ran (it marks the body once initialised)
        assert "govuk-frontend-supported" in page.locator("body").get_attribute("class")
    finally:
        context.close()
    assert problems == [], problems


def test_pages_work_without_javascript(browser, live_server):
    base = live_server.base_url
    council = live_server.db.council
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        username = council.by_role["manager"]
        _sign_in(page, base, username, council.passwords[username])
        page.get_by_role("link", name="Young people", exact=True).first.click()
        page.get_by_label("In unsuitable accommodation").check()
        page.get_by_role("button", name="Apply").click()
        assert "show=unsuitable" in page.url
        assert "YP0001" in page.locator("main").inner_text()
        page.get_by_role("link", name="YP0001").click()
        assert page.locator("h1").inner_text() == "YP0001"
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url(f"{base}/signed-out")
    finally:
        context.close()
