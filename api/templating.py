"""Jinja2 for the pages: our templates first, then the GOV.UK Frontend macros.

Autoescape is switched on explicitly: Starlette only turns it on when it builds the
environment itself, and every value on these pages may have been typed by someone. Options
of the GOV.UK macros named ``html`` are output unescaped, so templates never put data in
them (see ecosystem.md 1.3).
"""

from __future__ import annotations

import math
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader
from starlette.requests import Request
from starlette.responses import HTMLResponse

from planner.core import clock
from planner.domain import Role
from planner.domain.permissions import MATRIX, Permission

TEMPLATES = Path(__file__).resolve().parent / "templates"
SERVICE_NAME = "Care leaver accommodation planner"
COUNCIL_NAME = "Example Council"

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
    ("Audit trail", "/audit", Permission.view_audit),
    ("Scheduled jobs", "/jobs", Permission.view_jobs),
    ("API tokens", "/account/tokens", Permission.use_service),
)


def _date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(clock.council_zone()).strftime("%-d %B %Y %H:%M")
    return value.strftime("%-d %B %Y")


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("Yes" if value else "No")


def _words(value: str) -> str:
    return str(value).replace("_", " ").capitalize()


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _count(value: Any) -> str:
    """A forecast count: whole numbers as such, others to one decimal place."""
    if _missing(value):
        return "-"
    rounded = round(float(value), 1)
    return f"{rounded:,.0f}" if rounded.is_integer() else f"{rounded:,.1f}"


def _sentence(value: str) -> str:
    """The first letter in capitals, the rest as written (``capitalize`` would lower UASC)."""
    text = str(value)
    return text[:1].upper() + text[1:]


def _whole(value: Any) -> str:
    """An interval's end as a whole number of young people."""
    return "-" if _missing(value) else f"{round(float(value)):,}"


def _scenario(value: str, within: bool = False) -> str:
    """A scenario's name in words: ``more_uasc`` is ``More UASC`` (``more UASC`` within a
    sentence)."""
    text = str(value).replace("_", " ")
    text = text if within else text.capitalize()
    return " ".join("UASC" if w.lower() == "uasc" else w for w in text.split(" "))


def _percent(value: Any) -> str:
    """A probability as a percentage; a small but non-zero one is not rounded to 0%."""
    if _missing(value):
        return "-"
    share = float(value) * 100
    if 0 < share < 0.5:
        return "less than 1%"
    return f"{share:.0f}%"


def _money(value: Any) -> str:
    return "-" if _missing(value) else f"£{float(value):,.0f}"


def _signed(value: Any, percent: bool = False) -> str:
    """A difference with its sign spelt out, e.g. +3 or -12%."""
    if _missing(value):
        return "-"
    number = float(value) * (100 if percent else 1)
    text = f"{abs(number):.0f}" if percent else _count(abs(number))
    suffix = "%" if percent else ""
    if (percent and round(number) == 0) or (not percent and round(number, 1) == 0):
        return "0" + suffix
    return f"{'+' if number > 0 else '-'}{text}{suffix}"


def _quarter(value: Any) -> str:
    if _missing(value) or value == "":
        return ""
    day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return f"{day.year} Q{(day.month - 1) // 3 + 1}"


def make_environment() -> Environment:
    env = Environment(
        loader=ChoiceLoader(
            [
                FileSystemLoader(TEMPLATES),
                PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
            ]
        ),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["date"] = _date
    env.filters["yes_no"] = _yes_no
    env.filters["words"] = _words
    env.filters["count"] = _count
    env.filters["whole"] = _whole
    env.filters["sentence"] = _sentence
    env.filters["scenario"] = _scenario
    env.filters["percent"] = _percent
    env.filters["money"] = _money
    env.filters["signed"] = _signed
    env.filters["quarter"] = _quarter
    env.globals.update(serviceName=SERVICE_NAME, councilName=COUNCIL_NAME, roleLabels=ROLE_LABELS)
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
