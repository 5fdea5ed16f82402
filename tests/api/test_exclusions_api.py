"""The JSON API of remembered declines: listing the exclusions and lifting one, with the
same permission as deciding, on committed SQLite and PostgreSQL databases."""

from __future__ import annotations

from fastapi.testclient import TestClient
from test_matching_pages import ORIGIN, _contested_vacancy
from webseed import issue_token

from planner.core import clock
from planner.domain.text import day_words


def _client(app) -> TestClient:
    client = TestClient(app, base_url=ORIGIN)
    client.__enter__()
    return client


def _bearer(web_db, role: str) -> dict[str, str]:
    token = issue_token(web_db.url, web_db.council.by_role[role])
    return {"Authorization": f"Bearer {token}"}


def test_a_decline_is_listed_until_an_officer_lifts_it(app, web_db):
    (first, _), vacancy_id = _contested_vacancy(web_db.url)
    officer = _bearer(web_db, "housing_officer")
    commissioner = _bearer(web_db, "commissioner")
    api = _client(app)
    declined = api.post(
        f"/api/v1/proposals/{first}/decline",
        headers=officer,
        json={"expected_version": 1, "reason": "provider_declined", "note": ""},
    )
    assert declined.status_code == 200, declined.text

    listed = [
        e
        for e in api.get("/api/v1/exclusions", headers=officer).json()
        if e["proposal_id"] == first
    ]
    assert listed == [
        {
            "proposal_id": first,
            "young_person": listed[0]["young_person"],
            "vacancy_id": vacancy_id,
            "reason": "provider_declined",
            "words": f"declined by the provider on {day_words(clock.today())}",
            "decided_by": web_db.council.by_role["housing_officer"],
            "decided_on": clock.today().isoformat(),
        }
    ]
    path = f"/api/v1/proposals/{first}/lift-exclusion"
    assert api.post(path, headers=commissioner, json={"reason": "why"}).status_code == 403
    assert api.post(path, headers=officer, json={"reason": ""}).status_code == 422

    lifted = api.post(path, headers=officer, json={"reason": "The provider agreed after all"})

    assert lifted.status_code == 200, lifted.text
    remaining = api.get("/api/v1/exclusions", headers=officer).json()
    assert first not in {e["proposal_id"] for e in remaining}
    again = api.post(path, headers=officer, json={"reason": "twice"})
    assert again.status_code == 422 and "already lifted" in again.text
