"""Keeping records through the JSON API: scope (another adviser's young person is 404), a
stale version is 409 with the one clear message, a refused value is 422 naming the field,
and a move out of bed and breakfast leaves the manager's queue at once."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from webseed import TODAY, issue_token

STALE = "This record was changed by someone else; reload and try again."


def _headers(web_db, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(web_db.url, username)}"}


def _version(client, headers, person_id) -> int:
    return client.get(f"/api/v1/young-people/{person_id}", headers=headers).json()["version"]


def test_an_adviser_edits_their_own_young_person_and_not_anyone_elses(client: TestClient, web_db):
    council = web_db.council
    pa = _headers(web_db, "pa01")
    own = council.own_young_person
    seen = _version(client, pa, own)
    edited = client.patch(
        f"/api/v1/young-people/{own}",
        json={"expected_version": seen, "has_pet": True, "preferred_areas": ["Portland"]},
        headers=pa,
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["version"] == seen + 1
    record = client.get(f"/api/v1/young-people/{own}", headers=pa).json()
    assert record["has_pet"] is True and record["preferred_areas"] == ["Portland"]
    other = client.patch(
        f"/api/v1/young-people/{council.other_young_person}",
        json={"expected_version": 1, "has_pet": True},
        headers=pa,
    )
    assert other.status_code == 404
    moved = client.post(
        f"/api/v1/young-people/{council.other_young_person}/moves",
        json={"expected_version": 1, "start": TODAY.isoformat(), "placement_type": "custody"},
        headers=pa,
    )
    assert moved.status_code == 404
    # the same version again: someone else changed it first
    stale = client.patch(
        f"/api/v1/young-people/{own}", json={"expected_version": seen, "has_pet": False}, headers=pa
    )
    assert stale.status_code == 409
    assert stale.json()["error"] == {"code": "stale_record", "message": STALE, "fields": []}
    commissioner = _headers(web_db, council.by_role["commissioner"])
    refused = client.patch(
        f"/api/v1/young-people/{own}", json={"expected_version": 2}, headers=commissioner
    )
    assert refused.status_code == 403


def test_refused_values_name_the_field(client: TestClient, web_db):
    council = web_db.council
    officer = _headers(web_db, council.by_role["housing_officer"])
    own = council.own_young_person
    seen = _version(client, officer, own)
    bad = client.patch(
        f"/api/v1/young-people/{own}",
        json={"expected_version": seen, "support_need": "enormous"},
        headers=officer,
    )
    assert bad.status_code == 422 and bad.json()["error"]["fields"] == ["support_need"]
    move = client.post(
        f"/api/v1/young-people/{own}/moves",
        json={"expected_version": seen, "start": TODAY.isoformat(), "placement_type": "palace"},
        headers=officer,
    )
    assert move.status_code == 422 and move.json()["error"]["fields"] == ["placement_type"]
    no_date = client.post(
        f"/api/v1/young-people/{own}/moves",
        json={"expected_version": seen, "placement_type": "with_family"},
        headers=officer,
    )
    assert no_date.status_code == 422 and no_date.json()["error"]["fields"] == ["body.start"]
    # nothing was kept by the refusals
    assert _version(client, officer, own) == seen


def test_a_move_out_of_bed_and_breakfast_leaves_the_queue_at_once(client: TestClient, web_db):
    council = web_db.council
    manager = _headers(web_db, council.by_role["manager"])
    own = council.own_young_person
    queue = client.get("/api/v1/escalations", headers=manager).json()
    assert own in {item["young_person_id"] for item in queue}
    seen = _version(client, manager, own)
    vacancy = next(
        v
        for v in client.get("/api/v1/vacancies", headers=manager).json()
        if v["available_from"] == TODAY.isoformat()
    )
    later = TODAY + timedelta(days=3)
    planned = client.post(
        f"/api/v1/young-people/{own}/moves",
        json={
            "expected_version": seen,
            "start": later.isoformat(),
            "place_id": vacancy["place_id"],
        },
        headers=manager,
    )
    assert planned.status_code == 200, planned.text
    assert planned.json()["planned"] is True
    queue = client.get("/api/v1/escalations", headers=manager).json()
    assert own in {item["young_person_id"] for item in queue}  # until the day of the move
    assert vacancy["id"] not in {
        v["id"] for v in client.get("/api/v1/vacancies", headers=manager).json()
    }
    redated = client.post(
        f"/api/v1/young-people/{own}/planned-move/redate",
        json={"expected_version": seen + 1, "start": TODAY.isoformat(), "reason": "other"},
        headers=manager,
    )
    assert redated.status_code == 200, redated.text
    queue = client.get("/api/v1/escalations", headers=manager).json()
    assert own not in {item["young_person_id"] for item in queue}


def test_cancelling_a_planned_move_reopens_the_vacancy(client: TestClient, web_db):
    council = web_db.council
    officer = _headers(web_db, council.by_role["housing_officer"])
    own = council.own_young_person
    seen = _version(client, officer, own)
    vacancy = next(
        v
        for v in client.get("/api/v1/vacancies", headers=officer).json()
        if v["available_from"] == TODAY.isoformat()
    )
    moved = client.post(
        f"/api/v1/young-people/{own}/moves",
        json={
            "expected_version": seen,
            "start": (TODAY + timedelta(days=7)).isoformat(),
            "place_id": vacancy["place_id"],
        },
        headers=officer,
    ).json()
    cancelled = client.post(
        f"/api/v1/young-people/{own}/planned-move/cancel",
        json={"expected_version": moved["version"], "reason": "young_person_declined"},
        headers=officer,
    )
    assert cancelled.status_code == 200, cancelled.text
    assert vacancy["id"] in {
        v["id"] for v in client.get("/api/v1/vacancies", headers=officer).json()
    }
    record = client.get(f"/api/v1/young-people/{own}", headers=officer).json()
    assert record["planned_stay"] is None and record["current_stay"]["end_date"] is None


def test_the_inventory_through_the_api(client: TestClient, web_db):
    council = web_db.council
    officer = _headers(web_db, council.by_role["housing_officer"])
    pa = _headers(web_db, "pa01")
    body = {"reference": "PR-API-1", "name": "New host", "placement_type": "supported_lodgings"}
    assert client.post("/api/v1/provisions", json=body, headers=pa).status_code == 403
    made = client.post("/api/v1/provisions", json=body, headers=officer)
    assert made.status_code == 201, made.text
    again = client.post("/api/v1/provisions", json=body, headers=officer)
    assert again.status_code == 422 and again.json()["error"]["fields"] == ["reference"]
    place = client.post(
        "/api/v1/places",
        json={"provision_id": made.json()["id"], "reference": "PL-API-1"},
        headers=officer,
    )
    assert place.status_code == 201, place.text
    vacancy = next(
        v
        for v in client.get("/api/v1/vacancies", headers=officer).json()
        if v["place_id"] == place.json()["id"]
    )
    withdrawn = client.post(
        f"/api/v1/vacancies/{vacancy['id']}/withdraw",
        json={"expected_version": vacancy["version"], "reason": "repairs"},
        headers=officer,
    )
    assert withdrawn.status_code == 200, withdrawn.text
    stale = client.post(
        f"/api/v1/vacancies/{vacancy['id']}/reopen",
        json={"expected_version": vacancy["version"]},
        headers=officer,
    )
    assert stale.status_code == 409 and stale.json()["error"]["message"] == STALE
    places = client.get(f"/api/v1/provisions/{made.json()['id']}/places", headers=officer).json()
    assert [(p["reference"], p["occupied"], p["version"]) for p in places] == [
        ("PL-API-1", False, 1)
    ]
    closed = client.post(
        f"/api/v1/places/{place.json()['id']}/close",
        json={
            "expected_version": places[0]["version"],
            "closes_on": TODAY.isoformat(),
            "reason": "host_left",
        },
        headers=officer,
    )
    assert closed.status_code == 200, closed.text
