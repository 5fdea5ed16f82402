"""The account page: a user sees their email address and line manager and chooses an email
per notice or a weekly digest; an administrator sets the address and manager by command."""

from __future__ import annotations

from typer.testing import CliRunner
from webseed import csrf_of, sign_in

from planner.accounts import service as accounts
from planner.cli import app as cli
from planner.core.db import get_engine, unit_of_work
from planner.domain import Role


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
