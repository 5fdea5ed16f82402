"""Dependencies every route is built from: the unit of work, who is asking, and what they
may do.

* :func:`get_db` is the request's one transaction. It is ``scope="function"`` so that it
  commits *before* the response is sent: a browser that follows a redirect straight after
  signing in must find its session already in the database.
* :func:`database_slot` admits at most ``PLANNER_DB_POOL_SIZE`` requests to the database at
  once. The rest wait on the event loop, holding neither a worker thread nor a connection,
  and are answered 503 with ``Retry-After`` if no slot frees within the pool timeout. Without
  it, requests holding connections while they wait for a thread and threads waiting for a
  connection could stall one another until the pool gave up.
* Pages authenticate by the session cookie only; the JSON API by bearer token only. Keeping
  cookies away from the API means a cross-site page can never make a signed-in browser call
  it, so the API needs no CSRF token.
* :func:`require` gives the one function-level permission a route needs, and keeps it on
  the dependency so tests and docs can read every route's permission back.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session
from starlette.responses import RedirectResponse

from api.security import SESSION_COOKIE, same_origin
from planner.accounts import service as accounts
from planner.core.db import unit_of_work
from planner.core.errors import Forbidden, InvalidInput, NotSignedIn, ServiceBusy
from planner.domain.permissions import Permission, check
from planner.models import ApiToken, AuthSession, User


@dataclass(frozen=True)
class PageViewer:
    """What the page layout shows of the signed-in user, copied at sign-in time so an error
    page can still be drawn after the request's transaction has rolled back (which expires
    every loaded row)."""

    username: str
    role: str
    csrf_token: str


@dataclass(frozen=True)
class Principal:
    """The signed-in user and how they proved it (a browser session or an API token)."""

    user: User
    auth_session: AuthSession | None = None
    api_token: ApiToken | None = None


class CsrfRefused(Forbidden):
    code = "csrf_refused"
    message = "This form has expired or did not come from this service. Go back and try again."


class DatabaseGate:
    """At most ``size`` requests using the database at once, the others waiting up to
    ``wait`` seconds for a turn (then :class:`ServiceBusy`). One semaphore per event loop,
    because an asyncio semaphore belongs to the loop that first waits on it and a test may
    serve one app from several loops."""

    def __init__(self, size: int, wait: float) -> None:
        self.size = size
        self.wait = wait
        self._slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore]
        self._slots = weakref.WeakKeyDictionary()

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        slots = self._slots.setdefault(loop, asyncio.Semaphore(self.size))
        try:
            async with asyncio.timeout(self.wait):
                await slots.acquire()
        except TimeoutError:
            raise ServiceBusy() from None
        try:
            yield
        finally:
            slots.release()


async def database_slot(request: Request) -> AsyncIterator[None]:
    """A turn at the database for this request, held until its transaction has ended."""
    gate: DatabaseGate = request.app.state.db_gate
    async with gate.slot():
        yield


def get_db(
    request: Request, _turn: Annotated[None, Depends(database_slot, scope="function")]
) -> Iterator[Session]:
    """One transaction per request: committed if the route returns, rolled back if it raises
    (a deadlock or a busy pool leaves as a 409 or 503, see :func:`unit_of_work`)."""
    with unit_of_work(request.app.state.engine) as session:
        yield session


DbSession = Annotated[Session, Depends(get_db, scope="function")]
bearer = HTTPBearer(auto_error=False, description="An API token from the 'API tokens' page")


def page_principal(request: Request, db: DbSession) -> Principal:
    """The user behind the session cookie, or ``NotSignedIn`` (pages redirect to sign-in)."""
    cookie = request.cookies.get(SESSION_COOKIE, "")
    found = accounts.current_session(
        db, cookie_value=cookie, policy=request.app.state.session_policy
    )
    if found is None:
        raise NotSignedIn()
    principal = Principal(user=found[1], auth_session=found[0])
    request.state.viewer = PageViewer(
        username=found[1].username, role=str(found[1].role), csrf_token=found[0].csrf_token
    )
    return principal


def api_principal(
    request: Request,
    db: DbSession,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """The owner of the bearer token, or ``NotSignedIn`` (401)."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise NotSignedIn("Send an API token as 'Authorization: Bearer <token>'.")
    found = accounts.api_token_user(db, token=credentials.credentials)
    if found is None:
        raise NotSignedIn("The API token is unknown, revoked or expired.")
    return Principal(user=found[1], api_token=found[0])


