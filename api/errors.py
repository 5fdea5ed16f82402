"""One error hierarchy (:class:`planner.core.errors.PlannerError`) rendered by one handler.

The JSON API answers ``{"error": {"code", "message", "fields"}}`` with the error's status;
pages answer with a GOV.UK error page (a signed-out visitor to a page is sent to sign in
instead). Starlette's own errors (unknown route, wrong method) and request validation
errors go through the same handler, so every error a client can see has one shape, and
:data:`API_ERRORS` documents it in OpenAPI. No response ever carries a stack trace.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, RedirectResponse, Response

from api.retry import mark_retryable
from api.templating import render
from planner.core.db import is_retryable
from planner.core.errors import (
    Forbidden,
    InvalidInput,
    NotFound,
    NotSignedIn,
    PlannerError,
    ServiceBusy,
)


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable machine-readable code, e.g. 'forbidden'")
    message: str = Field(description="A sentence safe to show to the user")
    fields: list[str] = Field(default_factory=list, description="Inputs that were refused")


class ErrorBody(BaseModel):
    error: ErrorDetail


def _doc(description: str) -> dict:
    return {"model": ErrorBody, "description": description}


API_ERRORS: dict[int | str, dict] = {
    401: _doc("No API token, or one that is unknown, revoked or expired"),
    403: _doc("The token's owner's role does not allow this"),
    404: _doc("No such record within what the role may see"),
    422: _doc("A parameter was refused"),
    503: _doc("Busy: every database connection is in use; retry after Retry-After seconds"),
}

# what a change to a kept record may also answer (a compare-and-set on its version)
CHANGE_ERRORS: dict[int | str, dict] = {
    409: _doc("The record was changed by someone else (its version); reload and try again"),
}

PAGE_TITLES = {
    400: "Sorry, there is a problem with the request",
    403: "You do not have permission to see this page",
    404: "Page not found",
    405: "Page not found",
    409: "Sorry, that could not be done",
    422: "Sorry, there is a problem with what you entered",
    429: "Too many attempts",
    503: "Sorry, the service is busy",
    500: "Sorry, there is a problem with the service",
}


class Refused(PlannerError):
    """A write the service refused part-way, answered with the "not recorded" page: what
    happened and the way back. Routes raise it (never return a page for it) so that the
    request's unit of work rolls back whatever the refused write had already flushed before
    this handler draws the page: no route rolls back by hand."""

    def __init__(
        self,
        error: PlannerError,
        *,
        title: str,
        back: str,
        back_text: str,
        message: str | None = None,
    ) -> None:
        super().__init__(message or error.message)
        self.status_code = error.status_code
        self.code = error.code
        self.title = title
        self.back = back
        self.back_text = back_text


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _as_planner_error(exc: Exception) -> PlannerError:
    if isinstance(exc, PlannerError):
        return exc
    if isinstance(exc, RequestValidationError):
        invalid = InvalidInput("Check the request: some parameters were refused.")
        invalid.fields = [".".join(str(p) for p in e.get("loc", ())) for e in exc.errors()]  # type: ignore[attr-defined]
        return invalid
    if isinstance(exc, StarletteHTTPException):
        if exc.status_code == 404:
            return NotFound("Page not found.")
        if exc.status_code == 401:
            return NotSignedIn()
        if exc.status_code == 403:
            return Forbidden()
        error: PlannerError = PlannerError("The request could not be completed.")
        error.status_code = exc.status_code
        error.code = "http_error"
        return error
    raise exc


def error_response(request: Request, exc: Exception) -> Response:
    error = _as_planner_error(exc)
    if is_retryable(error) and mark_retryable(request):
        # api/retry.py drops this answer and handles the whole request again
        return Response(status_code=error.status_code)
    response = _error_response(request, error)
    if isinstance(error, ServiceBusy):
        # back-pressure a client can act on: when to try again, in seconds
        response.headers["Retry-After"] = str(ServiceBusy.retry_after)
    return response


def _error_response(request: Request, error: PlannerError) -> Response:
    if is_api(request):
        body = ErrorBody(
            error=ErrorDetail(
                code=error.code, message=error.message, fields=getattr(error, "fields", [])
            )
        )
        headers = {"WWW-Authenticate": "Bearer"} if error.status_code == 401 else None
        return JSONResponse(body.model_dump(), status_code=error.status_code, headers=headers)
    if isinstance(error, NotSignedIn):
        return RedirectResponse("/sign-in", status_code=303)
    status = error.status_code
    if isinstance(error, Refused):
        return render(
            request,
            "decision_problem.html",
            {
                "title": error.title,
                "message": error.message,
                "status": status,
                "back": error.back,
                "back_text": error.back_text,
            },
            status_code=status,
        )
    return render(
        request,
        "error.html",
        {
            "title": PAGE_TITLES.get(status, PAGE_TITLES[400]),
            "message": error.message,
            "status": status,
        },
        status_code=status,
    )


def server_error(request: Request, request_id: str) -> Response:
    """The 500 answer, for :class:`api.security.ErrorBoundary`."""
    if is_api(request):
        body = ErrorBody(
            error=ErrorDetail(
                code="server_error",
                message=f"Something went wrong. Quote reference {request_id} to support.",
            )
        )
        return JSONResponse(body.model_dump(), status_code=500)
    request.state.viewer = None  # no navigation built from a request that failed
    return render(
        request,
        "error.html",
        {"title": PAGE_TITLES[500], "status": 500, "request_id": request_id, "message": ""},
        status_code=500,
    )


def install(app: FastAPI) -> None:
    for kind in (PlannerError, RequestValidationError, StarletteHTTPException):
        app.add_exception_handler(kind, error_response)  # type: ignore[arg-type]
