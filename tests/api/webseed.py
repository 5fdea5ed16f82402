"""A small council for the web tests: five demo users (one per role), a second personal
adviser, three young people, two provisions, three places, two open vacancies and two
forecast runs made together (central and more UASC, small and quick), the escalation of the
young person in bed and breakfast (after a sweep) and one board exception report.

Small on purpose: every page must be checked by axe in a real browser for every role, and
the route matrix runs each route for each role, so the pages must be quick to draw. The
cases that matter are all here: a young person in unsuitable accommodation, one belonging
to another adviser, one with no stay yet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session

from planner.accounts import service as accounts
from planner.core import clock
from planner.core.db import get_engine, unit_of_work
from planner.domain import Cohort, PlacementType, Role, SupportLevel
from planner.escalations import service as escalations
from planner.forecasting import service as forecasting
from planner.models import Place, Provision, Stay, Vacancy, YoungPerson

TODAY = clock.today()  # the council's day, as the app sees it
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Council:
    passwords: dict[str, str] = field(default_factory=dict)  # username -> password
    by_role: dict[str, str] = field(default_factory=dict)  # role -> username
    own_young_person: int = 0  # pa01's, in bed and breakfast
    other_young_person: int = 0  # pa02's
    vacancy_ids: list[int] = field(default_factory=list)
    forecast_runs: list[int] = field(default_factory=list)  # made together, same data
    escalation_id: int = 0  # of own_young_person's stay in bed and breakfast
    report_id: int = 0  # a board exception report


def seed(session: Session) -> Council:
    council = Council()
    for username, role, password in accounts.create_demo_users(session):
        council.passwords[username] = password
        council.by_role[role] = username
    other_pa_password = accounts.generate_password()
    other_pa = accounts.create_user(
        session,
        username="pa02",
        role=Role.personal_adviser,
        password=other_pa_password,
        actor="test",
    )
    council.passwords["pa02"] = other_pa_password
    pa01 = accounts.get_user_by_username(session, "pa01")
    assert pa01 is not None

    framework = Provision(
        reference="PR-SA-1",
        name="Harbour View supported housing",
        placement_type=PlacementType.supported_accommodation,
        area="Weymouth",
        provider="Provider A",
        cohort=Cohort.care_leavers,
        support_level=SupportLevel.medium,
        ofsted_registered=True,
        max_stay_months=18,
    )
    lodgings = Provision(
        reference="PR-SL-1",
        name="Supported lodgings host 7",
        placement_type=PlacementType.supported_lodgings,
        area="Dorchester",
        min_age=17,
        max_age=23,
    )
    session.add_all([framework, lodgings])
    session.flush()
    places = [
        Place(reference="PL-SA-1-1", provision_id=framework.id, label="Flat 1"),
        Place(reference="PL-SA-1-2", provision_id=framework.id, label="Flat 2"),
        Place(reference="PL-SL-1-1", provision_id=lodgings.id, label="Room 1"),
    ]
    session.add_all(places)
    session.flush()

    in_bnb = YoungPerson(
        reference="YP0001",
        date_of_birth=TODAY - timedelta(days=17 * 365 + 100),
        area="Weymouth",
        risk_flags="exploitation",
        preferred_areas="Weymouth;Portland",
        personal_adviser_id=pa01.id,
    )
    housed = YoungPerson(
        reference="YP0002",
        date_of_birth=TODAY - timedelta(days=19 * 365),
        area="Weymouth",
        personal_adviser_id=other_pa.id,
    )
    no_stay = YoungPerson(
        reference="YP0003",
        date_of_birth=TODAY - timedelta(days=20 * 365),
        area="Bridport",
        personal_adviser_id=pa01.id,
    )
    session.add_all([in_bnb, housed, no_stay])
    session.flush()
    session.add_all(
        [
            Stay(
                young_person_id=in_bnb.id,
                placement_type=PlacementType.bed_and_breakfast,
                start_date=TODAY - timedelta(days=20),
                suitable=False,
                area="Weymouth",
            ),
            Stay(
                young_person_id=housed.id,
                placement_type=PlacementType.supported_accommodation,
                place_id=places[0].id,
                start_date=TODAY - timedelta(days=200),
                expected_end=TODAY + timedelta(days=340),
            ),
        ]
    )
    vacancies = [
        Vacancy(place_id=places[1].id, available_from=TODAY),
        Vacancy(place_id=places[2].id, available_from=TODAY + timedelta(days=14)),
    ]
    session.add_all(vacancies)
    session.flush()
    council.own_young_person = in_bnb.id  # type: ignore[assignment]
    council.other_young_person = housed.id  # type: ignore[assignment]
    council.vacancy_ids = [v.id for v in vacancies]  # type: ignore[misc]
    report = forecasting.make_forecast(
        session,
        scenarios=["central", "more_uasc"],
        months=12,
        runs=100,
        child_population=67_300,
        actor="test",
        save_trace=True,
        compare=False,
        with_sensitivity=True,
    )
    council.forecast_runs = report.run_ids
    escalations.sweep(session, actor="test")
    council.escalation_id = escalations.queue(session)[0].escalation_id
    council.report_id = escalations.build_report(session, audience="board", actor="test").id  # type: ignore[assignment]
    return council


def csrf_of(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


def sign_in(client: TestClient, username: str, password: str) -> TestClient:
    form = client.get("/sign-in")
    response = client.post(
        "/sign-in",
        data={"username": username, "password": password, "csrf_token": csrf_of(form.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return client


def issue_token(url: str, username: str) -> str:
    with unit_of_work(get_engine(url)) as session:
        owner = accounts.get_user_or_raise(session, username)
        _, token = accounts.issue_api_token(session, owner=owner, name="test")
    return token
