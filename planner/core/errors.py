"""The planner's error tree: one root, every user-facing refusal derives from it.

Each error carries a message that is safe to show (it never holds personal data), a
machine-readable ``code`` and the HTTP ``status_code`` the web layer renders. One handler in
``api/errors.py`` turns any of them into a page or JSON, so no route catches errors itself.
"""

from __future__ import annotations

# -- the error hierarchy -----------------------------------------------------------------------


class PlannerError(Exception):
    """A refusal a user can understand. ``message`` is shown to them and may be logged, so it
    names records by id at most, never by anything personal."""

    status_code = 400
    code = "bad_request"
    message = "The request could not be completed."

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.message
        super().__init__(self.message)


class NotSignedIn(PlannerError):
    status_code = 401
    code = "not_signed_in"
    message = "Sign in to use this service."


class SignInRefused(PlannerError):
    """Wrong username or password, or a disabled account: the same words for each, so the
    answer does not tell an attacker which usernames exist."""

    status_code = 401
    code = "sign_in_refused"
    message = "Enter a correct username and password."


class Forbidden(PlannerError):
    status_code = 403
    code = "forbidden"
    message = "Your role does not allow this."


class NotFound(PlannerError):
    """Also the answer for a record that exists but is outside the viewer's scope, so a
    personal adviser cannot probe which ids belong to other advisers' young people."""

    status_code = 404
    code = "not_found"
    message = "There is no such record that you can see."


class Conflict(PlannerError):
    status_code = 409
    code = "conflict"
    message = "The record changed or already exists."


class InvalidInput(PlannerError):
    status_code = 422
    code = "invalid_input"
    message = "Check what you entered."


class TooManyAttempts(PlannerError):
    status_code = 429
    code = "too_many_attempts"
    message = "Too many attempts to sign in. Wait 15 minutes, then try again."


class ConcurrentChange(Conflict):
    """The database refused a transaction because another one was changing the same records
    at that moment (a PostgreSQL deadlock or serialization failure).
    Nothing was kept; doing it again usually works, so the CLI retries a few times first."""

    code = "concurrent_change"
    message = (
        "Someone else was changing the same records at that moment, so nothing was saved. "
        "Reload and try again."
    )


class ServiceBusy(PlannerError):
    """Every database connection stayed in use for longer than the pool waits, or a SQLite
    file stayed locked by a long write past its busy timeout. Answered as
    503 with ``Retry-After`` (back-pressure a client can act on) instead of a 500."""

    status_code = 503
    code = "service_busy"
    message = "The service is busy. Wait a few seconds, then try again."
    retry_after = 5


class FieldInvalid(InvalidInput):
    """A value a form or request sent that the service refused, naming the field (as the
    JSON request names it, e.g. ``place_id``, ``start``) so a page can highlight it and the
    API can list it in ``fields``; where the record's own state is the problem (no move
    planned, a vacancy no longer open) the field is the record (``young_person``,
    ``vacancy``, ``stay``)."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.fields = [field]
        super().__init__(message)


class StaleRecord(Conflict):
    """Optimistic concurrency: the record's ``version`` is not the one the person saw, so
    saving would overwrite someone else's change. Nothing is kept."""

    code = "stale_record"
    message = "This record was changed by someone else; reload and try again."
