"""Jinja2 for the pages: our templates first, then the shared report templates and filters
(:mod:`planner.reports.templating`, which papers use too), then the GOV.UK Frontend macros.

Autoescape is switched on explicitly: Starlette only turns it on when it builds the
environment itself, and every value on these pages may have been typed by someone. Options
of the GOV.UK macros named ``html`` are output unescaped, so templates never put data in
them (see ecosystem.md 1.3).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader
from starlette.requests import Request
from starlette.responses import HTMLResponse

from planner.domain import Role
from planner.domain.permissions import MATRIX, Permission
from planner.matching import words as matching_words
from planner.reports.templating import SERVICE_NAME  # noqa: F401 - re-exported
from planner.reports.templating import make_environment as make_environment_shared

TEMPLATES = Path(__file__).resolve().parent / "templates"

ROLE_LABELS = {
    Role.housing_officer: "Housing officer",
    Role.commissioner: "Commissioner",
    Role.manager: "Manager",
    Role.personal_adviser: "Personal adviser",
    Role.administrator: "Administrator",
}

# The service navigation: each item shows only to roles holding its permission.
NAVIGATION: tuple[tuple[str, str, Permission], ...] = (
    ("Home", "/", Permission.use_service),
    ("Overview", "/overview", Permission.view_overview),
    ("Young people", "/young-people", Permission.view_young_people),
    ("Vacancies", "/vacancies", Permission.view_vacancies),
    ("Matching", "/matching", Permission.view_matching),
    ("Fairness", "/fairness", Permission.view_fairness),
    ("Escalations", "/escalations", Permission.view_escalations),
    ("Exception reports", "/reports", Permission.exception_reports),
    ("Provisions", "/provisions", Permission.view_provisions),
    ("Forecasts", "/forecasts", Permission.view_forecasts),
    ("Users", "/users", Permission.manage_users),
    ("Import returns", "/imports", Permission.import_returns),
    ("Audit trail", "/audit", Permission.view_audit),
    ("Scheduled jobs", "/jobs", Permission.view_jobs),
    ("API tokens", "/account/tokens", Permission.use_service),
)


def make_environment() -> Environment:
    """The shared environment (:mod:`planner.reports.templating`) with the pages' own
    templates in front and the pages' globals."""
    env = make_environment_shared([FileSystemLoader(TEMPLATES)])
    # ``words``: a fit's points, words and tag colour, read the same on every page
    env.globals.update(roleLabels=ROLE_LABELS, words=matching_words)
    return env


templates = Jinja2Templates(env=make_environment())


def navigation(role: Role | None, path: str) -> list[dict[str, Any]]:
    if role is None:
        return []
    allowed = MATRIX.get(Role(role), frozenset())
    items = []
    for text, href, permission in NAVIGATION:
        if permission in allowed:
            current = path == href if href == "/" else path.startswith(href)
            items.append({"text": text, "href": href, "current": current})
    return items


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    """A page: the template with the nonce, the signed-in user, their navigation and the
    session's CSRF token added to ``context``."""
    viewer = getattr(request.state, "viewer", None)
    page: dict[str, Any] = {
        "cspNonce": getattr(request.state, "csp_nonce", ""),
        "user": viewer,
        "navigation": navigation(Role(viewer.role) if viewer else None, request.url.path),
        "csrf_token": viewer.csrf_token if viewer else "",
    }
    page.update(context or {})
    return templates.TemplateResponse(request, name, page, status_code=status_code)
