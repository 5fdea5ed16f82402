"""A care leaver's contact through the API and on their record page: a change is kept with
its day, the page shows the values in words and how they changed, and the API returns both."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from webseed import TODAY, issue_token, sign_in


def test_contact_edited_through_the_api_is_shown_with_its_history(client: TestClient, web_db):
    council = web_db.council
    own = council.own_young_person
    pa = {"Authorization": f"Bearer {issue_token(web_db.url, 'pa01')}"}
    seen = client.get(f"/api/v1/young-people/{own}", headers=pa).json()["version"]
    edited = client.patch(
        f"/api/v1/young-people/{own}",
        json={"expected_version": seen, "in_touch": "yes", "activity": "F5",
              "latest_contact_on": TODAY.isoformat()},
        headers=pa,
    )  # fmt: skip
    assert edited.status_code == 200, edited.text
    record = client.get(f"/api/v1/young-people/{own}", headers=pa).json()
    assert (record["in_touch"], record["activity"]) == ("YES", "F5")
    assert record["contact_history"][0]["recorded_on"] == TODAY.isoformat()
    assert record["contact_history"][0]["in_touch"] == "YES"
    bad = client.patch(
        f"/api/v1/young-people/{own}",
        json={"expected_version": record["version"], "activity": "F3"},
        headers=pa,
    )
    assert bad.status_code == 422
    sign_in(client, "pa01", council.passwords["pa01"])
    page = client.get(f"/young-people/{own}").text
    assert "Contact and activity" in page
    assert "Yes, in touch" in page
    assert "Full time in training or employment (not apprenticeship)" in page
    assert "How their contact has changed" in page


def test_a_personal_adviser_records_contact_on_the_form(client: TestClient, web_db):
    from webseed import csrf_of

    council = web_db.council
    own = council.own_young_person
    sign_in(client, "pa01", council.passwords["pa01"])
    form = client.get(f"/young-people/{own}/contact")
    assert form.status_code == 200 and "Is the council in touch" in form.text
    version = int(re.search(r'name="version" value="(\d+)"', form.text).group(1))
    data = {
        "csrf_token": csrf_of(form.text), "version": str(version),
        "in_touch": "YES", "activity": "G5", "latest_contact_on-day": "31",
        "latest_contact_on-month": "2", "latest_contact_on-year": "2026",
    }  # fmt: skip
    bad = client.post(f"/young-people/{own}/contact", data=data)
    assert bad.status_code == 422 and "There is a problem" in bad.text
    data["latest_contact_on-day"] = "27"
    saved = client.post(f"/young-people/{own}/contact", data=data, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    page = client.get(saved.headers["location"]).text
    assert "Their contact is saved." in page and "27 February 2026" in page
    assert "Not in education, employment or training: other" in page
    other = client.get(f"/young-people/{council.other_young_person}/contact")
    assert other.status_code == 404  # another adviser's young person
