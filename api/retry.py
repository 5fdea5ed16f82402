"""A request whose transaction the database refused only because of contention is done again.

A request is one transaction (``api.deps.get_db``), so doing the transaction again means
handling the whole request again: the route, its dependencies and its reads, not a second
commit of the same session. :class:`RetryConcurrentChange` keeps the request's body, and when
the error handler marks the answer as a :class:`~planner.core.errors.ConcurrentChange`
(a PostgreSQL deadlock or serialization failure, ``planner.core.db.is_retryable``) it drops
that answer and runs the request again, up to ``planner.core.db.RETRY_ATTEMPTS`` times with
``retry_pause`` between; only the last attempt's 409 reaches the client. A compare-and-set
``Conflict`` is never marked, so its loser is answered at once.
"""

from __future__ import annotations

import asyncio
import logging

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from planner.core.db import RETRY_ATTEMPTS, retry_pause

log = logging.getLogger(__name__)

MARK = "planner.retry_marks"


def mark_retryable(request: Request) -> bool:
    """Called by the error handler for a retryable refusal: whether the request will be done
    again (so its answer is dropped)."""
    marks = request.scope.get(MARK)
    if marks is None:
        return False
    marks.append(True)
    return True


class RetryConcurrentChange:
    def __init__(self, app: ASGIApp, attempts: int = RETRY_ATTEMPTS) -> None:
        self.app = app
        self.attempts = attempts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body: list[Message] = []
        while True:  # the whole request body, to hand to each attempt again
            message = await receive()
            body.append(message)
            if message["type"] != "http.request" or not message.get("more_body", False):
                break
        for attempt in range(1, self.attempts + 1):
            last = attempt == self.attempts
            marks: list[bool] = []
            attempt_scope = {**scope, MARK: None if last else marks}
            if "state" in scope:  # a fresh request.state for each attempt
                attempt_scope["state"] = dict(scope["state"])
            await self.app(attempt_scope, *_attempt_channels(body, receive, send, marks))
            if not marks:
                return
            log.info(
                "concurrent change on %s %s: attempt %d of %d, doing it again",
                scope.get("method"),
                getattr(attempt_scope.get("route"), "path", "?"),
                attempt,
                self.attempts,
            )
            await asyncio.sleep(retry_pause(attempt))


def _attempt_channels(
    body: list[Message], receive: Receive, send: Send, marks: list[bool]
) -> tuple[Receive, Send]:
    """One attempt's receive (the kept body again, then the client's own) and send (nothing
    once the attempt is marked for doing again)."""
    replay = iter(body)

    async def attempt_receive() -> Message:
        try:
            return next(replay)
        except StopIteration:
            return await receive()  # e.g. waiting for the client to disconnect

    async def attempt_send(message: Message) -> None:
        if not marks:
            await send(message)

    return attempt_receive, attempt_send
