"""The account page: a user sees their email address and line manager and chooses an email
per notice or a weekly digest; an administrator sets the address and manager by command."""

from __future__ import annotations

import pytest
from sqlmodel import select
from typer.testing import CliRunner
from webseed import csrf_of, sign_in

from planner.accounts import service as accounts
from planner.cli import app as cli
from planner.core.db import get_engine, unit_of_work
from planner.domain import Role
from planner.models import AuditEvent


def test_a_user_chooses_the_weekly_digest_on_their_account_page(client, web_db, make_user):
    username, password = make_user(Role.personal_adviser)
    boss, _ = make_user(Role.manager)
    env = {"PLANNER_DATABASE_URL": web_db.url, "COLUMNS": "200"}
    done = CliRunner().invoke(
        cli,
        ["user", "contact", username, "--email", "pa@council.example", "--manager", boss],
        env=env,
    )
    assert done.exit_code == 0, done.output
    assert "pa@council.example" in done.output
    refused = CliRunner().invoke(
        cli, ["user", "contact", username, "--email", "not an address"], env=env
    )
    assert refused.exit_code == 2
    sign_in(client, username, password)
    page = client.get("/account")
    assert page.status_code == 200
    assert "pa@council.example" in page.text and boss in page.text
    assert 'value="immediate" checked' in page.text
    token = csrf_of(page.text)
    wrong = client.post("/account/notifications", data={"csrf_token": token, "notify": "hourly"})
    assert wrong.status_code == 422 and "Choose how you want to get notices" in wrong.text
    saved = client.post(
        "/account/notifications",
        data={"csrf_token": token, "notify": "digest"},
        follow_redirects=False,
    )
    assert saved.status_code == 303 and saved.headers["location"] == "/account?saved=true"
    assert 'value="digest" checked' in client.get("/account?saved=true").text
    with unit_of_work(get_engine(web_db.url)) as session:
        user = accounts.get_user_or_raise(session, username)
        assert user.notify == "digest" and user.email == "pa@council.example"
        assert user.manager_id == accounts.get_user_or_raise(session, boss).id


def test_the_jobs_page_says_whether_email_is_on(client, make_user):
    username, password = make_user(Role.administrator)
    sign_in(client, username, password)
    page = client.get("/jobs")
    assert page.status_code == 200
    assert "Email is off" in page.text and "Notifications send" in page.text  # the job, in words


def test_an_administrator_sets_an_email_address_and_line_manager_on_the_users_page(
    client, web_db, make_user
):
    admin, password = make_user(Role.administrator)
    adviser, _ = make_user(Role.personal_adviser)
    boss, _ = make_user(Role.manager)
    other_adviser, _ = make_user(Role.personal_adviser)
    sign_in(client, admin, password)
    with unit_of_work(get_engine(web_db.url)) as session:
        adviser_id = accounts.get_user_or_raise(session, adviser).id
    listing = client.get("/users")
    assert f'href="/users/{adviser_id}/contact"' in listing.text
    form = client.get(f"/users/{adviser_id}/contact")
    assert form.status_code == 200
    assert f'<option value="{boss}"' in form.text  # managers only are offered
    assert f'<option value="{other_adviser}"' not in form.text
    token = csrf_of(form.text)

    def post(email: str, manager: str):
        return client.post(
            f"/users/{adviser_id}/contact",
            data={"csrf_token": token, "email": email, "manager": manager},
            follow_redirects=False,
        )

    # bad input: a clear error beside the field, the typed value kept, nothing changed
    bad = post("not an address", boss)
    assert bad.status_code == 422 and "There is a problem" in bad.text
    assert 'href="#email"' in bad.text and "name@council.gov.uk" in bad.text
    assert 'value="not an address"' in bad.text
    not_a_manager = post("pa@council.example", other_adviser)
    assert not_a_manager.status_code == 422 and 'href="#manager"' in not_a_manager.text
    with unit_of_work(get_engine(web_db.url)) as session:
        user = accounts.get_user_or_raise(session, adviser)
        assert user.email is None and user.manager_id is None
    saved = post("  pa@council.example ", boss)
    assert saved.status_code == 303 and saved.headers["location"] == f"/users?saved={adviser}"
    listing = client.get(saved.headers["location"])
    assert f"The contact details of {adviser} are saved" in listing.text
    assert "pa@council.example" in listing.text
    with unit_of_work(get_engine(web_db.url)) as session:
        user = accounts.get_user_or_raise(session, adviser)
        assert user.email == "pa@council.example"
        assert user.manager_id == accounts.get_user_or_raise(session, boss).id
        trail = session.exec(
            select(AuditEvent).where(
                AuditEvent.action == "contact", AuditEvent.entity_id == str(user.id)
            )
        ).all()
        assert [e.actor for e in trail] == [admin]  # the refused attempts left no event
    # an empty value removes both
    assert post("", "").status_code == 303
    with unit_of_work(get_engine(web_db.url)) as session:
        user = accounts.get_user_or_raise(session, adviser)
        assert user.email is None and user.manager_id is None
    # who may: tests/api/test_route_permissions.py (manage_users, administrators only)


def test_the_report_page_links_its_paper_without_rendering_it(
    client, web_db, make_user, monkeypatch
):
    """Rendering a paper takes seconds: the page never does it, only the download does."""
    from planner.reports import papers

    username, password = make_user(Role.manager)
    sign_in(client, username, password)
    rendered = []
    real = papers.pdf_from_html
    monkeypatch.setattr(papers, "pdf_from_html", lambda html: rendered.append(1) or real(html))
    page = client.get(f"/reports/{web_db.council.report_id}")
    assert page.status_code == 200 and "Download as PDF" in page.text
    assert rendered == []
    pdf = client.get(f"/reports/{web_db.council.report_id}/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and rendered == [1]


@pytest.mark.browser
def test_the_contact_form_in_chromium_with_no_axe_violations(browser, live_server):
    from playwright.sync_api import expect
    from test_browser import _sign_in, axe_violations

    base = live_server.base_url
    council = live_server.db.council
    admin = council.by_role["administrator"]
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    try:
        _sign_in(page, base, admin, council.passwords[admin])
        page.goto(f"{base}/users")
        page.get_by_role("link", name="Change the email address and line manager of pa02").click()
        assert axe_violations(page) == []
        page.get_by_label("Work email address").fill("not an address")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_text("There is a problem")).to_be_visible()
        assert axe_violations(page) == []
        page.get_by_label("Work email address").fill("pa02@council.example")
        page.get_by_label("Line manager").select_option(council.by_role["manager"])
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_text("The contact details of pa02 are saved")).to_be_visible()
        assert "pa02@council.example" in page.locator("main").inner_text()
        assert axe_violations(page) == []
    finally:
        context.close()
