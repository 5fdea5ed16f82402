"""Signing in and out, staff accounts, API tokens and the audit trail."""

from __future__ import annotations

import hmac
import secrets
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request
from starlette.responses import Response

from api.deps import (
    ID_MAX,
    CheckedForm,
    CsrfRefused,
    DbSession,
    Principal,
    allowed,
    see_other,
)
from api.listing import Listing, read_list
from api.security import SESSION_COOKIE, SIGN_IN_COOKIE, same_origin
from api.templating import render
from planner.accounts import service as accounts
from planner.accounts import users
from planner.core.errors import (
    FieldInvalid,
    InvalidInput,
    PlannerError,
    SignInRefused,
    TooManyAttempts,
)
from planner.domain import Role
from planner.domain.permissions import Permission as P
from planner.domain.text import parse_day_words

router = APIRouter(include_in_schema=False)


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
    response = see_other("/")
    _set_cookie(response, SESSION_COOKIE, signed_in.cookie_value)
    response.delete_cookie(SIGN_IN_COOKIE, path="/", secure=True, httponly=True, samesite="lax")
    return response


@router.post("/sign-out")
def sign_out(
    db: DbSession, principal: Annotated[Principal, allowed(P.use_service)], form: CheckedForm
) -> Response:
    if principal.auth_session is not None:
        accounts.sign_out(db, auth_session=principal.auth_session, actor=principal.user.username)
    response = see_other("/signed-out")
    response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True, samesite="lax")
    return response


@router.get("/signed-out")
def signed_out(request: Request) -> Response:
    return render(request, "signed_out.html", {"title": "You have signed out"})


# -- administration ----------------------------------------------------------------------------


@router.get("/audit")
def audit_trail(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.view_audit)],
    actor: Annotated[str, Query(max_length=80)] = "",
    action: Annotated[str, Query(max_length=40)] = "",
    entity: Annotated[str, Query(max_length=40)] = "",
    entity_id: Annotated[str, Query(max_length=80)] = "",
    since: Annotated[str, Query(max_length=20)] = "",
    until: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    """The audit trail searched by who, action, record and dates, sorted and paged."""
    params = read_list(request, users.AUDIT_SORTS, "when", descending=True)
    errors = {}
    dates: dict[str, date | None] = {}
    for name, text in (("since", since), ("until", until)):
        dates[name] = parse_day_words(text) if text else None
        if text and dates[name] is None:
            errors[name] = "Enter a real date, for example 27 3 2026"
    search = users.AuditSearch(
        actor=actor,
        action=action,
        entity=entity,
        entity_id=entity_id,
        since=dates["since"],
        until=dates["until"],
    )
    result = users.search_audit_trail(db, viewer=principal.user, search=search, sort=params)
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
        {
            "title": "Audit trail",
            "result": Listing("/audit", params, result, query),
            "query": query,
            "errors": errors,
        },
        status_code=422 if errors else 200,
    )


def _users(request: Request, db: DbSession) -> dict:
    """The users list of the page: searched by username, filtered by role and status, sorted
    and paged (api/listing.py); the same list answers a refused "add a user"."""
    query = request.query_params
    params = read_list(request, accounts.USER_SORTS, "username")
    username, role, status = (query.get(k, "")[:80] for k in ("username", "role", "status"))
    if role and role not in Role.__members__:
        raise InvalidInput("Choose a role from the list.")
    if status not in ("", "active", "disabled"):
        raise InvalidInput("Choose active or disabled.")
    found = accounts.page_users(
        db,
        params,
        search=username,
        role=role,
        active={"active": True, "disabled": False}.get(status),
    )
    filters = {"username": username, "role": role, "status": status}
    return {"users": Listing("/users", params, found, filters), "filters": filters}


@router.get("/users")
def users_page(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.manage_users)],
    saved: Annotated[str, Query(max_length=80)] = "",
) -> Response:
    """Every account with its role, status, email address and line manager."""
    users_now = accounts.list_users(db)
    return render(
        request,
        "users.html",
        {
            "title": "Users",
            **_users(request, db),
            "usernames": {u.id: u.username for u in users_now},
            "saved": saved if any(u.username == saved for u in users_now) else "",
            "roles": list(Role),
            "form": {},
        },
    )


@router.post("/users")
def add_user(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.manage_users)],
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
                **_users(request, db),
                "usernames": {u.id: u.username for u in accounts.list_users(db)},
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
    principal: Annotated[Principal, allowed(P.manage_users)],
    form: CheckedForm,
    user_id: Annotated[int, Path(ge=1, le=ID_MAX)],
) -> Response:
    """Disable an account: its sessions and API tokens stop working at once."""
    user = accounts.get_user_by_id_or_raise(db, user_id)
    accounts.disable_user(db, username=user.username, actor=principal.user.username)
    return see_other("/users")


