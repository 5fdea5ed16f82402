"""Sign-in throttling behind a reverse proxy (planner/accounts/service.py, api/app.py).

Every request here comes from one address, the proxy's (10.9.9.9). Without
``PLANNER_FORWARDED_ALLOW_IPS`` the app cannot tell clients apart, so it throttles by username
alone: 35 failures spread over many usernames lock nobody else out, and a user whose password
is guessed five times is slowed while another user signs in at once. With the proxy trusted,
the client's own address (``X-Forwarded-For``) is what the per-client limits count: the
sprayer is stopped, a colleague behind the same proxy is not, and an address that is not a
trusted proxy cannot pick its own client address.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from webseed import csrf_of

from api.app import create_app
from planner.core.settings import Settings
from planner.domain import Role

PROXY = "10.9.9.9"


def _client(app: FastAPI, address: str = PROXY) -> TestClient:
    return TestClient(app, base_url="https://testserver", client=(address, 50000))


def _attempt(client: TestClient, username: str, password: str, forwarded: str = "") -> int:
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    form = client.get("/sign-in", headers=headers)
    answer = client.post(
        "/sign-in",
        data={"username": username, "password": password, "csrf_token": csrf_of(form.text)},
        headers=headers,
        follow_redirects=False,
    )
    client.cookies.clear()
    return answer.status_code


@pytest.fixture
def untrusting(web_db) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    app = create_app(Settings(database_url=web_db.url, environment="test"))
    with _client(app) as client:
        yield client


@pytest.fixture
def trusting(web_db) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    settings = Settings(database_url=web_db.url, environment="test", forwarded_allow_ips=PROXY)
    with _client(create_app(settings)) as client:
        yield client


def test_without_trusted_proxies_failures_for_one_user_never_slow_another(
    untrusting, make_user
) -> None:
    alice, alice_password = make_user(Role.housing_officer)
    bob, bob_password = make_user(Role.manager)
    sprayed = [_attempt(untrusting, f"guess{n}", "w" * 14) for n in range(35)]
    guessed = [_attempt(untrusting, alice, "w" * 14) for _ in range(5)]
    alice_slowed = _attempt(untrusting, alice, alice_password)
    bob_signs_in = _attempt(untrusting, bob, bob_password)

    assert sprayed == [401] * 35  # a spray from "the proxy" is not a lock-out for everyone
    assert guessed == [401] * 5
    assert alice_slowed == 429  # her username backs off, even with the right password
    assert bob_signs_in == 303


def test_with_a_trusted_proxy_the_client_address_is_counted(trusting, web_db, make_user) -> None:
    colleague, password = make_user(Role.housing_officer)
    sprayer = "203.0.113.5"
    sprayed = [_attempt(trusting, f"guess{n}", "w" * 14, forwarded=sprayer) for n in range(30)]
    sprayer_stopped = _attempt(trusting, colleague, password, forwarded=sprayer)
    colleague_signs_in = _attempt(trusting, colleague, password, forwarded="203.0.113.6")
    # a client that is not the proxy cannot choose its address with the header
    settings = Settings(database_url=web_db.url, environment="test", forwarded_allow_ips=PROXY)
    with _client(create_app(settings), address="198.51.100.7") as direct:
        spoofed = _attempt(direct, colleague, password, forwarded="203.0.113.6")
        # ...and is counted as itself, not as the sprayer either
        not_the_sprayer = _attempt(direct, colleague, password, forwarded=sprayer)

    assert sprayed == [401] * 30
    assert sprayer_stopped == 429
    assert colleague_signs_in == 303
    assert spoofed == 303 and not_the_sprayer == 303
