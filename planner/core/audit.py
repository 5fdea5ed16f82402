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


def cli_actor() -> str:
    """The operating-system account running a command, as the actor for CLI changes."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"
