"""The record-keeping forms on the pages: a young person's moves, details, planned move,
ended stay and leaving; a vacancy held, withdrawn and reopened; a vacancy declared on a
provision. Each as the roles it concerns, with an error, a stale version and a refusal."""

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
    match = re.search(r'name="version" value="(\d+)"', html)
    assert match
    return match.group(1)


def _date(prefix: str, day) -> dict[str, str]:
    return {
        f"{prefix}-day": str(day.day),
        f"{prefix}-month": str(day.month),
        f"{prefix}-year": str(day.year),
    }


def test_a_housing_officer_records_a_move_into_unsuitable_accommodation(client, web_db):
    own = web_db.council.own_young_person
    _as(client, web_db, "housing_officer")
    record = client.get(f"/young-people/{own}")
    assert "Record a move" in record.text and "Edit details" in record.text
    form = client.get(f"/young-people/{own}/move")
    assert form.status_code == 200 and "Date of the move" in form.text
    data = {"csrf_token": csrf_of(form.text), "version": _version(form.text)}
    # an error: no place or type, no date; the summary links to the field, values kept
    bad = client.post(f"/young-people/{own}/move", data=data | {"area": "Poole"})
    assert bad.status_code == 422
    assert "govuk-error-summary" in bad.text and 'href="#place_id"' in bad.text
    assert 'href="#start-day"' in bad.text and 'value="Poole"' in bad.text
    assert "govuk-select--error" in bad.text
    # stale: someone else changed the record first
    stale = client.post(
        f"/young-people/{own}/move",
        data=data
        | {"version": "999", "placement_type": "emergency_accommodation"}
        | _date("start", TODAY),
    )
    assert stale.status_code == 409 and STALE in stale.text
    done = client.post(
        f"/young-people/{own}/move",
        data=data
        | {"placement_type": "emergency_accommodation", "unsuitable": "yes"}
        | _date("start", TODAY),
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    shown = client.get(done.headers["location"])
    assert "The move is recorded." in shown.text
    # the old version is stale now
    again = client.post(
        f"/young-people/{own}/move",
        data=data | {"placement_type": "emergency_accommodation"} | _date("start", TODAY),
    )
    assert again.status_code == 409 and STALE in again.text


def test_a_place_whose_rules_rule_them_out_says_why_and_needs_a_tick(client, web_db):
    """The move form offers every open place (a move may already have happened), but a place
    the match run's rules rule the young person out of says so, and why, and is recorded only
    when the officer ticks that they have checked: YP0001 is 17, and the lodgings room is
    not Ofsted-registered."""
    own = web_db.council.own_young_person
    _as(client, web_db, "housing_officer")
    form = client.get(f"/young-people/{own}/move")
    options = dict(re.findall(r'<option value="(\d+)">([^<]*)</option>', form.text))
    lodgings = next(k for k, label in options.items() if label.startswith("Supported lodgings"))
    framework = next(k for k, label in options.items() if label.startswith("Harbour View"))
    why = "they are under 18 and the place is not Ofsted-registered"
    assert options[lodgings].endswith(f": does not suit them, {why}")
    assert "does not suit" not in options[framework]
    assert list(options).index(framework) < list(options).index(lodgings)  # suiting first
    assert 'name="rules_checked"' in form.text
    data = {"csrf_token": csrf_of(form.text), "version": _version(form.text), "place_id": lodgings}
    later = _date("start", TODAY + timedelta(days=14))
    refused = client.post(f"/young-people/{own}/move", data=data | later)
    assert refused.status_code == 422
    assert f"The place does not suit them: {why}." in refused.text
    assert 'href="#place_id"' in refused.text
    record = client.get(f"/young-people/{own}")
    assert "Cancel planned move" not in record.text  # nothing was recorded
    done = client.post(
        f"/young-people/{own}/move",
        data=data | later | {"rules_checked": "yes"},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    assert "Cancel planned move" in client.get(f"/young-people/{own}").text


def test_a_planned_move_into_a_place_is_redated_then_cancelled(client, web_db):
    own = web_db.council.own_young_person
    _as(client, web_db, "manager")
    form = client.get(f"/young-people/{own}/move")
    place = re.search(r'<option value="(\d+)">Harbour View', form.text).group(1)
    data = {"csrf_token": csrf_of(form.text), "version": _version(form.text)}
    later = TODAY + timedelta(days=10)
    done = client.post(
        f"/young-people/{own}/move",
        data=data | {"place_id": place} | _date("start", later),
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    record = client.get(f"/young-people/{own}")
    assert "Change the move date" in record.text and "Cancel planned move" in record.text
    redate = client.get(f"/young-people/{own}/redate-move")
    data["version"] = _version(redate.text)
    no_reason = client.post(
        f"/young-people/{own}/redate-move", data=data | _date("start", later + timedelta(days=1))
    )
    assert no_reason.status_code == 422 and 'href="#reason"' in no_reason.text
    moved = client.post(
        f"/young-people/{own}/redate-move",
        data=data | {"reason": "place_not_ready"} | _date("start", later + timedelta(days=2)),
        follow_redirects=False,
    )
    assert moved.status_code == 303
    cancel = client.get(f"/young-people/{own}/cancel-move")
    data["version"] = _version(cancel.text)
    gone = client.post(
        f"/young-people/{own}/cancel-move",
        data=data | {"reason": "young_person_declined"},
        follow_redirects=False,
    )
    assert gone.status_code == 303
    assert "The planned move is cancelled." in client.get(gone.headers["location"]).text


def test_a_personal_adviser_edits_their_own_young_person_but_not_the_adviser(client, web_db):
    council = web_db.council
    sign_in(client, "pa01", council.passwords["pa01"])
    form = client.get(f"/young-people/{council.own_young_person}/details")
    assert form.status_code == 200 and 'name="personal_adviser"' not in form.text
    data = {"csrf_token": csrf_of(form.text), "version": _version(form.text)}
    changed = client.post(
        f"/young-people/{council.own_young_person}/details",
        data=data
        | {
            "support_need": "medium",
            "risk_flags": "exploitation",
            "preferred_areas": "Weymouth, Portland",
            "area": "Weymouth",
            "has_pet": "yes",
        },
        follow_redirects=False,
    )
    assert changed.status_code == 303, changed.text
    stale = client.post(
        f"/young-people/{council.own_young_person}/details",
        data=data | {"support_need": "medium", "has_pet": ""},
    )
    assert stale.status_code == 409 and STALE in stale.text
    nothing = client.get(f"/young-people/{council.own_young_person}/details")
    same = {"csrf_token": data["csrf_token"], "version": _version(nothing.text)}
    texts = r'name="([a-z_]+)" type="text" spellcheck="false" value="([^"]*)"'
    same |= dict(re.findall(texts, nothing.text))
    same |= {"support_need": "medium", "has_pet": "yes"}
    unchanged = client.post(f"/young-people/{council.own_young_person}/details", data=same)
    assert unchanged.status_code == 422 and "Nothing was changed" in unchanged.text
    assert client.get(f"/young-people/{council.other_young_person}/details").status_code == 404
    assert client.get(f"/young-people/{council.other_young_person}/move").status_code == 404


def test_a_commissioner_is_refused_and_sees_no_buttons(client, web_db):
    council = web_db.council
    _as(client, web_db, "commissioner")
    assert client.get(f"/young-people/{council.own_young_person}/move").status_code == 403
    page = client.get(f"/vacancies/{council.vacancy_ids[0]}")
    assert page.status_code == 200 and "Withdraw the vacancy" not in page.text
    token = csrf_of(client.get("/account/tokens").text)
    refused = client.post(
        f"/vacancies/{council.vacancy_ids[0]}/withdraw",
        data={"csrf_token": token, "version": "1", "reason": "repairs"},
    )
    assert refused.status_code == 403


def test_a_vacancy_is_withdrawn_and_reopened_and_a_stale_form_is_refused(client, web_db):
    vacancy = web_db.council.vacancy_ids[0]
    _as(client, web_db, "housing_officer")
    listed = client.get("/vacancies")
    assert f'href="/vacancies/{vacancy}"' in listed.text
    page = client.get(f"/vacancies/{vacancy}")
    data = {"csrf_token": csrf_of(page.text), "version": _version(page.text)}
    bad = client.post(f"/vacancies/{vacancy}/withdraw", data=data)
    assert bad.status_code == 422 and 'href="#reason"' in bad.text
    unknown = client.post(f"/vacancies/{vacancy}/hold", data=data | {"young_person": "YP9999"})
    assert unknown.status_code == 422 and 'value="YP9999"' in unknown.text
    stale = client.post(
        f"/vacancies/{vacancy}/hold", data=data | {"version": "999", "young_person": "YP0001"}
    )
    assert stale.status_code == 409 and STALE in stale.text
    done = client.post(
        f"/vacancies/{vacancy}/withdraw", data=data | {"reason": "repairs"}, follow_redirects=False
    )
    assert done.status_code == 303
    again = client.post(f"/vacancies/{vacancy}/withdraw", data=data | {"reason": "repairs"})
    assert again.status_code == 422 and "Only an open vacancy" in again.text
    page = client.get(done.headers["location"])
    assert "The vacancy is withdrawn." in page.text and "Reopen the vacancy" in page.text
    reopened = client.post(
        f"/vacancies/{vacancy}/reopen",
        data={"csrf_token": data["csrf_token"], "version": _version(page.text)},
        follow_redirects=False,
    )
    assert reopened.status_code == 303


def test_a_provision_page_shows_places_without_names_and_declares_a_vacancy(client, web_db):
    _as(client, web_db, "housing_officer")
    listed = client.get("/provisions")
    link = re.search(r'href="(/provisions/\d+)">Harbour View', listed.text).group(1)
    page = client.get(link)
    assert "Occupied" in page.text and "YP0002" not in page.text
    data = {"csrf_token": csrf_of(page.text)}
    bad = client.post(f"{link}/vacancies", data=data | _date("available_from", TODAY))
    assert bad.status_code == 422 and 'href="#place_id"' in bad.text


def test_the_young_people_list_is_searched_and_filtered_by_get(client, web_db):
    _as(client, web_db, "manager")

    def refs(url: str) -> set[str]:
        response = client.get(url)
        assert response.status_code == 200, url
        return set(re.findall(r">(YP\d{4})</a>", response.text))

    assert refs("/young-people") == {"YP0001", "YP0002", "YP0003"}
    assert refs("/young-people?reference=yp0002") == {"YP0002"}
    assert refs("/young-people?reference=0%25") == set()  # a wildcard is searched as typed
    assert refs("/young-people?adviser=pa01") == {"YP0001", "YP0003"}
    assert refs("/young-people?area=Bridport") == {"YP0003"}
    assert refs("/young-people?placement_type=bed_and_breakfast") == {"YP0001"}
    assert refs("/young-people?show=unsuitable") == {"YP0001"}
    assert refs("/young-people?unsuitable=true") == {"YP0001"}  # the older links still work
    assert refs("/young-people?show=suitable") == {"YP0002"}
    assert refs("/young-people?show=unsuitable&area=Weymouth&adviser=pa02") == set()
    kept = client.get("/young-people?reference=YP&area=Bridport").text
    assert 'value="YP"' in kept and '<option value="Bridport" selected>' in kept
    assert client.get("/young-people?placement_type=castle").status_code == 422


def test_a_personal_adviser_filters_only_their_own_and_sees_no_adviser_filter(client, web_db):
    sign_in(client, "pa01", web_db.council.passwords["pa01"])
    page = client.get("/young-people?adviser=pa02")
    assert 'name="adviser"' not in page.text
    assert set(re.findall(r">(YP\d{4})</a>", page.text)) == {"YP0001", "YP0003"}


def test_a_stay_is_ended_and_someone_leaves_the_service(client, web_db):
    council = web_db.council
    _as(client, web_db, "housing_officer")
    own = council.own_young_person
    assert "No move is planned" in client.get(f"/young-people/{own}/cancel-move").text
    form = client.get(f"/young-people/{own}/end-stay")
    data = {"csrf_token": csrf_of(form.text), "version": _version(form.text)}
    early = TODAY - timedelta(days=400)
    before = client.post(
        f"/young-people/{own}/end-stay", data=data | {"reason": "evicted"} | _date("on", early)
    )
    assert before.status_code == 422 and 'href="#on-day"' in before.text
    assert f'value="{early.year}"' in before.text
    ended = client.post(
        f"/young-people/{own}/end-stay",
        data=data | {"reason": "evicted"} | _date("on", TODAY - timedelta(days=1)),
        follow_redirects=False,
    )
    assert ended.status_code == 303
    assert "The stay is ended." in client.get(ended.headers["location"]).text
    form = client.get(f"/young-people/{own}/leave")
    data["version"] = _version(form.text)
    future = client.post(
        f"/young-people/{own}/leave",
        data=data | {"reason": "moved_away"} | _date("on", TODAY + timedelta(days=2)),
    )
    assert future.status_code == 422 and "cannot be in the future" in future.text
    left = client.post(
        f"/young-people/{own}/leave",
        data=data | {"reason": "moved_away"} | _date("on", TODAY),
        follow_redirects=False,
    )
    assert left.status_code == 303 and left.headers["location"] == "/young-people?done=leave"
    listed = client.get(left.headers["location"]).text
    assert "left the service" in listed and "YP0001" not in listed
    assert client.get(f"/young-people/{own}").status_code == 404


def test_an_expected_end_already_passed_is_pointed_out(client, web_db):
    """A new council's staying put arrangement read "Now, expected to end 19 September
    2026" in November, with nothing to say the date had gone by."""
    from sqlmodel import select

    from planner.core.db import get_engine, unit_of_work
    from planner.domain.stays import current_on
    from planner.models import Stay

    own = web_db.council.own_young_person
    with unit_of_work(get_engine(web_db.url)) as session:
        stay = session.exec(
            select(Stay).where(Stay.young_person_id == own, current_on(Stay, TODAY))
        ).one()
        stay.expected_end = TODAY - timedelta(days=30)
        session.add(stay)
    _as(client, web_db, "housing_officer")
    record = client.get(f"/young-people/{own}")
    assert "(a date already passed: record the move or a new end date)" in record.text


def test_a_move_can_be_recorded_when_the_rules_cannot_read_a_record(client, web_db):
    """The places are checked against the match run's rules only when every record they read
    can be read: a provision whose youngest age is above its oldest (refused by the rules'
    reading, and named on the matching pages) must not stop an officer recording a move."""
    from sqlmodel import select

    from planner.core.db import get_engine, unit_of_work
    from planner.models import Provision

    with unit_of_work(get_engine(web_db.url)) as session:
        lodgings = session.exec(select(Provision).where(Provision.reference == "PR-SL-1")).one()
        lodgings.min_age, lodgings.max_age = 24, 18
        session.add(lodgings)
    own = web_db.council.own_young_person
    _as(client, web_db, "housing_officer")
    form = client.get(f"/young-people/{own}/move")
    assert form.status_code == 200 and "does not suit them" not in form.text
    assert 'name="rules_checked"' not in form.text
    place = re.search(r'<option value="(\d+)">Supported lodgings', form.text).group(1)
    done = client.post(
        f"/young-people/{own}/move",
        data={"csrf_token": csrf_of(form.text), "version": _version(form.text), "place_id": place}
        | _date("start", TODAY + timedelta(days=14)),
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
