"""Sessions, CSRF, headers, errors and logs, through the real app over HTTPS.

Each test that signs someone out, disables them or revokes a token makes its own user, so the
seeded demo users stay usable for the other tests.
"""

from __future__ import annotations

import logging
import re

import pytest
from fastapi.testclient import TestClient
from webseed import csrf_of, issue_token, sign_in

from api.security import SESSION_COOKIE, SIGN_IN_COOKIE
from planner.domain import Role

ORIGIN = "https://testserver"


# -- sign-in and sessions ----------------------------------------------------------------------


def test_the_session_cookie_is_a_host_cookie_secure_httponly_lax(client, make_user):
    username, password = make_user(Role.housing_officer)
    form = client.get("/sign-in")
    response = client.post(
        "/sign-in",
        data={"username": username, "password": password, "csrf_token": csrf_of(form.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE)
    )
    attributes = {a.strip().lower() for a in cookie.split(";")[1:]}
    assert {"secure", "httponly", "samesite=lax", "path=/"} <= attributes
    assert not any(a.startswith(("domain", "max-age", "expires")) for a in attributes)
    assert client.get("/").status_code == 200


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(client, make_user):
    username, _ = make_user(Role.manager)
    token = csrf_of(client.get("/sign-in").text)
    wrong = client.post(
        "/sign-in", data={"username": username, "password": "x" * 14, "csrf_token": token}
    )
    token = csrf_of(wrong.text)  # each answer sets a fresh sign-in form token
    unknown = client.post(
        "/sign-in", data={"username": "nobody-here", "password": "x" * 14, "csrf_token": token}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert "Enter a correct username and password" in wrong.text
    assert "Enter a correct username and password" in unknown.text
    assert SESSION_COOKIE not in client.cookies


def test_sign_in_is_rate_limited_per_username_and_client(client, make_user):
    username, password = make_user(Role.housing_officer)
    token = csrf_of(client.get("/sign-in").text)
    for _ in range(5):
        bad = client.post(
            "/sign-in", data={"username": username, "password": "y" * 14, "csrf_token": token}
        )
        assert bad.status_code == 401
        token = csrf_of(bad.text)
    blocked = client.post(
        "/sign-in", data={"username": username, "password": password, "csrf_token": token}
    )
    assert blocked.status_code == 429 and "Too many attempts" in blocked.text


def test_sign_out_revokes_the_session_on_the_server_at_once(client, app, make_user):
    username, password = make_user(Role.personal_adviser)
    sign_in(client, username, password)
    stolen = client.cookies[SESSION_COOKIE]
    token = csrf_of(client.get("/").text)
    out = client.post("/sign-out", data={"csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/signed-out"
    with TestClient(app, base_url=ORIGIN, cookies={SESSION_COOKIE: stolen}) as thief:
        replay = thief.get("/", follow_redirects=False)
    assert replay.status_code == 303 and replay.headers["location"] == "/sign-in"


def test_disabling_a_user_or_ending_their_sessions_stops_them_at_once(app, web_db, make_user):
    admin = web_db.council.by_role["administrator"]
    with (
        TestClient(app, base_url=ORIGIN, client=("10.9.0.1", 1)) as admin_client,
        TestClient(app, base_url=ORIGIN, client=("10.9.0.2", 1)) as user_client,
    ):
        sign_in(admin_client, admin, web_db.council.passwords[admin])
        for action in ("end-sessions", "disable"):
            username, password = make_user(Role.housing_officer)
            user_client.cookies.clear()
            sign_in(user_client, username, password)
            api_token = issue_token(web_db.url, username)
            bearer = {"Authorization": f"Bearer {api_token}"}
            assert user_client.get("/").status_code == 200
            assert user_client.get("/api/v1/me", headers=bearer).status_code == 200
            users_page = admin_client.get("/users")
            ids = dict(
                (name, uid)
                for uid, name in re.findall(
                    r'action="/users/(\d+)/end-sessions".*?\(([^)]+)\)', users_page.text, re.S
                )
            )
            assert username in ids
            response = admin_client.post(
                f"/users/{ids[username]}/{action}",
                data={"csrf_token": csrf_of(users_page.text)},
                follow_redirects=False,
            )
            assert response.status_code == 303
            assert user_client.get("/", follow_redirects=False).status_code == 303
            # both end the API tokens too: a token signs in as well as a session does
            assert user_client.get("/api/v1/me", headers=bearer).status_code == 401


def test_a_session_fixed_before_sign_in_does_not_survive_it(client, make_user):
    username, password = make_user(Role.manager)
    sign_in(client, username, password)
    first = client.cookies[SESSION_COOKIE]
    sign_in(client, username, password)  # signing in again, e.g. on a shared computer
    assert client.cookies[SESSION_COOKIE] != first


# -- CSRF --------------------------------------------------------------------------------------


def test_a_form_posted_without_its_csrf_token_is_refused(client, web_db):
    council = web_db.council
    username = council.by_role["housing_officer"]
    sign_in(client, username, council.passwords[username])
    page = client.get("/account/tokens")
    token = csrf_of(page.text)
    missing = client.post("/account/tokens", data={"name": "script"})
    wrong = client.post("/account/tokens", data={"name": "script", "csrf_token": "x" * 43})
    assert missing.status_code == wrong.status_code == 403
    assert "This form has expired" in missing.text
    foreign = client.post(
        "/account/tokens",
        data={"name": "script", "csrf_token": token},
        headers={"Origin": "https://evil.example"},
    )
    assert foreign.status_code == 403
    cross_site = client.post(
        "/account/tokens",
        data={"name": "script", "csrf_token": token},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert cross_site.status_code == 403
    good = client.post(
        "/account/tokens", data={"name": "script", "csrf_token": token}, headers={"Origin": ORIGIN}
    )
    assert good.status_code == 200 and "plnr_" in good.text


def test_the_sign_in_form_needs_its_double_submit_token(client, web_db):
    council = web_db.council
    username = council.by_role["manager"]
    client.get("/sign-in")
    no_token = client.post(
        "/sign-in", data={"username": username, "password": council.passwords[username]}
    )
    assert no_token.status_code == 403
    client.cookies.delete(SIGN_IN_COOKIE)
    forged = client.post(
        "/sign-in",
        data={
            "username": username,
            "password": council.passwords[username],
            "csrf_token": "a" * 43,
        },
    )
    assert forged.status_code == 403


@pytest.mark.reads_only
def test_every_post_form_on_every_page_carries_the_csrf_token(client, web_db):
    council = web_db.council
    for role in ("administrator", "housing_officer"):
        client.cookies.clear()
        username = council.by_role[role]
        sign_in(client, username, council.passwords[username])
        for path in ("/", "/users", "/account/tokens", "/audit", "/vacancies"):
            html = client.get(path).text
            for form in re.findall(r"<form[^>]*>.*?</form>", html, re.S):
                if 'method="post"' in form:
                    assert 'name="csrf_token"' in form, (path, form[:120])


# -- headers, API tokens, errors, audit and logs -----------------------------------------------


@pytest.mark.reads_only
def test_pages_carry_the_security_headers_and_a_fresh_nonce(client, web_db):
    council = web_db.council
    username = council.by_role["manager"]
    sign_in(client, username, council.passwords[username])
    first = client.get(f"/young-people/{council.own_young_person}")
    second = client.get(f"/young-people/{council.own_young_person}")
    for response in (first, second):
        csp = response.headers["content-security-policy"]
        nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
        assert f'nonce="{nonce}"' in response.text
        assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert response.headers["strict-transport-security"].startswith("max-age=31536000")
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"
        assert response.headers["cache-control"] == "no-store"
    assert first.headers["content-security-policy"] != second.headers["content-security-policy"]
    static = client.get("/static/app.css")
    assert static.status_code == 200 and "no-store" not in static.headers.get("cache-control", "")


def test_a_revoked_api_token_stops_working_at_once(client, web_db, make_user):
    username, password = make_user(Role.housing_officer)
    token = issue_token(web_db.url, username)
    bearer = {"Authorization": f"Bearer {token}"}
    me = client.get("/api/v1/me", headers=bearer)
    assert me.status_code == 200 and me.json()["role"] == "housing_officer"
    token_id = client.get("/api/v1/tokens", headers=bearer).json()[0]["id"]
    assert client.delete(f"/api/v1/tokens/{token_id}", headers=bearer).status_code == 204
    refused = client.get("/api/v1/me", headers=bearer)
    assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
    # and through the page
    token = issue_token(web_db.url, username)
    bearer = {"Authorization": f"Bearer {token}"}
    sign_in(client, username, password)
    page = client.get("/account/tokens").text
    token_id = re.findall(r'action="/account/tokens/(\d+)/revoke"', page)[0]
    client.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf_of(page)})
    assert client.get("/api/v1/me", headers=bearer).status_code == 401


@pytest.mark.reads_only
def test_the_api_refuses_session_cookies(client, web_db):
    council = web_db.council
    username = council.by_role["housing_officer"]
    sign_in(client, username, council.passwords[username])
    assert client.get("/api/v1/me").status_code == 401


@pytest.mark.reads_only
def test_error_pages_show_no_stack_trace_and_logs_hold_no_personal_data(
    app, client, web_db, caplog
):
    council = web_db.council
    username = council.by_role["manager"]
    sign_in(client, username, council.passwords[username])
    missing = client.get("/no-such-page")
    assert missing.status_code == 404 and "Page not found" in missing.text

    def explode() -> None:
        raise RuntimeError("row YP0001 born 2008-01-01 failed")

    app.add_api_route("/test-only/explode", explode)
    with caplog.at_level(logging.DEBUG):
        broken = client.get("/test-only/explode")
        api_broken = client.get("/test-only/explode", headers={"accept": "application/json"})
        client.get(f"/young-people/{council.own_young_person}")
    assert broken.status_code == api_broken.status_code == 500
    assert "Sorry, there is a problem with the service" in broken.text
    assert "Traceback" not in broken.text and "YP0001" not in broken.text
    assert broken.headers["content-security-policy"]
    logged = "\n".join(r.getMessage() + str(r.exc_info or "") for r in caplog.records)
    assert "RuntimeError" in logged and "YP0001" not in logged and "2008" not in logged


def test_viewing_a_record_is_audited_and_administrators_can_find_it(client, app, web_db):
    council = web_db.council
    manager = council.by_role["manager"]
    sign_in(client, manager, council.passwords[manager])
    client.get(f"/young-people/{council.own_young_person}")
    admin = council.by_role["administrator"]
    with TestClient(app, base_url=ORIGIN, client=("10.9.9.9", 1)) as admin_client:
        sign_in(admin_client, admin, council.passwords[admin])
        found = admin_client.get(
            "/audit",
            params={
                "actor": manager,
                "action": "view",
                "entity": "young_person",
                "entity_id": str(council.own_young_person),
            },
        )
        assert found.status_code == 200
        assert re.search(r"[1-9]\d* events?", found.text)
        assert "YP0001" not in found.text  # the trail names records by id only
        bad_date = admin_client.get("/audit", params={"since": "31/02/2026"})
        assert bad_date.status_code == 422 and "Enter a real date" in bad_date.text
        admin_token = issue_token(web_db.url, admin)
        events = admin_client.get(
            "/api/v1/audit-events",
            params={"actor": manager, "action": "view"},
            headers={"Authorization": f"Bearer {admin_token}"},
        ).json()
        assert events["total"] >= 1
        assert all(e["entity"] == "young_person" for e in events["events"])
