"""HTTP-level protections that every response gets, whatever route produced it.

* :class:`SecurityHeaders` sets a nonce-based Content-Security-Policy (no
  ``'unsafe-inline'``: GOV.UK Frontend's one inline script carries the nonce), HSTS,
  ``nosniff``, ``Referrer-Policy: same-origin`` (addresses hold record ids, so they never
  leave the site; not ``no-referrer``, which makes browsers send ``Origin: null`` on our own
  form posts and would defeat the Origin check), ``frame-ancestors 'none'`` (and X-Frame-Options for
  old browsers), and ``Cache-Control: no-store`` on every response that is not a static
  asset, so no page with personal data stays in a shared computer's cache.
* :class:`ErrorBoundary` turns any unexpected exception into a plain 500 page or JSON body
  and logs only the exception's type, the method, the route and a request id. Exception
  messages are not logged: a database error's message can carry the values of the row it
  failed on, which here would be personal data.
* :func:`same_origin` is the Origin check that backs the CSRF synchroniser tokens.
"""

from __future__ import annotations

import logging
import secrets

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("planner.web")

SESSION_COOKIE = "__Host-planner-session"
SIGN_IN_COOKIE = "__Host-planner-sign-in"  # double-submit token of the sign-in form
STATIC_PREFIX = "/static/"
HSTS = "max-age=31536000; includeSubDomains"


def content_security_policy(nonce: str) -> str:
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self'",
            "img-src 'self'",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


class SecurityHeaders:
    """Pure ASGI middleware: a fresh CSP nonce per request (``request.state.csp_nonce``) and
    the security headers on the response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(18)
        scope.setdefault("state", {})["csp_nonce"] = nonce
        static = scope["path"].startswith(STATIC_PREFIX)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Content-Security-Policy"] = content_security_policy(nonce)
                headers["Strict-Transport-Security"] = HSTS
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "same-origin"
                headers["X-Frame-Options"] = "DENY"
                headers["Cross-Origin-Opener-Policy"] = "same-origin"
                headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
                if not static:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


class ErrorBoundary:
    """The last line: an unexpected exception becomes a 500 without a stack trace."""

    def __init__(self, app: ASGIApp, render_500) -> None:  # type: ignore[no-untyped-def]
        self.app = app
        self.render_500 = render_500

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            request_id = secrets.token_hex(6)
            route = getattr(scope.get("route"), "path", "unmatched")
            # Type, method, route template and id only: never the message or the URL's values.
            log.error(
                "unhandled %s on %s %s (request %s)",
                type(exc).__name__,
                scope.get("method"),
                route,
                request_id,
            )
            if not started:
                response = self.render_500(Request(scope), request_id)
                await response(scope, receive, send)


def same_origin(request: Request) -> bool:
    """Whether an unsafe request came from one of our own pages (ASVS 3.5.1).

    Browsers send ``Origin`` on every POST; a request with a foreign Origin, or a
    ``Sec-Fetch-Site`` of ``cross-site`` or ``same-site``, is refused whatever token it
    carries. A request with neither header comes from a non-browser client, which cannot
    have our cookie by accident, and still needs the synchroniser token.
    """
    origin = request.headers.get("origin")
    if origin is not None:
        expected = f"{request.url.scheme}://{request.url.netloc}"
        return origin == expected
    fetch_site = request.headers.get("sec-fetch-site")
    return fetch_site in (None, "same-origin", "none")
