"""The permission matrix, route by route, for every role, through the pages and the API.

``ROUTES`` is the table ``docs/permissions.md`` shows. The first test proves the table is
complete (a new route without a row fails), the next ones request every route as every role
and check that exactly the roles the matrix allows get through. Record scope is then proved
on its own: a personal adviser reaches only their own young people, and a commissioner
reaches no young person's record by any page or API route.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from webseed import csrf_of, issue_token, sign_in

from api import pages, v1
from planner.domain import Role
from planner.domain.permissions import MATRIX, Permission

P = Permission
# (method, route template, permission or None for public, path to request, status when allowed)
OWN = "{own}"
RUN, RUN2 = "{run}", "{run2}"  # the seeded forecast runs, made together
ESC, REPORT = "{esc}", "{report}"  # the seeded escalation (of OWN) and board report
VAC = "{vac}"  # the seeded open vacancy
YP = "/young-people/{young_person_id}"
RECORD_FORMS = [
    (f"{YP}/move", P.record_moves),
    (f"{YP}/details", P.edit_young_people),
    (f"{YP}/contact", P.edit_young_people),
    (f"{YP}/cancel-move", P.record_moves),
    (f"{YP}/redate-move", P.record_moves),
    (f"{YP}/end-stay", P.record_moves),
    (f"{YP}/leave", P.record_moves),
    (f"{YP}/notice", P.manage_inventory),
    (f"{YP}/hold", P.manage_inventory),
]
PAGE_ROUTES = [
    ("GET", "/sign-in", None, "/sign-in", 200),
    ("POST", "/sign-in", None, None, None),
    ("GET", "/signed-out", None, "/signed-out", 200),
    ("GET", "/accessibility", None, "/accessibility", 200),
    ("POST", "/sign-out", P.use_service, None, None),  # proved in test_sessions
    ("GET", "/", P.use_service, "/", 200),
    ("GET", "/overview", P.view_overview, "/overview", 200),
    ("GET", "/young-people", P.view_young_people, "/young-people", 200),
    ("GET", "/young-people/{young_person_id}", P.view_young_people, f"/young-people/{OWN}", 200),
    ("GET", "/vacancies", P.view_vacancies, "/vacancies", 200),
    ("GET", "/provisions", P.view_provisions, "/provisions", 200),
    *[
        (method, route, permission, route.replace("{young_person_id}", OWN), status)
        for route, permission in RECORD_FORMS
        for method, status in (("GET", 200), ("POST", 422))  # POST: no version sent
    ],
    ("GET", "/vacancies/{vacancy_id}", P.view_vacancies, f"/vacancies/{VAC}", 200),
    (
        "POST",
        "/vacancies/{vacancy_id}/propose",
        P.decide_proposals,
        f"/vacancies/{VAC}/propose",
        422,
    ),
    (
        "GET",
        "/young-people/{young_person_id}/best-places",
        P.view_young_people,
        f"/young-people/{OWN}/best-places",
        200,
    ),
    ("POST", "/vacancies/{vacancy_id}/hold", P.manage_inventory, f"/vacancies/{VAC}/hold", 422),
    (
        "POST",
        "/vacancies/{vacancy_id}/withdraw",
        P.manage_inventory,
        f"/vacancies/{VAC}/withdraw",
        422,
    ),
    (
        "POST",
        "/vacancies/{vacancy_id}/reopen",
        P.manage_inventory,
        f"/vacancies/{VAC}/reopen",
        422,
    ),
    ("GET", "/provisions/{provision_id}", P.view_provisions, "/provisions/999999", 404),
    (
        "POST",
        "/provisions/{provision_id}/vacancies",
        P.manage_inventory,
        "/provisions/999999/vacancies",
        404,
    ),
    ("GET", "/provisions/new", P.manage_inventory, "/provisions/new", 200),
    ("POST", "/provisions/new", P.manage_inventory, "/provisions/new", 422),  # nothing typed
    *[
        (
            method,
            route,
            P.manage_inventory,
            route.replace("{provision_id}", "999999").replace("{place_id}", "999999"),
            404,
        )
        for route in (
            "/provisions/{provision_id}/close",
            "/provisions/{provision_id}/places/new",
            "/provisions/{provision_id}/places/{place_id}/close",
            "/provisions/{provision_id}/places/{place_id}/convert",
        )
        for method in ("GET", "POST")
    ],  # fmt: skip
    ("GET", "/forecasts", P.view_forecasts, "/forecasts", 200),
    ("POST", "/forecasts", P.make_forecasts, "/forecasts", 422),  # no scenario chosen
    (
        "GET",
        "/forecasts/compare",
        P.view_forecasts,
        f"/forecasts/compare?first={RUN}&second={RUN2}",
        200,
    ),
    (
        "GET",
        "/forecasts/compare.{fmt}",
        P.view_forecasts,
        f"/forecasts/compare.csv?first={RUN}&second={RUN2}",
        200,
    ),
    ("GET", "/forecasts/accuracy", P.view_forecasts, "/forecasts/accuracy", 200),
    ("POST", "/forecasts/accuracy", P.make_forecasts, "/forecasts/accuracy", 303),  # queued
    ("GET", "/forecasts/{run_id}", P.view_forecasts, f"/forecasts/{RUN}", 200),
    ("GET", "/forecasts/{run_id}/paper.pdf", P.view_forecasts, f"/forecasts/{RUN}/paper.pdf", 200),
    (
        "GET",
        "/forecasts/{run_id}/forecast.xlsx",
        P.view_forecasts,
        f"/forecasts/{RUN}/forecast.xlsx",
        200,
    ),
    (
        "GET",
        "/forecasts/{run_id}/tables/{table}.csv",
        P.view_forecasts,
        f"/forecasts/{RUN}/tables/demand.csv",
        200,
    ),
    ("GET", "/scenarios", P.view_forecasts, "/scenarios", 200),
    ("POST", "/scenarios", P.make_forecasts, "/scenarios", 422),  # no name, no lever
    (
        "POST",
        "/scenarios/{scenario_id}/delete",
        P.make_forecasts,
        "/scenarios/999999/delete",
        404,
    ),
    ("GET", "/places-needed", P.make_forecasts, "/places-needed", 200),
    ("GET", "/matching/one-more-place", P.view_forecasts, "/matching/one-more-place", 200),
    ("GET", "/fairness", P.view_fairness, "/fairness", 200),
    ("GET", "/fairness.csv", P.view_fairness, "/fairness.csv", 200),
    ("POST", "/places-needed", P.make_forecasts, "/places-needed", 422),  # no date chosen
    ("GET", "/audit", P.view_audit, "/audit", 200),
    ("GET", "/users", P.manage_users, "/users", 200),
    ("POST", "/users", P.manage_users, "/users", 422),  # an empty form is refused
    ("GET", "/imports", P.import_returns, "/imports", 200),
    ("POST", "/imports", P.import_returns, "/imports", 422),  # no files: refused
    ("POST", "/users/{user_id}/disable", P.manage_users, "/users/999999/disable", 404),
    ("POST", "/users/{user_id}/enable", P.manage_users, "/users/999999/enable", 404),
    ("POST", "/users/{user_id}/end-sessions", P.manage_users, "/users/999999/end-sessions", 404),
    ("GET", "/users/{user_id}/contact", P.manage_users, "/users/999999/contact", 404),
    ("POST", "/users/{user_id}/contact", P.manage_users, "/users/999999/contact", 404),
    ("GET", "/account", P.use_service, "/account", 200),
    ("POST", "/account/notifications", P.use_service, "/account/notifications", 422),  # no choice
    ("GET", "/account/tokens", P.use_service, "/account/tokens", 200),
    ("POST", "/account/tokens", P.use_service, "/account/tokens", 422),  # no name
    (
        "POST",
        "/account/tokens/{token_id}/revoke",
        P.use_service,
        "/account/tokens/999999/revoke",
        404,
    ),
    ("GET", "/matching", P.view_matching, "/matching", 200),
    ("POST", "/matching/run", P.run_matching, "/matching/run", 303),
    ("GET", "/work/{work_id}", P.use_service, "/work/999999", 404),
    (
        "POST",
        "/matching/proposals/{proposal_id}/accept",
        P.decide_proposals,
        "/matching/proposals/999999/accept",
        404,
    ),
    (
        "POST",
        "/matching/proposals/{proposal_id}/decline",
        P.decide_proposals,
        "/matching/proposals/999999/decline",
        404,
    ),
    ("GET", "/escalations", P.view_escalations, "/escalations", 200),
    ("POST", "/escalations/sweep", P.manage_escalations, "/escalations/sweep", 303),
    ("GET", "/escalations/{escalation_id}", P.view_escalations, f"/escalations/{ESC}", 200),
    (
        "POST",
        "/escalations/{escalation_id}/actions",
        P.manage_escalations,
        f"/escalations/{ESC}/actions",
        422,  # nothing chosen to record
    ),
    ("GET", "/reports", P.exception_reports, "/reports", 200),
    ("POST", "/reports", P.exception_reports, "/reports", 422),  # no audience chosen
    ("GET", "/reports/{report_id}", P.exception_reports, f"/reports/{REPORT}", 200),
    (
        "GET",
        "/reports/{report_id}/report.csv",
        P.exception_reports,
        f"/reports/{REPORT}/report.csv",
        200,
    ),
    (
        "GET",
        "/reports/{report_id}/report.pdf",
        P.exception_reports,
        f"/reports/{REPORT}/report.pdf",
        200,
    ),
    (
        "GET",
        "/reports/{report_id}/report.xlsx",
        P.exception_reports,
        f"/reports/{REPORT}/report.xlsx",
        200,
    ),
    ("GET", "/jobs", P.view_jobs, "/jobs", 200),
]
API_ROUTES = [
    ("GET", "/api/v1/me", P.use_service, "/api/v1/me", 200),
    ("GET", "/api/v1/overview", P.view_overview, "/api/v1/overview", 200),
    ("GET", "/api/v1/young-people", P.view_young_people, "/api/v1/young-people", 200),
    (
        "GET",
        "/api/v1/young-people/{young_person_id}",
        P.view_young_people,
        f"/api/v1/young-people/{OWN}",
        200,
    ),
    ("GET", "/api/v1/provisions", P.view_provisions, "/api/v1/provisions", 200),
    (
        "GET",
        "/api/v1/provisions/{provision_id}/places",
        P.view_provisions,
        "/api/v1/provisions/999999/places",
        404,
    ),
    ("GET", "/api/v1/vacancies", P.view_vacancies, "/api/v1/vacancies", 200),
    ("GET", "/api/v1/forecast-runs", P.view_forecasts, "/api/v1/forecast-runs", 200),
    (
        "GET",
        "/api/v1/forecast-runs/{run_id}",
        P.view_forecasts,
        f"/api/v1/forecast-runs/{RUN}",
        200,
    ),
    (
        "GET",
        "/api/v1/forecast-runs/{run_id}/tables/{table}",
        P.view_forecasts,
        f"/api/v1/forecast-runs/{RUN}/tables/demand",
        200,
    ),
    ("GET", "/api/v1/scenarios", P.view_forecasts, "/api/v1/scenarios", 200),
    ("POST", "/api/v1/scenarios", P.make_forecasts, "/api/v1/scenarios", 422),  # no body
    ("GET", "/api/v1/audit-events", P.view_audit, "/api/v1/audit-events", 200),
    ("GET", "/api/v1/tokens", P.use_service, "/api/v1/tokens", 200),
    ("DELETE", "/api/v1/tokens/{token_id}", P.use_service, "/api/v1/tokens/999999", 404),
    ("GET", "/api/v1/match-runs", P.view_matching, "/api/v1/match-runs", 200),
    (
        "GET",
        "/api/v1/match-runs/{run_id}",
        P.view_matching,
        "/api/v1/match-runs/999999",
        404,
    ),
    # starting long work needs a JSON body ({} for a match run): sent without one, 422
    ("POST", "/api/v1/match-runs", P.run_matching, "/api/v1/match-runs", 422),
    ("POST", "/api/v1/forecast-runs", P.make_forecasts, "/api/v1/forecast-runs", 422),
    ("GET", "/api/v1/work/{work_id}", P.use_service, "/api/v1/work/999999", 404),
    ("GET", "/api/v1/proposals", P.view_matching, "/api/v1/proposals", 200),
    (
        "GET",
        "/api/v1/proposals/{proposal_id}",
        P.view_matching,
        "/api/v1/proposals/999999",
        404,
    ),
    # the decisions are sent without a body here: refused (422) once the role is let in
    (
        "POST",
        "/api/v1/proposals/{proposal_id}/accept",
        P.decide_proposals,
        "/api/v1/proposals/999999/accept",
        422,
    ),
    (
        "POST",
        "/api/v1/proposals/{proposal_id}/decline",
        P.decide_proposals,
        "/api/v1/proposals/999999/decline",
        422,
    ),
    ("GET", "/api/v1/exclusions", P.view_matching, "/api/v1/exclusions", 200),
    (
        "POST",
        "/api/v1/proposals/{proposal_id}/lift-exclusion",
        P.decide_proposals,
        "/api/v1/proposals/999999/lift-exclusion",
        422,
    ),
    ("GET", "/api/v1/escalations", P.view_escalations, "/api/v1/escalations", 200),
    (
        "GET",
        "/api/v1/escalations/{escalation_id}",
        P.view_escalations,
        f"/api/v1/escalations/{ESC}",
        200,
    ),
    (
        "POST",
        "/api/v1/escalations/{escalation_id}/actions",
        P.manage_escalations,
        f"/api/v1/escalations/{ESC}/actions",
        422,
    ),  # records kept in the planner: sent without a body, refused (422) once the role is let in
    (
        "PATCH",
        "/api/v1/young-people/{young_person_id}",
        P.edit_young_people,
        f"/api/v1/young-people/{OWN}",
        422,
    ),
    (
        "POST",
        "/api/v1/young-people/{young_person_id}/moves",
        P.record_moves,
        f"/api/v1/young-people/{OWN}/moves",
        422,
    ),
    (
        "POST",
        "/api/v1/young-people/{young_person_id}/planned-move/cancel",
        P.record_moves,
        f"/api/v1/young-people/{OWN}/planned-move/cancel",
        422,
    ),
    (
        "POST",
        "/api/v1/young-people/{young_person_id}/planned-move/redate",
        P.record_moves,
        f"/api/v1/young-people/{OWN}/planned-move/redate",
        422,
    ),
    (
        "POST",
        "/api/v1/young-people/{young_person_id}/end-stay",
        P.record_moves,
        f"/api/v1/young-people/{OWN}/end-stay",
        422,
    ),
    (
        "POST",
        "/api/v1/young-people/{young_person_id}/leave",
        P.record_moves,
        f"/api/v1/young-people/{OWN}/leave",
        422,
    ),
    ("POST", "/api/v1/vacancies", P.manage_inventory, "/api/v1/vacancies", 422),
    (
        "POST",
        "/api/v1/stays/{stay_id}/notice",
        P.manage_inventory,
        "/api/v1/stays/999999/notice",
        422,
    ),
    (
        "POST",
        "/api/v1/vacancies/{vacancy_id}/hold",
        P.manage_inventory,
        "/api/v1/vacancies/999999/hold",
        422,
    ),
    (
        "POST",
        "/api/v1/vacancies/{vacancy_id}/withdraw",
        P.manage_inventory,
        "/api/v1/vacancies/999999/withdraw",
        422,
    ),
    (
        "POST",
        "/api/v1/vacancies/{vacancy_id}/reopen",
        P.manage_inventory,
        "/api/v1/vacancies/999999/reopen",
        422,
    ),
    ("POST", "/api/v1/provisions", P.manage_inventory, "/api/v1/provisions", 422),
    (
        "POST",
        "/api/v1/provisions/{provision_id}/close",
        P.manage_inventory,
        "/api/v1/provisions/999999/close",
        422,
    ),
    ("POST", "/api/v1/places", P.manage_inventory, "/api/v1/places", 422),
    (
        "POST",
        "/api/v1/places/{place_id}/close",
        P.manage_inventory,
        "/api/v1/places/999999/close",
        422,
    ),
]
ROLES = list(Role)


def _declared(router) -> set[tuple[str, str, str | None]]:
    found = set()
    for route in router.routes:
        permissions = {
            getattr(dep.call, "permission", None)
            for dep in route.dependant.dependencies
            if getattr(dep.call, "permission", None)
        }
        # a permission may be declared through a parameter's Annotated dependency
        for dep in route.dependant.dependencies:
            for sub in dep.dependencies:
                if getattr(sub.call, "permission", None):
                    permissions.add(sub.call.permission)
        assert len(permissions) <= 1, route.path
        for method in route.methods:
            found.add((method, route.path, next(iter(permissions), None)))
    return found


def test_every_route_is_in_the_table_with_its_permission():
    declared = set().union(*(_declared(router) for router in (*pages.ROUTERS, *v1.ROUTERS)))
    table = {(m, path, perm) for m, path, perm, _, _ in PAGE_ROUTES + API_ROUTES}
    assert declared == table


def test_the_documented_matrix_lists_every_route():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "permissions.md").read_text()
    for method, path, permission, _, _ in PAGE_ROUTES + API_ROUTES:
        row = f"| {method} | `{path}` |"
        assert row in doc, row
        line = next(line for line in doc.splitlines() if line.startswith(row))
        assert (f"`{permission}`" if permission else "public") in line, line


def _path(template: str, own: int, runs: list[int] | None = None, council=None) -> str:
    first, second = runs or [1, 2]
    path = template.replace(OWN, str(own)).replace(RUN2, str(second)).replace(RUN, str(first))
    esc, report = (council.escalation_id, council.report_id) if council else (1, 1)
    vac = council.vacancy_ids[0] if council else 1
    path = path.replace(VAC, str(vac))
    return path.replace(ESC, str(esc)).replace(REPORT, str(report))


@pytest.mark.parametrize("role", ROLES)
def test_pages_let_in_exactly_the_roles_the_matrix_allows(role, client: TestClient, web_db):
    council = web_db.council
    username = council.by_role[role]
    sign_in(client, username, council.passwords[username])
    token = csrf_of(client.get("/account/tokens").text)
    for method, template, permission, path, allowed_status in PAGE_ROUTES:
        if path is None:
            continue
        url = _path(path, council.own_young_person, council.forecast_runs, council)
        if method == "GET":
            response = client.get(url, follow_redirects=False)
        else:
            response = client.post(url, data={"csrf_token": token}, follow_redirects=False)
        if permission is None or permission in MATRIX[role]:
            if template == "/young-people/{young_person_id}" and role != Role.personal_adviser:
                assert response.status_code == 200, (role, url)
            else:
                assert response.status_code == allowed_status, (role, method, url)
        else:
            assert response.status_code == 403, (role, method, url, response.status_code)
            assert "You do not have permission" in response.text


@pytest.mark.reads_only
@pytest.mark.parametrize("role", ROLES)
def test_the_api_lets_in_exactly_the_roles_the_matrix_allows(role, client: TestClient, web_db):
    council = web_db.council
    token = issue_token(web_db.url, council.by_role[role])
    headers = {"Authorization": f"Bearer {token}"}
    for method, _template, permission, path, allowed_status in API_ROUTES:
        url = _path(path, council.own_young_person, council.forecast_runs, council)
        response = client.request(method, url, headers=headers)
        if permission in MATRIX[role]:
            assert response.status_code == allowed_status, (role, method, url, response.text)
        else:
            assert response.status_code == 403, (role, method, url)
            assert response.json()["error"]["code"] == "forbidden"


@pytest.mark.reads_only
def test_signed_out_visitors_are_sent_to_sign_in_and_the_api_wants_a_token(client: TestClient):
    for method, _t, permission, path, _s in PAGE_ROUTES:
        if permission is None or path is None:
            continue
        response = client.request(method, _path(path, 1), follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/sign-in"
    for method, _t, _p, path, _s in API_ROUTES:
        response = client.request(method, _path(path, 1))
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "not_signed_in"


@pytest.mark.reads_only
def test_a_personal_adviser_reaches_only_their_own_young_people(client: TestClient, web_db):
    council = web_db.council
    sign_in(client, "pa01", council.passwords["pa01"])
    own = client.get(f"/young-people/{council.own_young_person}")
    assert own.status_code == 200 and "YP0001" in own.text
    other = client.get(f"/young-people/{council.other_young_person}")
    assert other.status_code == 404 and "YP0002" not in other.text
    listing = client.get("/young-people").text
    assert "YP0001" in listing and "YP0003" in listing and "YP0002" not in listing
    headers = {"Authorization": f"Bearer {issue_token(web_db.url, 'pa01')}"}
    api_list = client.get("/api/v1/young-people", headers=headers).json()
    assert {row["reference"] for row in api_list["rows"]} == {"YP0001", "YP0003"}
    assert (
        client.get(
            f"/api/v1/young-people/{council.other_young_person}", headers=headers
        ).status_code
        == 404
    )


@pytest.mark.reads_only
@pytest.mark.parametrize("role", [Role.commissioner, Role.administrator])
def test_commissioners_and_administrators_reach_no_named_young_person(
    role, client: TestClient, web_db
):
    council = web_db.council
    username = council.by_role[role]
    sign_in(client, username, council.passwords[username])
    headers = {"Authorization": f"Bearer {issue_token(web_db.url, username)}"}
    for young_person_id in (council.own_young_person, council.other_young_person, 999999):
        page = client.get(f"/young-people/{young_person_id}")
        assert page.status_code == 403
        api = client.get(f"/api/v1/young-people/{young_person_id}", headers=headers)
        assert api.status_code == 403
    everything = "".join(
        client.get(path).text for path in ("/", "/overview", "/vacancies", "/provisions")
    )
    for reference in ("YP0001", "YP0002", "YP0003"):
        assert reference not in everything
    assert client.get("/api/v1/young-people", headers=headers).status_code == 403
