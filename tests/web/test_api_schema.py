"""schemathesis against the JSON API's OpenAPI schema, in-process, on both databases.

Every operation is called with generated parameters, with a real API token of a role that
may use most of the API, and every response is checked against the schema: no server
errors, no undocumented status codes, bodies that match their documented shape, and auth
that is really enforced (schemathesis also calls without the token and expects a 401).
``DELETE /api/v1/tokens/{token_id}`` is left out here because a generated id can revoke the
very token the run is using; its behaviour is tested in ``test_web_security``.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from webseed import issue_token

# Not schemathesis.pytest.from_fixture: its lazy loader reads a private pytest attribute
# that pytest 9 no longer has. The loop below does what it does: one Hypothesis run per
# operation, with the operation's own strategy.


def _bearers(web_db) -> list[dict[str, str]]:
    """A housing officer (most of the API), an administrator (the audit trail) and a
    commissioner (the forecasts)."""
    return [
        {"Authorization": f"Bearer {issue_token(web_db.url, web_db.council.by_role[role])}"}
        for role in ("housing_officer", "administrator", "commissioner")
    ]


def test_the_api_keeps_to_its_schema(app, web_db):
    schema = schemathesis.openapi.from_asgi("/openapi.json", app).include(path_regex="^/api/v1/")
    bearers = _bearers(web_db)
    tested = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.method.upper() == "DELETE":
            continue

        # the commissioner's token only where it reaches more than the other two do
        used = bearers if "/forecast-runs" in operation.path else bearers[:2]

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
        def check(case):
            for headers in used:
                case.call_and_validate(headers=headers)

        check()
        tested.append(f"{operation.method.upper()} {operation.path}")
    assert len(tested) == 11, tested


def test_every_api_error_is_documented_with_the_one_error_shape(app):
    paths = app.openapi()["paths"]
    for path, operations in paths.items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in operations.items():
            for status in ("401", "403", "404", "422"):
                body = operation["responses"][status]["content"]["application/json"]["schema"]
                assert body == {"$ref": "#/components/schemas/ErrorBody"}, (method, path, status)
            assert operation["security"] == [{"HTTPBearer": []}], (method, path)
