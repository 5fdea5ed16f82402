"""Accounts, sessions and API tokens as services, on SQLite and PostgreSQL.

Time is passed in (``now=``) rather than waited for, so the idle and absolute timeouts and
the rate limit's window are tested to the minute without sleeping.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from planner.accounts import service as accounts
from planner.core.errors import Conflict, InvalidInput, NotFound, SignInRefused, TooManyAttempts
from planner.domain import Role
from planner.models import ApiToken, AuditEvent, AuthSession, LoginAttempt, utcnow

POLICY = accounts.SessionPolicy(secret="test-secret")
PASSWORD = "correct horse battery staple"


def _user(session, username="officer1", role=Role.housing_officer, password=PASSWORD):
    return accounts.create_user(
        session, username=username, role=role, password=password, actor="test"
    )


def _sign_in(session, username="officer1", password=PASSWORD, client="10.0.0.1", now=None):
    return accounts.sign_in(
        session, username=username, password=password, client=client, policy=POLICY, now=now
    )


def test_passwords_are_hashed_with_argon2id_and_checked(session):
    user = _user(session)
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    assert accounts.verify_password(user.password_hash, PASSWORD)
    assert not accounts.verify_password(user.password_hash, PASSWORD + "!")
    assert not accounts.verify_password(None, PASSWORD)


@pytest.mark.parametrize(
    "password", ["short", "x" * 257, "Password123456", "officer1-secret-words"]
)
def test_weak_passwords_are_refused(session, password):
    with pytest.raises(InvalidInput):
        _user(session, password=password)


def test_a_username_is_taken_once_whatever_its_case(session):
    _user(session)
    with pytest.raises(Conflict):
        _user(session, username="Officer1")


def test_sign_in_opens_a_session_whose_secret_is_not_stored(session):
    _user(session)
    signed_in = _sign_in(session)
    row = session.get(AuthSession, signed_in.auth_session.id)
    assert row.token_hash != signed_in.cookie_value
    assert signed_in.cookie_value not in (row.token_hash, row.csrf_token)
    found = accounts.current_session(session, cookie_value=signed_in.cookie_value, policy=POLICY)
    assert found is not None and found[1].username == "officer1"
    assert accounts.current_session(session, cookie_value="forged", policy=POLICY) is None
    actions = [e.action for e in session.exec(select(AuditEvent))]
    assert "sign_in" in actions


def test_unknown_user_wrong_password_and_disabled_account_are_refused_alike(session):
    _user(session)
    _user(session, username="gone")
    accounts.disable_user(session, username="gone", actor="admin")
    messages = set()
    for username, password in (("nobody", PASSWORD), ("officer1", "wrong" * 3), ("gone", PASSWORD)):
        with pytest.raises(SignInRefused) as refused:
            _sign_in(session, username=username, password=password)
        messages.add(refused.value.message)
    assert len(messages) == 1
    attempts = session.exec(select(LoginAttempt)).all()
    assert len(attempts) == 3 and not any(a.succeeded for a in attempts)
    assert all("officer1" not in a.username_key for a in attempts)  # keyed digests only


def test_five_failures_lock_that_username_from_that_client_for_the_window(session):
    _user(session)
    now = utcnow()
    for minute in range(5):
        with pytest.raises(SignInRefused):
            _sign_in(session, password="wrong password!", now=now + timedelta(minutes=minute))
    with pytest.raises(TooManyAttempts):
        _sign_in(session, now=now + timedelta(minutes=6))  # even the right password
    assert _sign_in(session, client="10.0.0.2", now=now + timedelta(minutes=6))  # elsewhere
    assert _sign_in(session, now=now + timedelta(minutes=20))  # the window has passed


def test_one_client_spraying_many_usernames_is_stopped(session):
    now = utcnow()
    for n in range(POLICY.per_client):
        with pytest.raises(SignInRefused):
            _sign_in(session, username=f"guess{n}", client="10.6.6.6", now=now)
    _user(session)
    with pytest.raises(TooManyAttempts):
        _sign_in(session, client="10.6.6.6", now=now)


def test_sessions_end_after_the_idle_timeout(session):
    _user(session)
    start = utcnow()
    cookie = _sign_in(session, now=start).cookie_value

    def at(minutes):
        return accounts.current_session(
            session, cookie_value=cookie, policy=POLICY, now=start + timedelta(minutes=minutes)
        )

    assert at(29) is not None  # activity moves the idle clock on
    assert at(58) is not None
    assert at(58 + 30) is None


def test_sessions_end_at_the_absolute_timeout_however_busy(session):
    _user(session)
    start = utcnow()
    cookie = _sign_in(session, now=start).cookie_value
    for minutes in range(20, 10 * 60, 20):
        found = accounts.current_session(
            session, cookie_value=cookie, policy=POLICY, now=start + timedelta(minutes=minutes)
        )
        assert found is not None, minutes
    assert (
        accounts.current_session(
            session, cookie_value=cookie, policy=POLICY, now=start + timedelta(hours=10)
        )
        is None
    )


def test_sign_out_password_reset_and_disable_end_sessions_at_once(session):
    _user(session)
    first = _sign_in(session)
    accounts.sign_out(session, auth_session=first.auth_session, actor="officer1")
    assert not accounts.current_session(session, cookie_value=first.cookie_value, policy=POLICY)

    second = _sign_in(session)
    accounts.set_password(session, username="officer1", password="a new long passphrase", actor="a")
    assert (
        accounts.current_session(session, cookie_value=second.cookie_value, policy=POLICY) is None
    )

    third = _sign_in(session, password="a new long passphrase")
    accounts.disable_user(session, username="officer1", actor="admin")
    assert not accounts.current_session(session, cookie_value=third.cookie_value, policy=POLICY)
    with pytest.raises(SignInRefused):
        _sign_in(session, password="a new long passphrase")
    accounts.enable_user(session, username="officer1", actor="admin")
    assert _sign_in(session, password="a new long passphrase")


def test_an_administrator_cannot_disable_themselves(session):
    _user(session, username="admin1", role=Role.administrator)
    with pytest.raises(Conflict):
        accounts.disable_user(session, username="admin1", actor="admin1")


def test_api_tokens_are_stored_as_digests_and_stop_when_revoked(session):
    owner = _user(session)
    other = _user(session, username="officer2")
    token, plaintext = accounts.issue_api_token(session, owner=owner, name="report script")
    assert plaintext.startswith("plnr_") and token.prefix == plaintext[:11]
    stored = session.get(ApiToken, token.id)
    assert plaintext not in (stored.token_hash, stored.prefix, stored.name)
    assert accounts.api_token_user(session, token=plaintext)[1].username == "officer1"
    with pytest.raises(NotFound):
        accounts.revoke_api_token(session, owner=other, token_id=token.id)
    accounts.revoke_api_token(session, owner=owner, token_id=token.id)
    assert accounts.api_token_user(session, token=plaintext) is None
    assert accounts.api_token_user(session, token="plnr_" + "x" * 43) is None


def test_api_tokens_expire_and_die_with_their_disabled_owner(session):
    owner = _user(session)
    _, short = accounts.issue_api_token(
        session, owner=owner, name="short", lifetime=timedelta(days=1)
    )
    later = utcnow() + timedelta(days=2)
    assert accounts.api_token_user(session, token=short, now=later) is None
    _, plaintext = accounts.issue_api_token(session, owner=owner, name="long", lifetime=None)
    assert accounts.api_token_user(session, token=plaintext, now=later) is not None
    accounts.disable_user(session, username="officer1", actor="admin")
    assert accounts.api_token_user(session, token=plaintext) is None


def test_demo_users_one_per_role_can_sign_in(session):
    created = accounts.create_demo_users(session)
    assert sorted(role for _, role, _ in created) == sorted(r.value for r in Role)
    for username, role, password in created:
        signed_in = _sign_in(session, username=username, password=password)
        assert signed_in.user.role == role
    again = dict((u, p) for u, _, p in accounts.create_demo_users(session))
    assert again["pa01"] != dict((u, p) for u, _, p in created)["pa01"]  # fresh passwords


def test_the_user_command_adds_disables_and_resets(sqlite_url):
    from planner.cli import app

    runner = CliRunner()
    env = {"PLANNER_DATABASE_URL": sqlite_url, "COLUMNS": "200"}
    added = runner.invoke(app, ["user", "add", "Admin2", "--role", "administrator"], env=env)
    assert added.exit_code == 0, added.output
    assert "Added admin2 as administrator" in added.output
    password = added.output.strip().splitlines()[-1]
    assert len(password) >= 20
    again = runner.invoke(app, ["user", "add", "admin2", "--role", "manager"], env=env)
    assert again.exit_code == 2 and "already taken" in again.output
    reset = runner.invoke(app, ["user", "reset", "admin2"], env=env)
    assert reset.exit_code == 0 and reset.output.strip().splitlines()[-1] != password
    disabled = runner.invoke(app, ["user", "disable", "admin2"], env=env)
    assert disabled.exit_code == 0 and "sessions and API tokens have ended" in disabled.output
    missing = runner.invoke(app, ["user", "disable", "nobody"], env=env)
    assert missing.exit_code == 2


def test_admin_and_Admin_are_the_same_user_wherever_they_are_looked_up(session):  # noqa: N802
    from planner.accounts import users

    made = users.ensure_user(session, username="Admin", role=Role.administrator)
    session.flush()
    again = users.ensure_user(session, username=" admin ", role=Role.administrator)
    assert again.id == made.id and made.username == "admin"
    assert accounts.get_user_by_username(session, "ADMIN").id == made.id


def test_a_password_reset_and_signing_out_everywhere_revoke_api_tokens_too(session):
    owner = _user(session)
    _, older = accounts.issue_api_token(session, owner=owner, name="script")
    _, first = accounts.issue_api_token(session, owner=owner, name="before reset")
    accounts.set_password(session, username="officer1", password=PASSWORD + "!", actor="admin")
    assert accounts.api_token_user(session, token=first) is None
    assert accounts.api_token_user(session, token=older) is None

    _, second = accounts.issue_api_token(session, owner=owner, name="after reset")
    assert accounts.api_token_user(session, token=second) is not None
    accounts.end_user_sessions(session, username="officer1", actor="admin")
    assert accounts.api_token_user(session, token=second) is None


def test_without_client_addresses_a_username_backs_off_and_no_one_else_does(session):
    """Behind an untrusted proxy every client has the proxy's address: the limits count by
    username only, with a back-off that doubles (30 s, then 60 s...) after 5 failures."""
    from dataclasses import replace

    policy = replace(POLICY, client_addresses=False)
    _user(session)
    _user(session, username="officer2")
    now = utcnow()

    def attempt(username: str, password: str, at: timedelta) -> str:
        try:
            accounts.sign_in(
                session, username=username, password=password, client="proxy",
                policy=policy, now=now + at,
            )  # fmt: skip
        except TooManyAttempts:
            return "slowed"
        except SignInRefused:
            return "refused"
        return "signed in"

    guesses = [attempt("officer1", "wrong password!", timedelta(seconds=s)) for s in range(5)]
    sprayed = [attempt(f"guess{n}", "wrong password!", timedelta(seconds=5)) for n in range(40)]
    outcomes = [
        attempt("officer1", PASSWORD, timedelta(seconds=20)),  # 16 s after the 5th failure
        attempt("officer2", PASSWORD, timedelta(seconds=20)),  # someone else: not slowed
        attempt("officer1", "wrong password!", timedelta(seconds=35)),  # 31 s: a 6th guess
        attempt("officer1", PASSWORD, timedelta(seconds=80)),  # 45 s after it: wait 60 s
        attempt("officer1", PASSWORD, timedelta(seconds=96)),  # 61 s after it
    ]
    assert guesses == ["refused"] * 5
    assert sprayed == ["refused"] * 40  # 40 failures from "one client" lock nobody out
    assert outcomes == ["slowed", "signed in", "refused", "slowed", "signed in"]


def test_the_contact_command_names_the_line_manager_by_username(sqlite_url):
    """The officer typed --manager with a username; the answer names them the same way,
    never by the account's row id ("manager 4" meant nothing to the officer)."""
    from planner.cli import app

    runner = CliRunner()
    env = {"PLANNER_DATABASE_URL": sqlite_url, "COLUMNS": "200"}
    for name, role in (("lead.tm", "manager"), ("pa.sam", "personal_adviser")):
        assert runner.invoke(app, ["user", "add", name, "--role", role], env=env).exit_code == 0
    set_it = runner.invoke(
        app,
        ["user", "contact", "pa.sam", "--email", "sam@council.example", "--manager", "lead.tm"],
        env=env,
    )
    assert set_it.exit_code == 0, set_it.output
    assert "pa.sam: email sam@council.example, manager lead.tm, notices immediate" in set_it.output
    removed = runner.invoke(app, ["user", "contact", "pa.sam", "--manager", ""], env=env)
    assert "manager none" in removed.output
