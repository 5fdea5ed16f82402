"""The server-rendered pages. Each route names one permission, calls services and renders;
no rule of the service lives here. Every form carries the session's CSRF token and is
checked with the Origin header (:func:`api.deps.csrf_form`); the sign-in form, which has no
session yet, uses a double-submit cookie instead. Pages work without JavaScript.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from starlette.responses import RedirectResponse, Response

from api.deps import CheckedForm, CsrfRefused, DbSession, Principal, require
from api.security import SESSION_COOKIE, SIGN_IN_COOKIE, same_origin
from api.templating import render
from planner import accounts, inventory, users, young_people
from planner.domain import PlacementType, Role
from planner.permissions import (
    InvalidInput,
    PlannerError,
    SignInRefused,
    TooManyAttempts,
    allows,
)
from planner.permissions import Permission as P

router = APIRouter(include_in_schema=False)
ID_MAX = 2**31 - 1


def _as(permission: P):  # type: ignore[no-untyped-def]
    return Annotated[Principal, Depends(require(permission))]


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _set_cookie(response: Response, name: str, value: str) -> None:
    response.set_cookie(name, value, path="/", secure=True, httponly=True, samesite="lax")


# -- signing in and out ------------------------------------------------------------------------


def _sign_in_page(
    request: Request, *, error: str = "", username: str = "", status_code: int = 200
) -> Response:
    token = secrets.token_urlsafe(32)
    response = render(
        request,
        "sign_in.html",
        {"title": "Sign in", "error": error, "username": username, "form_token": token},
        status_code=status_code,
    )
    _set_cookie(response, SIGN_IN_COOKIE, token)
    return response


@router.get("/sign-in")
def sign_in_form(request: Request) -> Response:
    return _sign_in_page(request)


@router.post("/sign-in")
def sign_in(
    request: Request,
    db: DbSession,
    username: Annotated[str, Form(max_length=256)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf_token: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    cookie = request.cookies.get(SIGN_IN_COOKIE, "")
    if not (
        same_origin(request) and cookie and csrf_token and hmac.compare_digest(cookie, csrf_token)
    ):
        raise CsrfRefused()
    if not username.strip() or not password:
        return _sign_in_page(
            request, error="Enter your username and password", username=username, status_code=422
        )
    client = request.client.host if request.client else "unknown"
    try:
        signed_in = accounts.sign_in(
            db,
            username=username,
            password=password,
            client=client,
            policy=request.app.state.session_policy,
        )
    except TooManyAttempts as exc:
        return _sign_in_page(request, error=exc.message, username=username, status_code=429)
    except SignInRefused as exc:
        return _sign_in_page(request, error=exc.message, username=username, status_code=401)
    # a session cookie left from before is ended, so a planted session cannot carry on
    old = accounts.current_session(
        db,
        cookie_value=request.cookies.get(SESSION_COOKIE, ""),
        policy=request.app.state.session_policy,
    )
    if old is not None:
        accounts.sign_out(db, auth_session=old[0], actor=old[1].username)
    response = _see_other("/")
    _set_cookie(response, SESSION_COOKIE, signed_in.cookie_value)
    response.delete_cookie(SIGN_IN_COOKIE, path="/", secure=True, httponly=True, samesite="lax")
    return response


@router.post("/sign-out")
def sign_out(db: DbSession, principal: _as(P.use_service), form: CheckedForm) -> Response:  # type: ignore[valid-type]
    if principal.auth_session is not None:
        accounts.sign_out(db, auth_session=principal.auth_session, actor=principal.user.username)
    response = _see_other("/signed-out")
    response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True, samesite="lax")
    return response


@router.get("/signed-out")
def signed_out(request: Request) -> Response:
    return render(request, "signed_out.html", {"title": "You have signed out"})


@router.get("/accessibility")
def accessibility(request: Request) -> Response:
    return render(request, "accessibility.html", {"title": "Accessibility statement"})


# -- home and overview -------------------------------------------------------------------------


@router.get("/")
def home(request: Request, db: DbSession, principal: _as(P.use_service)) -> Response:  # type: ignore[valid-type]
    """A home page per role: the figures and links that role's work starts from."""
    user = principal.user
    figures: dict[str, int] = {}
    if allows(user.role, P.view_young_people):
        figures["young_people"] = young_people.list_young_people(db, viewer=user, per_page=1).total
        figures["unsuitable"] = young_people.list_young_people(
            db, viewer=user, unsuitable_only=True, per_page=1
        ).total
    if allows(user.role, P.view_vacancies):
        figures["vacancies"] = len(inventory.list_vacancies(db, viewer=user))
    if allows(user.role, P.view_overview):
        figures["in_unsuitable_all"] = inventory.overview(db, viewer=user).figures["unsuitable"]
    if allows(user.role, P.manage_users):
        figures["users"] = len(accounts.list_users(db))
    return render(request, "home.html", {"title": "Home", "figures": figures, "role": user.role})


