"""The inventory from a young person's record: notice recorded on their stay in a place (the
place declared free the day after) and a place held for them. Officers and managers only;
errors linked to the field, values kept, a stale version refused."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from webseed import TODAY, csrf_of, sign_in

STALE = "This record was changed by someone else; reload and try again."


def _as(client: TestClient, web_db, role: str) -> TestClient:
    username = web_db.council.by_role[role]
    return sign_in(client, username, web_db.council.passwords[username])


def _version(html: str) -> str:
    return re.search(r'name="version" value="(\d+)"', html).group(1)


def test_notice_on_a_stay_frees_the_place_the_day_after(client, web_db):
    housed = web_db.council.other_young_person  # YP0002 in Harbour View, Flat 1
    _as(client, web_db, "housing_officer")
    assert f'href="/young-people/{housed}/notice"' in client.get(f"/young-people/{housed}").text
    form = client.get(f"/young-people/{housed}/notice")
    assert form.status_code == 200 and "Harbour View" in form.text
    data = {"csrf_token": csrf_of(form.text), "version": _version(form.text)}
    bad = client.post(f"/young-people/{housed}/notice", data=data | {"last_day-day": "40"})
    assert bad.status_code == 422 and 'href="#last_day-day"' in bad.text
    assert 'value="40"' in bad.text
    last = TODAY + timedelta(days=20)
    day = {"last_day-day": str(last.day), "last_day-month": str(last.month),
           "last_day-year": str(last.year)}  # fmt: skip
    stale = client.post(f"/young-people/{housed}/notice", data=data | day | {"version": "99"})
    assert stale.status_code == 409 and STALE in stale.text
    done = client.post(f"/young-people/{housed}/notice", data=data | day, follow_redirects=False)
    assert done.status_code == 303, done.text
    assert "The notice is recorded" in client.get(done.headers["location"]).text
    free = (last + timedelta(days=1)).strftime("%-d %B %Y")
    listed = re.sub(r"<[^>]+>", " ", client.get("/vacancies").text)
    assert "Flat 1" in listed and free in listed


def test_a_place_is_held_for_a_young_person_from_their_record(client, web_db):
    own = web_db.council.own_young_person
    _as(client, web_db, "manager")
    form = client.get(f"/young-people/{own}/hold")
    assert form.status_code == 200
    choice = re.search(r'<option value="(\d+v\d+)">Harbour View', form.text).group(1)
    data = {"csrf_token": csrf_of(form.text), "version": "1"}
    empty = client.post(f"/young-people/{own}/hold", data=data)
    assert empty.status_code == 422 and 'href="#vacancy"' in empty.text
    stale = client.post(f"/young-people/{own}/hold", data=data | {"vacancy": choice + "9"})
    assert stale.status_code == 409 and STALE in stale.text
    done = client.post(
        f"/young-people/{own}/hold", data=data | {"vacancy": choice}, follow_redirects=False
    )
    assert done.status_code == 303
    assert "The place is held for them." in client.get(done.headers["location"]).text
    assert choice not in client.get(f"/young-people/{own}/hold").text  # held: not offered


def test_a_personal_adviser_cannot_hold_or_give_notice(client, web_db):
    sign_in(client, "pa01", web_db.council.passwords["pa01"])
    own = web_db.council.own_young_person
    assert "Hold a place" not in client.get(f"/young-people/{own}").text
    assert client.get(f"/young-people/{own}/hold").status_code == 403
    assert client.get(f"/young-people/{own}/notice").status_code == 403
