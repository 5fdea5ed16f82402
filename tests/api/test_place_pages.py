"""The inventory forms on the pages: a provision added and closed, a place added, closed and
converted. Each form with an error linked to its field and the values kept, the success
banner, a stale version refused, and the roles: officers and managers yes, personal
advisers and commissioners no."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from webseed import TODAY, csrf_of, sign_in

STALE = "This record was changed by someone else; reload and try again."


def _as(client: TestClient, web_db, role: str) -> TestClient:
    username = web_db.council.by_role[role]
    return sign_in(client, username, web_db.council.passwords[username])


def _version(html: str) -> str:
    return re.search(r'name="version" value="(\d+)"', html).group(1)


def _date(prefix: str, day) -> dict[str, str]:
    return {f"{prefix}-day": str(day.day), f"{prefix}-month": str(day.month),
            f"{prefix}-year": str(day.year)}  # fmt: skip


def _provision(client: TestClient, name: str) -> str:
    listed = client.get("/provisions").text
    return re.search(rf'href="(/provisions/\d+)">{name}', listed).group(1)


def test_a_housing_officer_adds_a_provision_and_its_place(client, web_db):
    _as(client, web_db, "housing_officer")
    assert 'href="/provisions/new"' in client.get("/provisions").text
    form = client.get("/provisions/new")
    assert form.status_code == 200 and "Add a provision" in form.text
    data = {"csrf_token": csrf_of(form.text)}
    bad = client.post(
        "/provisions/new",
        data=data | {"name": "Seaview lodgings", "reference": "", "min_age": "16",
                     "max_age": "x", "weekly_cost": "lots", "pets_allowed": "yes"},
    )  # fmt: skip
    assert bad.status_code == 422
    assert 'href="#placement_type"' in bad.text and 'href="#max_age"' in bad.text
    assert 'value="Seaview lodgings"' in bad.text and 'value="lots"' in bad.text
    assert re.search(
        r'id="pets_allowed" name="pets_allowed" type="checkbox" value="yes"[^>]* checked', bad.text
    )
    base = data | {"name": "Seaview lodgings", "reference": "PR-SEA-1",
                   "placement_type": "supported_lodgings", "area": "Swanage",
                   "support_level": "low", "min_age": "17", "max_age": "23"}  # fmt: skip
    taken = client.post("/provisions/new", data=base | {"reference": "PR-SA-1"})
    assert taken.status_code == 422 and 'href="#reference"' in taken.text
    assert "exists already" in taken.text
    done = client.post("/provisions/new", data=base, follow_redirects=False)
    assert done.status_code == 303, done.text
    page = client.get(done.headers["location"]).text
    assert "The provision is added." in page and "Seaview lodgings" in page
    add = client.get(done.headers["location"].split("?")[0] + "/places/new")
    place = {"csrf_token": data["csrf_token"], "label": "Room 1", "reference": "PL-SEA-1-1",
             "vacant": "yes"}  # fmt: skip
    url = done.headers["location"].split("?")[0] + "/places/new"
    assert add.status_code == 200
    dup = client.post(url, data=place | {"reference": "PL-SA-1-1"})
    assert (
        dup.status_code == 422 and 'href="#reference"' in dup.text and 'value="Room 1"' in dup.text
    )
    added = client.post(url, data=place, follow_redirects=False)
    assert added.status_code == 303
    page = client.get(added.headers["location"]).text
    assert "The place is added." in page and "Open vacancy" in page


def test_a_lived_in_place_cannot_close_and_a_free_one_converts(client, web_db):
    _as(client, web_db, "manager")
    harbour = _provision(client, "Harbour View")
    page = client.get(harbour).text
    flats = dict(
        (name, pid)
        for pid, name in re.findall(
            rf'href="{harbour}/places/(\d+)/close">Close<span class="govuk-visually-hidden">'
            r" (Flat \d)",
            page,
        )
    )
    occupied, free = flats["Flat 1"], flats["Flat 2"]
    form = client.get(f"{harbour}/places/{occupied}/close")
    data = {"csrf_token": csrf_of(form.text), "version": _version(form.text)}
    lived = client.post(
        f"{harbour}/places/{occupied}/close",
        data=data | {"reason": "decommissioned"} | _date("closes_on", TODAY + timedelta(days=1)),
    )
    assert lived.status_code == 422 and 'href="#closes_on-day"' in lived.text
    assert "record their move first" in lived.text
    whole = client.post(
        f"{harbour}/close",
        data={"csrf_token": data["csrf_token"], "version": "1", "reason": "contract_ended"}
        | _date("closes_on", TODAY + timedelta(days=1)),
    )
    assert whole.status_code == 422 and "record" in whole.text.lower()
    convert = client.get(f"{harbour}/places/{free}/convert")
    assert "Supported lodgings host 7" in convert.text
    target = re.search(r'<option value="(\d+)">Supported lodgings host 7', convert.text).group(1)
    cdata = {"csrf_token": data["csrf_token"], "version": _version(convert.text)}
    no_target = client.post(
        f"{harbour}/places/{free}/convert", data=cdata | {"new_reference": "PL-NEW"}
    )
    assert no_target.status_code == 422 and 'href="#to_provision_id"' in no_target.text
    assert 'href="#on-day"' in no_target.text and 'value="PL-NEW"' in no_target.text
    stale = client.post(
        f"{harbour}/places/{free}/convert",
        data=cdata
        | {"version": "99", "to_provision_id": target, "new_reference": "PL-NEW"}
        | _date("on", TODAY + timedelta(days=7)),
    )
    assert stale.status_code == 409 and STALE in stale.text
    done = client.post(
        f"{harbour}/places/{free}/convert",
        data=cdata
        | {"to_provision_id": target, "new_reference": "PL-NEW"}
        | _date("on", TODAY + timedelta(days=7)),
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    assert "The place is converted" in client.get(done.headers["location"]).text
    lodgings = client.get(f"/provisions/{target}").text
    assert "PL-NEW" in lodgings


@pytest.mark.parametrize("role", ["commissioner", "personal_adviser"])
def test_advisers_and_commissioners_see_no_inventory_forms(client, web_db, role):
    _as(client, web_db, role)
    listed = client.get("/provisions")
    assert listed.status_code == 200 and "Add a provision" not in listed.text
    harbour = _provision(client, "Harbour View")
    assert "Close the provision" not in client.get(harbour).text
    assert client.get("/provisions/new").status_code == 403
    assert client.get(f"{harbour}/close").status_code == 403
    token = csrf_of(client.get("/account/tokens").text)
    refused = client.post("/provisions/new", data={"csrf_token": token, "name": "X"})
    assert refused.status_code == 403