@router.post("/users/{user_id}/enable")
def enable_user(
    db: DbSession,
    principal: Annotated[Principal, allowed(P.manage_users)],
    form: CheckedForm,
    user_id: Annotated[int, Path(ge=1, le=ID_MAX)],
) -> Response:
    user = accounts.get_user_by_id_or_raise(db, user_id)
    accounts.enable_user(db, username=user.username, actor=principal.user.username)
    return see_other("/users")


@router.post("/users/{user_id}/end-sessions")
def end_user_sessions(
    db: DbSession,
    principal: Annotated[Principal, allowed(P.manage_users)],
    form: CheckedForm,
    user_id: Annotated[int, Path(ge=1, le=ID_MAX)],
) -> Response:
    """Sign a user out everywhere (ASVS 7.4.5), e.g. after a lost laptop."""
    user = accounts.get_user_by_id_or_raise(db, user_id)
    accounts.end_user_sessions(db, username=user.username, actor=principal.user.username)
    return see_other("/users")


def _contact_page(
    request: Request,
    db: DbSession,
    user_id: int,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    """The form for a user's work email address and line manager (GOV.UK error summary)."""
    account = accounts.get_user_by_id_or_raise(db, user_id)
    managers = [u for u in accounts.list_users(db) if u.role == Role.manager and u.id != account.id]
    current = next((u.username for u in managers if u.id == account.manager_id), "")
    shown = form or {"email": account.email or "", "manager": current}
    errors = errors or {}
    return render(
        request,
        "user_contact.html",
        {
            "title": f"Contact details: {account.username}",
            "account": account,
            "managers": managers,
            "form": shown,
            "errors": errors,
        },
        status_code=422 if errors else 200,
    )


@router.get("/users/{user_id}/contact")
def user_contact_form(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.manage_users)],
    user_id: Annotated[int, Path(ge=1, le=ID_MAX)],
) -> Response:
    """Where a user's email notices go and who their line manager is."""
    return _contact_page(request, db, user_id)


@router.post("/users/{user_id}/contact")
def set_user_contact(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.manage_users)],
    form: CheckedForm,
    user_id: Annotated[int, Path(ge=1, le=ID_MAX)],
) -> Response:
    """Set a user's email address and line manager (audited as ``contact``); a refused
    value changes nothing and the form says why, beside the field."""
    account = accounts.get_user_by_id_or_raise(db, user_id)
    typed = {"email": form.get("email", "")[:300], "manager": form.get("manager", "")[:80]}
    try:
        accounts.set_contact(
            db,
            username=account.username,
            email=typed["email"],
            manager=typed["manager"],
            actor=principal.user.username,
        )
    except FieldInvalid as exc:
        return _contact_page(request, db, user_id, form=typed, errors={exc.field: exc.message})
    return see_other("/users?saved=" + account.username)


# -- the user's own account: how they get email notices ------------------------------------


def _account_page(
    request: Request, db: DbSession, principal: Principal, **extra: object
) -> Response:
    user = accounts.get_user_by_id_or_raise(db, principal.user.id)  # type: ignore[arg-type]
    manager = accounts.get_user_by_id_or_raise(db, user.manager_id) if user.manager_id else None
    return render(
        request,
        "account.html",
        {
            "title": "Your account",
            "account": user,
            "manager": manager,
            "choices": accounts.NOTIFY_CHOICES,
            "saved": False,
            "error": "",
        }
        | extra,
        status_code=422 if extra.get("error") else 200,
    )


@router.get("/account")
def account_page(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.use_service)],
    saved: Annotated[bool, Query()] = False,
) -> Response:
    """The user's email address, line manager and how they get notices."""
    return _account_page(request, db, principal, saved=saved)


@router.post("/account/notifications")
def set_notifications(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.use_service)],
    form: CheckedForm,
) -> Response:
    """Choose an email for each notice or one digest a week."""
    try:
        accounts.set_notify(
            db,
            user_id=principal.user.id,  # type: ignore[arg-type]
            notify=form.get("notify", ""),
            actor=principal.user.username,
        )
    except InvalidInput as exc:
        return _account_page(request, db, principal, error=exc.message)
    return see_other("/account?saved=true")


# -- the user's own API tokens -----------------------------------------------------------------


@router.get("/account/tokens")
def tokens(
    request: Request, db: DbSession, principal: Annotated[Principal, allowed(P.use_service)]
) -> Response:
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
    principal: Annotated[Principal, allowed(P.use_service)],
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
    principal: Annotated[Principal, allowed(P.use_service)],
    form: CheckedForm,
    token_id: Annotated[int, Path(ge=1, le=ID_MAX)],
) -> Response:

    accounts.revoke_api_token(db, owner=principal.user, token_id=token_id)
    return see_other("/account/tokens")