PagePrincipal = Annotated[Principal, Depends(page_principal)]
ApiPrincipal = Annotated[Principal, Depends(api_principal)]


def require(permission: Permission, *, api: bool = False) -> Callable[..., Principal]:
    """A dependency that authenticates (page or API) and checks ``permission``."""

    if api:

        def check_api(principal: ApiPrincipal) -> Principal:
            check(principal.user.role, permission)
            return principal

        check_api.permission = permission  # type: ignore[attr-defined]
        return check_api

    def check_page(principal: PagePrincipal) -> Principal:
        check(principal.user.role, permission)
        return principal

    check_page.permission = permission  # type: ignore[attr-defined]
    return check_page


async def csrf_form(request: Request, principal: PagePrincipal) -> dict[str, str]:
    """The posted form, once its Origin and synchroniser token are checked against the
    session; ``CsrfRefused`` (403) otherwise."""
    form = await request.form()
    token = form.get("csrf_token")
    if (
        not same_origin(request)
        or principal.auth_session is None
        or not isinstance(token, str)
        or not accounts.csrf_matches(principal.auth_session, token)
    ):
        raise CsrfRefused()
    return {k: v for k, v in form.items() if isinstance(v, str)}


CheckedForm = Annotated[dict[str, str], Depends(csrf_form)]


def allowed(permission: Permission) -> Any:
    """A page's signed-in user, refused unless their role has ``permission``.

    Used as ``principal: Annotated[Principal, allowed(P.view_overview)]``, so every route
    names its permission in its signature and the route-permission test can read it."""
    return Depends(require(permission))


def api_allowed(permission: Permission) -> Any:
    """The API token's owner, refused unless their role has ``permission``."""
    return Depends(require(permission, api=True))


ID_MAX = 2**31 - 1  # ids are 32-bit integers in PostgreSQL: larger ones are 404s, not 500s
TEXT = r"^[^\x00-\x08\x0A-\x1F]*$"  # no control characters (PostgreSQL refuses NUL)


def see_other(url: str) -> RedirectResponse:
    """Post/redirect/get: after a form is handled, the browser loads ``url``."""
    return RedirectResponse(url, status_code=303)


# -- form fields: a form posts any text, so each reading refuses bad text as InvalidInput ------


def whole_number(text: str) -> int | None:
    """``text`` as a whole number (surrounding spaces allowed), or None if it is not one."""
    text = text.strip()
    digits = text[1:] if text[:1] in "+-" else text
    return int(text) if digits.isascii() and digits.isdigit() else None


def iso_date(text: str) -> date | None:
    """``text`` as a YYYY-MM-DD date, or None if it is not one."""
    parts = text.strip().split("-")
    if len(parts) != 3 or [len(p) for p in parts] != [4, 2, 2]:
        return None
    year, month, day = (whole_number(p) for p in parts)
    return _calendar_date(year, month, day)


def _calendar_date(year: int | None, month: int | None, day: int | None) -> date | None:
    """The date, or None if any part is missing or the calendar has no such day."""
    if year is None or month is None or day is None:
        return None
    try:
        return date(year, month, day)
    except ValueError:  # month 13, 30 February, year 0: not a day a person can mean
        return None


def form_version(form: dict[str, str]) -> int:
    """The record version a form carries (the one its user saw)."""
    version = whole_number(form.get("version", ""))
    if version is None or not 1 <= version <= ID_MAX:
        raise InvalidInput("The form is missing the record's version; reload the page.")
    return version


def form_date(
    form: dict[str, str], prefix: str, what: str, *, required: bool = True
) -> date | None:
    """A GOV.UK date input (``prefix-day``, ``-month``, ``-year``) as a date."""
    parts = [form.get(f"{prefix}-{p}", "").strip() for p in ("day", "month", "year")]
    if not any(parts):
        if required:
            raise InvalidInput(f"Enter the {what}.")
        return None
    day, month, year = (whole_number(p) for p in parts)
    found = _calendar_date(year, month, day)
    if found is None or not 2000 <= found.year <= 2100:
        raise InvalidInput(f"The {what} must be a real date, for example 27 3 2026.")
    return found