@router.get("/overview")
def overview(request: Request, db: DbSession, principal: _as(P.view_overview)) -> Response:  # type: ignore[valid-type]
    summary = inventory.overview(db, viewer=principal.user)
    return render(request, "overview.html", {"title": "Overview", "summary": summary})


# -- young people ------------------------------------------------------------------------------


@router.get("/young-people")
def young_people_list(
    request: Request,
    db: DbSession,
    principal: _as(P.view_young_people),  # type: ignore[valid-type]
    unsuitable: Annotated[bool, Query()] = False,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    result = young_people.list_young_people(
        db, viewer=principal.user, unsuitable_only=unsuitable, page=page
    )
    own = principal.user.role == Role.personal_adviser
    return render(
        request,
        "young_people.html",
        {
            "title": "Your young people" if own else "Young people",
            "result": result,
            "unsuitable": unsuitable,
        },
    )


@router.get("/young-people/{young_person_id}")
def young_person(
    request: Request,
    db: DbSession,
    principal: _as(P.view_young_people),  # type: ignore[valid-type]
    young_person_id: Annotated[int, Path(ge=1, le=ID_MAX)],
) -> Response:
    record = young_people.get_record(db, viewer=principal.user, young_person_id=young_person_id)
    return render(
        request, "young_person.html", {"title": f"Young person {record.reference}", "r": record}
    )


# -- inventory ---------------------------------------------------------------------------------


def _placement_type(value: str) -> str | None:
    if not value:
        return None
    if value not in PlacementType.__members__:
        raise InvalidInput("Choose a placement type from the list.")
    return value


@router.get("/vacancies")
def vacancies(
    request: Request,
    db: DbSession,
    principal: _as(P.view_vacancies),  # type: ignore[valid-type]
    placement_type: Annotated[str, Query(max_length=40)] = "",
    area: Annotated[str, Query(max_length=80)] = "",
) -> Response:
    kind = _placement_type(placement_type)
    rows = inventory.list_vacancies(db, viewer=principal.user, placement_type=kind, area=area)
    return render(
        request,
        "vacancies.html",
        {
            "title": "Vacancies",
            "rows": rows,
            "placement_type": placement_type,
            "area": area,
            "areas": inventory.areas(db, viewer=principal.user),
            "types": [t for t in PlacementType if t.allocatable],
            "today": date.today(),
        },
    )


@router.get("/provisions")
def provisions(
    request: Request,
    db: DbSession,
    principal: _as(P.view_provisions),  # type: ignore[valid-type]
    placement_type: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    kind = _placement_type(placement_type)
    rows = inventory.list_provisions(db, viewer=principal.user, placement_type=kind)
    return render(
        request,
        "provisions.html",
        {
            "title": "Provisions",
            "rows": rows,
            "placement_type": placement_type,
            "types": [t for t in PlacementType if t.allocatable],
        },
    )


# -- administration ----------------------------------------------------------------------------


@router.get("/audit")
def audit_trail(
    request: Request,
    db: DbSession,
    principal: _as(P.view_audit),  # type: ignore[valid-type]
    actor: Annotated[str, Query(max_length=80)] = "",
    action: Annotated[str, Query(max_length=40)] = "",
    entity: Annotated[str, Query(max_length=40)] = "",
    entity_id: Annotated[str, Query(max_length=80)] = "",
    since: Annotated[str, Query(max_length=10)] = "",
    until: Annotated[str, Query(max_length=10)] = "",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    errors = {}
    dates: dict[str, date | None] = {}
    for name, text in (("since", since), ("until", until)):
        try:
            dates[name] = date.fromisoformat(text) if text else None
        except ValueError:
            dates[name] = None
            errors[name] = "Enter a date as YYYY-MM-DD, for example 2026-03-31"
    search = users.AuditSearch(
        actor=actor,
        action=action,
        entity=entity,
        entity_id=entity_id,
        since=dates["since"],
        until=dates["until"],
    )
    result = users.search_audit_trail(db, viewer=principal.user, search=search, page=page)
    query = {
        "actor": actor,
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "since": since,
        "until": until,
    }
    return render(
        request,
        "audit.html",
        {"title": "Audit trail", "result": result, "query": query, "errors": errors},
        status_code=422 if errors else 200,
    )


@router.get("/users")
def users_page(request: Request, db: DbSession, principal: _as(P.manage_users)) -> Response:  # type: ignore[valid-type]
    return render(
        request,
        "users.html",
        {"title": "Users", "users": accounts.list_users(db), "roles": list(Role), "form": {}},
    )


@router.post("/users")
def add_user(
    request: Request,
    db: DbSession,
    principal: _as(P.manage_users),  # type: ignore[valid-type]
    form: CheckedForm,
) -> Response:
    """Create an account with a generated password, shown once on the page that answers."""
    username = form.get("username", "")
    role = form.get("role", "")
    password = accounts.generate_password()
    try:
        if role not in Role.__members__:
            raise InvalidInput("Choose a role.")
        accounts.create_user(
            db,
            username=username,
            role=Role(role),
            password=password,
            actor=principal.user.username,
            display_name=form.get("display_name", "").strip()[:120],
        )
    except PlannerError as exc:
        return render(
            request,
            "users.html",
            {
                "title": "Users",
                "users": accounts.list_users(db),
                "roles": list(Role),
                "error": exc.message,
                "form": form,
            },
            status_code=exc.status_code,
        )
    return render(
        request,
        "user_created.html",
        {"title": "User added", "username": username.strip().lower(), "password": password},
    )


@router.post("/users/{user_id}/disable")
def disable_user(
    db: DbSession,
    principal: _as(P.manage_users),  # type: ignore[valid-type]
    form: CheckedForm,
    user_id: Annotated[int, Path(ge=1, le=ID_MAX)],
) -> Response:
    """Disable an account: its sessions and API tokens stop working at once."""
    user = accounts.get_user_by_id_or_raise(db, user_id)
    accounts.disable_user(db, username=user.username, actor=principal.user.username)
    return _see_other("/users")


@router.post("/users/{user_id}/enable")
def enable_user(
    db: DbSession,
    principal: _as(P.manage_users),  # type: ignore[valid-type]
    form: CheckedForm,
    user_id: Annotated[int, Path(ge=1, le=ID_MAX)],
) -> Response:
    user = accounts.get_user_by_id_or_raise(db, user_id)
    accounts.enable_user(db, username=user.username, actor=principal.user.username)
    return _see_other("/users")


@router.post("/users/{user_id}/end-sessions")
def end_user_sessions(
    db: DbSession,
    principal: _as(P.manage_users),  # type: ignore[valid-type]
    form: CheckedForm,
    user_id: Annotated[int, Path(ge=1, le=ID_MAX)],
) -> Response:
    """Sign a user out everywhere (ASVS 7.4.5), e.g. after a lost laptop."""
    user = accounts.get_user_by_id_or_raise(db, user_id)
    accounts.end_user_sessions(db, username=user.username, actor=principal.user.username)
    return _see_other("/users")


# -- the user's own API tokens -----------------------------------------------------------------


@router.get("/account/tokens")
def tokens(request: Request, db: DbSession, principal: _as(P.use_service)) -> Response:  # type: ignore[valid-type]
    return render(
        request,
        "tokens.html",
        {
            "title": "API tokens",
            "tokens": accounts.list_api_tokens(db, owner=principal.user),
            "error": "",
        },
    )


@router.post("/account/tokens")
def issue_token(
    request: Request,
    db: DbSession,
    principal: _as(P.use_service),  # type: ignore[valid-type]
    form: CheckedForm,
) -> Response:
    try:
        _, plaintext = accounts.issue_api_token(db, owner=principal.user, name=form.get("name", ""))
    except InvalidInput as exc:
        return render(
            request,
            "tokens.html",
            {
                "title": "API tokens",
                "tokens": accounts.list_api_tokens(db, owner=principal.user),
                "error": exc.message,
            },
            status_code=422,
        )
    return render(request, "token_issued.html", {"title": "API token created", "token": plaintext})


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(
    db: DbSession,
    principal: _as(P.use_service),  # type: ignore[valid-type]
    form: CheckedForm,
    token_id: Annotated[int, Path(ge=1, le=ID_MAX)],
) -> Response:
    accounts.revoke_api_token(db, owner=principal.user, token_id=token_id)
    return _see_other("/account/tokens")
