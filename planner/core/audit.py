"""The audit trail: who changed, exported or viewed what, and when.

Events name records by table and id, never by anything personal, so the trail itself can
be shown to an auditor without becoming a second copy of the case data.
"""

from __future__ import annotations

import getpass

from sqlmodel import Session

from planner.models import AuditEvent


def record(
    session: Session, *, actor: str, action: str, entity: str, entity_id: str = "", detail: str = ""
) -> AuditEvent:
    """Add one audit event to the caller's transaction (it commits or rolls back with it)."""
    event = AuditEvent(
        actor=actor, action=action, entity=entity, entity_id=str(entity_id), detail=detail
    )
    session.add(event)
    return event


CLI = "cli:"  # an actor that is a command: "cli:" and the operating-system account
ACTOR_WORDS = {
    "scheduler": "the scheduled jobs",
    "demo": "the demo",
    "anonymous": "someone not signed in",
    "cli:unknown": "a command (account unknown)",
}


def cli_actor() -> str:
    """The operating-system account running a command, as the actor for CLI changes."""
    try:
        return f"{CLI}{getpass.getuser()}"
    except (KeyError, OSError):
        return f"{CLI}unknown"


def actor_words(actor: str | None) -> str:
    """Who did something, as a page says it: a user's username as it is, a command as
    "root, from the command line", the scheduler as "the scheduled jobs" (the stored form,
    e.g. ``cli:root``, is a code people should not have to read)."""
    if not actor:
        return ""
    if actor in ACTOR_WORDS:
        return ACTOR_WORDS[actor]
    if actor.startswith(CLI):
        return f"{actor.removeprefix(CLI)}, from the command line"
    return actor
